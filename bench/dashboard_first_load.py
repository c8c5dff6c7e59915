"""First load to interactive of the dashboard on the local stack, from Chromium's own timing.

Starts the local stack (``python -m local.stack``, what `make run` runs, on free ports with the
demo data), opens the built dashboard in Debian's Chromium (Playwright, headless) and measures
RUNS loads of each kind; a cold one starts with an empty HTTP cache (a new context for the
visitor; the signed-in manager's one context with its cache cleared, as it holds the session):

- sign-in page, cold: a first visitor; interactive when the email field is on screen;
- home, cold: a signed-in manager (VN) opens the app with an empty cache; interactive when the
  home page shows its figures (the app first gets its in-memory access token from
  ``/auth/refresh`` with the refresh cookie, then ``/me``, then the summary); loads are spaced
  6.5 s apart because the refresh route allows 10 a minute from one address;
- home, warm: the same person opening it again (hashed assets from the cache, ``immutable``).

"Interactive" is read in the page: an init script watches the DOM and records
``performance.now()`` (milliseconds since the navigation started, Chromium's clock) the moment
the screen is usable. Chromium's navigation timing (``PerformanceNavigationTiming``: response end,
DOM interactive, load event end) and the bytes transferred (resource timing) are printed beside it.
Prints p50/p95 of each; never passes or fails on a time (the issue's target: ≤ 2 s).

    make dashboard-build && .venv/bin/python bench/dashboard_first_load.py [RUNS]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LOG_LEVEL", "WARNING")

CHROMIUM = "/usr/bin/chromium"
MANAGER = "manager.vn@demo.ptx-cm.local"
SIGN_IN_READY = 'document.querySelector(\'input[autocomplete="email"], input[type="email"]\')'
HOME_READY = "document.querySelector('[data-summary-from]')"

# Records when ``condition`` first holds, checked on every DOM change (and once at start).
_WATCH = """
(() => {
  const ready = () => %s;
  const mark = () => { if (window.__interactive === undefined && ready()) window.__interactive = performance.now(); };
  new MutationObserver(mark).observe(document, { childList: true, subtree: true, attributes: true });
  document.addEventListener('DOMContentLoaded', mark);
})();
"""

_TIMINGS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  const transferred = [nav, ...resources].reduce((sum, r) => sum + (r.transferSize || 0), 0);
  const scripts = resources.filter((r) => r.initiatorType === 'script' || r.name.endsWith('.js'));
  return {
    interactive: window.__interactive,
    response_end: nav.responseEnd,
    dom_interactive: nav.domInteractive,
    load_event_end: nav.loadEventEnd,
    kb_transferred: transferred / 1024,
    kb_js_transferred: scripts.reduce((sum, r) => sum + (r.transferSize || 0), 0) / 1024,
  };
}"""


REFRESH_SPACING_SECONDS = 6.5


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(page: Any, url: str, condition: str) -> dict[str, float]:
    page.add_init_script(_WATCH % condition)
    page.goto(url, wait_until="load")
    page.wait_for_function("window.__interactive !== undefined", timeout=60_000)
    page.wait_for_function("performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
    return dict(page.evaluate(_TIMINGS))


def run(base_url: str, runs: int) -> dict[str, list[dict[str, float]]]:
    from playwright.sync_api import sync_playwright

    from local.demo_seed import DEMO_PASSWORD

    results: dict[str, list[dict[str, float]]] = {"sign-in page, cold": [], "home, cold": [], "home, warm": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        # One sign-in (the API allows 5 a minute from one address). The app keeps its access token in
        # memory: every page load gets one through /auth/refresh, which rotates the refresh cookie, so
        # the signed-in loads share one context (its cookie jar) and "cold" clears the browser cache.
        staff = browser.new_context()
        login = staff.request.post(
            f"{base_url}/api/auth/login", data={"email": MANAGER, "password": DEMO_PASSWORD, "use_cookies": True}
        )
        assert login.ok, login.text()
        for _ in range(runs):
            visitor = browser.new_context()
            results["sign-in page, cold"].append(measure(visitor.new_page(), f"{base_url}/sign-in", SIGN_IN_READY))
            visitor.close()
            for kind in ("home, cold", "home, warm"):
                time.sleep(REFRESH_SPACING_SECONDS)  # the refresh route allows 10 a minute from one address
                page = staff.new_page()
                if kind == "home, cold":
                    staff.new_cdp_session(page).send("Network.clearBrowserCache")
                results[kind].append(measure(page, f"{base_url}/", HOME_READY))
                page.close()
        staff.close()
        browser.close()
    return results


def report(results: dict[str, list[dict[str, float]]]) -> None:
    columns = ("interactive", "response_end", "dom_interactive", "load_event_end")
    print(f"{'load':<20} {'runs':>4}  " + "  ".join(f"{c + ' p50/p95 ms':>30}" for c in columns) + "  KB (JS) p50")
    for kind, samples in results.items():
        cells = []
        for column in columns:
            values = [s[column] for s in samples]
            cells.append(f"{percentile(values, 0.5):>14.0f} / {percentile(values, 0.95):<13.0f}")
        kb = statistics.median(s["kb_transferred"] for s in samples)
        kb_js = statistics.median(s["kb_js_transferred"] for s in samples)
        print(f"{kind:<20} {len(samples):>4}  " + "  ".join(cells) + f"  {kb:.0f} ({kb_js:.0f})")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    from local.dashboard_files import DEFAULT_BUILD_DIR, is_built
    from tests.e2e.conftest import start_stack, stop_stack

    if not is_built():
        raise SystemExit(f"the dashboard is not built in {DEFAULT_BUILD_DIR}: run `make dashboard-build`")
    stack = start_stack()
    try:
        base_url = stack.base_url.replace(
            "127.0.0.1", "localhost"
        )  # the origin whose Secure cookies Chromium keeps over http
        print(
            f"local stack ready in {stack.seconds_to_ready:.1f} s at {base_url}; load average {os.getloadavg()[0]:.1f}"
        )
        report(run(base_url, runs))
    finally:
        stop_stack(stack)


if __name__ == "__main__":
    main()
