"""The pure rules of the ARI push: relay message contents, the own-booking rule, OTA updates.

The relay hands the push queue *which outbox rows* changed (as id ranges, so a year of cells is a
few bytes); the worker reloads those rows' cells and every version of them the connection has not
acknowledged, and turns them into OTA updates here.

**Own-booking rule** (Expedia's own bookings do not decrement Expedia): an outbox row carries the
OTA whose own reservation caused it (``cause_ota``). For a connection to that OTA, a cell whose
*every* unacknowledged change was caused by that OTA's reservations and touched availability only
is already shown correctly by the OTA (it decremented, or restored, its own count): nothing is
sent for it and its version is recorded as acknowledged. As soon as any other change of that cell
is pending (a booking elsewhere, a staff edit), the cell's newest absolute value is sent; that value
already counts the OTA's own booking once, exactly as the OTA does, so nothing is decremented twice.
A nightly full resync sends the same absolute values, so both paths agree. The rule applies to
every OTA listed in :data:`SELF_DECREMENTING_OTAS` (Expedia).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from chalicelib.domain.ari import AriUpdate
from chalicelib.domain.ari_changes import AriCellKey, AriChange, AriRange, InventoryValues, RateValues
from chalicelib.domain.ota_mappings import MappingIndex
from chalicelib.domain.views import attributes_of

SELF_DECREMENTING_OTAS = frozenset({"expedia"})
MAX_RANGES_PER_MESSAGE = 2000  # ~30 bytes each: far under SQS's 256 KiB
# What an update tells a channel of a room type's nights (``min_stay_through`` has no place in it).
SENT_INVENTORY_FIELDS = ("availability", "stop_sell", "closed_to_arrival", "closed_to_departure", "min_los", "max_los")

IdRange = tuple[int, int]  # inclusive


def id_ranges(ids: Iterable[int]) -> list[IdRange]:
    """Sorted, merged inclusive ranges of ids: ``[1, 2, 3, 7]`` → ``[(1, 3), (7, 7)]``."""
    ranges: list[list[int]] = []
    for value in sorted(set(ids)):
        if ranges and value == ranges[-1][1] + 1:
            ranges[-1][1] = value
        else:
            ranges.append([value, value])
    return [(low, high) for low, high in ranges]


def chunk_ranges(ranges: Sequence[IdRange], size: int = MAX_RANGES_PER_MESSAGE) -> list[list[IdRange]]:
    return [list(ranges[start : start + size]) for start in range(0, len(ranges), size)]


@dataclass(frozen=True, slots=True)
class PendingChange:
    change: AriChange
    cause_ota: str | None = None


@dataclass
class OwnChangeSplit:
    to_send: list[AriChange] = field(default_factory=list)
    already_applied: dict[AriCellKey, int] = field(default_factory=dict)  # cell → version the OTA shows


def split_own_changes(
    pending: Iterable[PendingChange], acknowledged: Mapping[AriCellKey, int], ota: str
) -> OwnChangeSplit:
    """Apply the own-booking rule (module docstring) for a connection to ``ota``."""
    by_cell: dict[AriCellKey, list[PendingChange]] = {}
    for item in pending:
        if item.change.version > acknowledged.get(item.change.key, 0):
            by_cell.setdefault(item.change.key, []).append(item)
    split = OwnChangeSplit()
    for key, items in by_cell.items():
        own = ota in SELF_DECREMENTING_OTAS and all(
            item.cause_ota == ota and item.change.changed <= {"availability"} for item in items
        )
        if own:
            split.already_applied[key] = max(item.change.version for item in items)
        else:
            split.to_send.extend(item.change for item in items)
    return split


@dataclass
class OtaUpdates:
    updates: list[AriUpdate] = field(default_factory=list)
    sent: list[AriRange] = field(default_factory=list)  # what the updates carry, for acknowledging
    unmapped_cells: int = 0


def ota_updates(ranges: Iterable[AriRange], index: MappingIndex, currencies: Mapping[int, str]) -> OtaUpdates:
    """The adapter's updates for coalesced ranges; cells of unmapped room types / plans are skipped."""
    result = OtaUpdates()
    for item in ranges:
        last = item.nights.check_out - timedelta(days=1)
        version = max(item.versions)
        values = item.values
        if item.rate_plan_id is None:
            ota_room = index.ota_room_for(item.room_type_id)
            if ota_room is None or not isinstance(values, InventoryValues):
                result.unmapped_cells += len(item.versions)
                continue
            result.updates.append(
                AriUpdate(
                    ota_room_id=ota_room,
                    start=item.nights.check_in,
                    end=last,
                    version=version,
                    **attributes_of(values, SENT_INVENTORY_FIELDS),
                )
            )
        else:
            pair = index.ota_rate_for(item.rate_plan_id)
            currency = currencies.get(item.rate_plan_id)
            if pair is None or currency is None or not isinstance(values, RateValues):
                result.unmapped_cells += len(item.versions)
                continue
            result.updates.append(
                AriUpdate(
                    ota_room_id=pair[0],
                    ota_rate_plan_id=pair[1],
                    start=item.nights.check_in,
                    end=last,
                    rate=values.rate,
                    currency=currency,
                    version=version,
                )
            )
        result.sent.append(item)
    return result
