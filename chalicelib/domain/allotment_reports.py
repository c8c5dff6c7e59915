"""Reports over resolved allotment nights (pure): the pick-up per contract and room type, and what
releases soon.

* :func:`pick_up_report` — per (contract, room type) over the nights given: contracted, picked up,
  released unsold, still outstanding, and the pick-up percentage (picked up / contracted).
* :func:`releasing_soon` — the nights whose first release step applies between ``today`` and
  ``today + days`` (local dates) and that still withhold rooms: what the OTAs are about to get back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from chalicelib.domain.allotments import AllotmentNight


@dataclass(frozen=True)
class PickUpFigures:
    """Rooms contracted over some nights, and what became of them."""

    contracted: int
    picked_up: int
    released: int
    remaining: int
    pick_up_percent: Decimal


@dataclass(frozen=True)
class PickUpRow(PickUpFigures):
    """The figures of one contract's room type."""

    contract_id: int
    room_type_id: int
    nights: int


@dataclass(frozen=True)
class PickUpTotal(PickUpFigures):
    """The sum of pick-up rows (an agency's contracts)."""

    contracts: int


@dataclass(frozen=True)
class ReleasingNight:
    contract_id: int
    room_type_id: int
    night: date
    release_date: date
    remaining: int


def pick_up_report(nights: Iterable[AllotmentNight]) -> tuple[PickUpRow, ...]:
    """Sums per (contract, room type), sorted; the percentage to one decimal (0 when nothing was contracted)."""
    sums: dict[tuple[int, int], list[int]] = {}
    for night in nights:
        row = sums.setdefault((night.contract_id, night.room_type_id), [0, 0, 0, 0, 0])
        for index, value in enumerate((1, night.contracted, night.picked_up, night.released, night.outstanding)):
            row[index] += value
    return tuple(
        PickUpRow(
            contracted=contracted,
            picked_up=picked,
            released=released,
            remaining=remaining,
            pick_up_percent=_percent(picked, contracted),
            contract_id=contract_id,
            room_type_id=room_type_id,
            nights=count,
        )
        for (contract_id, room_type_id), (count, contracted, picked, released, remaining) in sorted(sums.items())
    )


def pick_up_total(rows: Iterable[PickUpRow]) -> PickUpTotal:
    """Adds the rows up; the percentage is of the sums (a big contract weighs more than a small one)."""
    rows = tuple(rows)
    contracted, picked, released, remaining = (
        sum(getattr(row, name) for row in rows) for name in ("contracted", "picked_up", "released", "remaining")
    )
    contracts = len({row.contract_id for row in rows})
    return PickUpTotal(contracted, picked, released, remaining, _percent(picked, contracted), contracts=contracts)


def _percent(part: int, whole: int) -> Decimal:
    if whole == 0:
        return Decimal("0.0")
    return (Decimal(100 * part) / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def releasing_soon(nights: Iterable[AllotmentNight], today: date, days: int) -> tuple[ReleasingNight, ...]:
    """Nights still withholding rooms whose release date is from ``today`` to ``today + days``, soonest first."""
    last = today + timedelta(days=days)
    return tuple(
        sorted(
            (
                ReleasingNight(n.contract_id, n.room_type_id, n.night, n.release_date, n.outstanding)
                for n in nights
                if n.release_date is not None and today <= n.release_date <= last and n.outstanding > 0
            ),
            key=lambda r: (r.release_date, r.contract_id, r.room_type_id, r.night),
        )
    )
