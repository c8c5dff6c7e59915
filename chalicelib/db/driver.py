"""pg8000, made cheaper per statement: its placeholder conversion is remembered per SQL text.

SQLAlchemy hands pg8000 each statement with ``%s`` placeholders ("format" paramstyle); pg8000
rewrites them into PostgreSQL's ``$1, $2, ...`` by scanning the statement character by
character in Python, on every execute. For the booking path's statements that scan cost more
CPU than anything else pg8000 does (profiled: ~0.1-0.3 ms per statement, a third of a booking's
driver time). In the "format" style the rewritten text depends on the statement text alone
(the values pass through unchanged), so the rewrite is cached per text, bounded; other styles
and statements the scanner refuses go to pg8000's own function as before.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

CACHED_STATEMENTS = 2048

_installed = False


def install_placeholder_cache() -> None:
    """Replace ``pg8000.legacy.convert_paramstyle`` (what its DB-API cursor calls) by the cached one. Idempotent."""
    global _installed
    if _installed:
        return
    import pg8000.legacy

    pg8000.legacy.convert_paramstyle = cached_converter(pg8000.legacy.convert_paramstyle)
    _installed = True


def cached_converter(
    original: Callable[[str, str, Any], tuple[str, Any]],
) -> Callable[[str, str, Any], tuple[str, Any]]:
    """``original`` with its "format"-style rewrites remembered per statement text."""

    @lru_cache(maxsize=CACHED_STATEMENTS)
    def rewritten(query: str) -> str:
        return original("format", query, ())[0]

    def convert(style: str, query: str, args: Any) -> tuple[str, Any]:
        if style == "format":
            return rewritten(query), args
        return original(style, query, args)

    convert.cache_info = rewritten.cache_info  # type: ignore[attr-defined]
    return convert
