"""Where the seconds go between a reservation and the last channel's update (issue 17 item 2).

Reads the stack's trace lines (``chalicelib.observability.trace``: Powertools JSON with
``"message": "trace"``) and, for each reservation the latency bench made, follows it:

created (bench) → webhook received → sync job queued → the pull that brought it started → that
pull answered → booking stored and its ARI rows relayed → the last other OTA's push picked up by
the push worker → OTA call started → OTA call answered → seen on the simulator (bench reader).

The hops of one reservation add up to its total. A pull that brought a reservation may have
started before its webhook was queued (a scheduled pull, or a rerun already under way): that hop
is then negative. Used by ``bench/sync_latency.py latency``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

HOPS = (
    ("created → webhook received", "OTA: the simulator's notification"),
    ("webhook received → job queued", "our receiver"),
    ("job queued → pull started", "sync-jobs queue, poller, lease, earlier pulls"),
    ("created → pull started", "polling: waiting for the connection's pull"),
    ("pull started → pull answered", "OTA: the pull"),
    ("pull answered → stored + relayed", "ingest (this and earlier reservations of the pull) + ARI relay"),
    ("relayed → last push picked up", "ari-push queue, poller, that connection's earlier pushes"),
    ("picked up → OTA call started", "push worker: lease, reads"),
    ("OTA call started → answered", "OTA: the push"),
    ("answered → seen by the bench", "bench readers (one per simulator, every 0.1 s)"),
)
INFORMATIONAL = (("job queued → job received", "sync-jobs queue and poller only"),)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} (cpus {os.cpu_count()})"


def trace_lines(lines: Iterable[str]) -> list[dict[str, Any]]:
    found = []
    for line in lines:
        start = line.find("{")
        if start < 0 or '"trace_stage"' not in line:
            continue
        try:
            record = json.loads(line[start:])
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("message") == "trace":
            found.append(record)
    return sorted(found, key=lambda record: float(record.get("trace_at", 0)))


def _overlaps(ranges: list[list[int]], others: list[list[int]]) -> bool:
    return any(a <= d and c <= b for a, b in ranges for c, d in others)


@dataclass
class Trace:
    """The trace lines, indexed for following one reservation."""

    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)
    jobs: dict[str, float] = field(default_factory=dict)
    pulls: dict[str, dict[str, Any]] = field(default_factory=dict)
    relays: dict[str, dict[str, Any]] = field(default_factory=dict)
    pushes: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def parse(cls, lines: Iterable[str]) -> Trace:
        found = cls()
        for record in trace_lines(lines):
            stage = record.get("trace_stage")
            if stage == "webhook.enqueued":
                for reservation_id in record.get("reservation_ids") or []:
                    found.webhooks.setdefault(str(reservation_id), record)
            elif stage == "sync.job.received" and record.get("trace_id"):
                found.jobs.setdefault(str(record["trace_id"]), float(record["trace_at"]))
            elif stage == "sync.pull.answered":
                for reservation_id in record.get("reservation_ids") or []:
                    found.pulls.setdefault(str(reservation_id), record)
            elif stage == "ari.relay.sent" and record.get("ota_reservation_id"):
                found.relays.setdefault(str(record["ota_reservation_id"]), record)
            elif stage == "ari.push.done" and record.get("status") == "ok" and record.get("ota_finished_at"):
                found.pushes.append(record)
        return found

    def last_push(self, relay: dict[str, Any], otas: Iterable[str]) -> dict[str, Any] | None:
        """The push that brought the relayed rows to the last of ``otas`` (None if one never got them)."""
        ranges = relay.get("ranges") or []
        firsts = []
        for ota in otas:
            push = next(
                (
                    p
                    for p in self.pushes
                    if p.get("ota") == ota
                    and float(p["trace_at"]) >= float(relay["trace_at"])
                    and _overlaps(ranges, p.get("ranges") or [])
                ),
                None,
            )
            if push is None:
                return None
            firsts.append(push)
        return max(firsts, key=lambda push: float(push["ota_finished_at"]))

    def hops(self, reservation_id: str, created: float, seen: float, others: Iterable[str]) -> dict[str, float]:
        """The reservation's hops (seconds); the stages missing from the log are left out."""
        pull = self.pulls.get(reservation_id)
        relay = self.relays.get(reservation_id)
        if pull is None or relay is None:
            return {}
        push = self.last_push(relay, others)
        if push is None:
            return {}
        webhook = self.webhooks.get(reservation_id)
        pull_started = float(pull["pull_started_at"])
        hops: dict[str, float] = {}
        if webhook is not None:
            received, queued = float(webhook["received_at"]), float(webhook["trace_at"])
            hops["created → webhook received"] = received - created
            hops["webhook received → job queued"] = queued - received
            hops["job queued → pull started"] = pull_started - queued
            job = self.jobs.get(str(webhook.get("trace_id")))
            if job is not None:
                hops["job queued → job received"] = job - queued
        else:
            hops["created → pull started"] = pull_started - created
        hops["pull started → pull answered"] = float(pull["trace_at"]) - pull_started
        hops["pull answered → stored + relayed"] = float(relay["trace_at"]) - float(pull["trace_at"])
        hops["relayed → last push picked up"] = float(push["received_at"]) - float(relay["trace_at"])
        hops["picked up → OTA call started"] = float(push["ota_started_at"]) - float(push["received_at"])
        hops["OTA call started → answered"] = float(push["ota_finished_at"]) - float(push["ota_started_at"])
        hops["answered → seen by the bench"] = seen - float(push["ota_finished_at"])
        return hops


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def print_breakdown(mode: str, per_reservation: list[dict[str, float]], total: int) -> None:
    traced = [hops for hops in per_reservation if hops]
    followed = f"{len(traced)} of {total} reservations followed end to end"
    print(f"{mode:8s} breakdown from the stack's trace lines: {followed}")
    if not traced:
        return
    print(f"         {'hop':36s} {'n':>4s} {'p50 s':>7s} {'p95 s':>7s} {'max s':>7s}  what")
    for name, what in (*HOPS, *INFORMATIONAL):
        values = [hops[name] for hops in traced if name in hops]
        if not values:
            continue
        print(
            f"         {name:36s} {len(values):4d} {_percentile(values, 0.5):7.3f} {_percentile(values, 0.95):7.3f} "
            f"{max(values):7.3f}  {what}"
        )
    sums = [sum(value for key, value in hops.items() if key not in dict(INFORMATIONAL)) for hops in traced]
    print(
        f"         {'total (sum of the hops)':36s} {len(sums):4d} {_percentile(sums, 0.5):7.3f} "
        f"{_percentile(sums, 0.95):7.3f} {max(sums):7.3f}"
    )
