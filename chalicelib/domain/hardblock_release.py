"""When a hardblock's rooms not picked up go back to the pool, and what bulk release / extend ask for.

Auto-release works in the property's local dates (the caller turns its UTC instant into the
property's ``today``). A block releases at its cut-off: from ``cut_off_date`` on, every room of
every night not picked up goes back (a whole RELEASE amendment; the block ends ``released``). A
*rolling* block (``release_days_before`` = N) releases night by night instead: the rooms of a
night not picked up go back N days before that night (N = 0: on the night itself), and its
``cut_off_date`` plays no part in the release. Picked-up rooms are never released. Releasing what
was already released changes nothing, so running the release again is harmless.

A bulk request names several blocks (their ids) or every active block of an agency; it is all or
nothing, and a refusal names the block: :func:`for_block` rewrites one block's refusal so.
Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from chalicelib.domain.errors import DomainError, InvalidInput
from chalicelib.domain.hardblocks import Amendment, AmendmentKind, BlockRecord, BlockState, BlockStatus
from chalicelib.domain.inventory import InsufficientInventory, Shortage
from chalicelib.domain.nights import NightRange

MAX_RELEASE_DAYS_BEFORE = 365
MAX_BULK_BLOCKS = 500


def _invalid(field_name: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field_name}: {message}", details=[{"field": field_name, "message": message}])


def release_date(block: BlockRecord, night: date) -> date:
    """The property-local date from which ``night``'s rooms not picked up are released."""
    if block.release_days_before is None:
        return block.cut_off_date
    return night - timedelta(days=block.release_days_before)


def due_release(block: BlockRecord, today: date) -> Amendment | None:
    """The RELEASE amendment due on the property's ``today`` (None: nothing to give back yet)."""
    if block.status is not BlockStatus.ACTIVE:
        return None
    due = sorted(
        {row.night for row in block.nights if row.rooms > row.picked_up and release_date(block, row.night) <= today}
    )
    if not due:
        return None
    if block.release_days_before is None:
        return Amendment(AmendmentKind.RELEASE)
    return Amendment(AmendmentKind.RELEASE, NightRange.through(due[0], due[-1]))


def check_release_days_before(days: int | None, field_name: str = "body.release_days_before") -> None:
    if days is not None and not 0 <= days <= MAX_RELEASE_DAYS_BEFORE:
        raise _invalid(field_name, f"give 0 to {MAX_RELEASE_DAYS_BEFORE} days, or null to release at the cut-off")


def check_cut_off(cut_off_date: date, after: BlockState, today: date, field_name: str = "body.cut_off_date") -> None:
    """A cut-off moved by a change: from the property's ``today`` to the block's first night."""
    if cut_off_date < today:
        raise _invalid(field_name, f"must be today ({today}) or later")
    first_night = min((night for _, night in after.nights), default=None)
    if first_night is not None and cut_off_date > first_night:
        raise _invalid(field_name, f"must be on or before the first night ({first_night})")


@dataclass(frozen=True)
class BlockSelection:
    """The blocks of a bulk request: ``block_ids`` (in that order), or every active block of ``agency_id``."""

    block_ids: tuple[int, ...] | None = None
    agency_id: int | None = None

    def __post_init__(self) -> None:
        if (self.block_ids is None) == (self.agency_id is None):
            raise _invalid("body.block_ids", "give block_ids or agency_id (one of them)")
        if self.block_ids is not None:
            if not self.block_ids:
                raise _invalid("body.block_ids", "give at least one block")
            if len(set(self.block_ids)) != len(self.block_ids):
                raise _invalid("body.block_ids", "a block is named twice")

    def field_of(self, block_id: int) -> str:
        """The request field that chose ``block_id``."""
        if self.block_ids is None:
            return "body.agency_id"
        return f"body.block_ids.{self.block_ids.index(block_id)}"

    def missing(self, found: set[int]) -> None:
        """Refuse block ids not found (absent or outside the caller's scope), or an agency without blocks."""
        if self.block_ids is None:
            if not found:
                raise _invalid("body.agency_id", "the agency has no active block")
            if len(found) > MAX_BULK_BLOCKS:
                raise _invalid("body.agency_id", f"the agency has more than {MAX_BULK_BLOCKS} active blocks")
            return
        absent = [block_id for block_id in self.block_ids if block_id not in found]
        if absent:
            raise _invalid(self.field_of(absent[0]), f"no such blocks: {absent}")


@dataclass(frozen=True)
class Extension:
    """Bulk extend: move the cut-off to ``cut_off_date`` and/or add (or set) nights with ``overlay``."""

    cut_off_date: date | None = None
    overlay: Amendment | None = None

    def __post_init__(self) -> None:
        if self.cut_off_date is None and self.overlay is None:
            raise _invalid("body.cut_off_date", "give cut_off_date, nights (date_from, date_to) or both")


class BlockShortage(InsufficientInventory):
    """A bulk change one block of which would withhold rooms some nights lack (→ 409 naming block and cells)."""

    def __init__(self, block_id: int, shortages: tuple[Shortage, ...]) -> None:
        super().__init__(shortages)
        self.block_id = block_id
        self.message = f"block {block_id}: {self.message}"
        self.details = [{**detail, "block_id": block_id} for detail in self.details]
        self.args = (self.message,)


def for_block(error: DomainError, block_id: int, field_name: str) -> DomainError:
    """``error`` (one block's refusal in a bulk request) naming the block; a field of the block
    itself (``status``) becomes the request field that chose it."""
    if isinstance(error, InsufficientInventory):
        return BlockShortage(block_id, error.shortages)
    details = [
        {
            **detail,
            "block_id": block_id,
            "field": detail.get("field") if str(detail.get("field", "")).startswith("body.") else field_name,
        }
        for detail in error.details or [{"message": error.message}]
    ]
    return type(error)(f"block {block_id}: {error.message}", details=details)
