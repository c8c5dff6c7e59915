"""Mappings between our room types / rate plans and an OTA's rooms / rate plans, per connection.

Two things live here, both pure:

- :class:`MappingIndex`, the lookup the sync engine uses both ways: an OTA reservation's room and
  rate plan → our room type and rate plan; our ARI change → the OTA's room and rate plan.
- :func:`propose_mappings`, which turns what the OTA reports (discovery) into proposed mappings
  for staff to accept or reject: an OTA room matches a room type by code (our code equals the
  OTA's id), else by name, else by a similar name; a rate plan likewise within its room's type.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from chalicelib.domain.ota_results import DiscoveredHotel, DiscoveredRoom


class ProposalKind(StrEnum):
    ROOM_TYPE = "room_type"
    RATE_PLAN = "rate_plan"


class ProposalStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class MatchReason(StrEnum):
    CODE = "code"  # our code equals the OTA's id
    NAME = "name"  # same name once case, spaces and punctuation are ignored
    SIMILAR_NAME = "similar_name"  # at least half the words in common


PROPOSAL_KINDS = tuple(kind.value for kind in ProposalKind)
PROPOSAL_STATUSES = tuple(status.value for status in ProposalStatus)


# --- the sync engine's lookup ---------------------------------------------------------------------


@dataclass(frozen=True)
class MappingIndex:
    """Every mapping of one connection, for lookups in both directions."""

    connection_id: int
    room_types_by_ota_room: Mapping[str, int] = field(default_factory=dict)
    # (OTA room id, OTA rate plan id) -> (room type id, rate plan id)
    rate_plans_by_ota_rate: Mapping[tuple[str, str], tuple[int, int]] = field(default_factory=dict)

    def room_type_for(self, ota_room_id: str) -> int | None:
        """Our room type for the OTA's room (None: not mapped)."""
        return self.room_types_by_ota_room.get(ota_room_id)

    def rate_plan_for(self, ota_room_id: str, ota_rate_plan_id: str) -> int | None:
        """Our rate plan for the OTA's (room, rate plan) pair (None: not mapped)."""
        found = self.rate_plans_by_ota_rate.get((ota_room_id, ota_rate_plan_id))
        return found[1] if found else None

    def ota_room_for(self, room_type_id: int) -> str | None:
        """The OTA's room id for our room type (None: not mapped on this connection)."""
        for ota_room_id, mapped in self.room_types_by_ota_room.items():
            if mapped == room_type_id:
                return ota_room_id
        return None

    def ota_rate_for(self, rate_plan_id: int) -> tuple[str, str] | None:
        """The OTA's (room id, rate plan id) for our rate plan (None: not mapped)."""
        for ota_pair, (_, mapped) in self.rate_plans_by_ota_rate.items():
            if mapped == rate_plan_id:
                return ota_pair
        return None

    @property
    def empty(self) -> bool:
        return not self.room_types_by_ota_room


# --- proposals from discovery ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalRoomType:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class LocalRatePlan:
    id: int
    room_type_id: int
    code: str
    name: str


@dataclass(frozen=True)
class ExistingMappings:
    """What a connection already maps (those OTA items and our records are not proposed again)."""

    room_types_by_ota_room: Mapping[str, int] = field(default_factory=dict)
    rate_plans_by_ota_rate: Mapping[tuple[str, str], int] = field(default_factory=dict)


@dataclass(frozen=True)
class ProposedMapping:
    kind: ProposalKind
    ota_room_id: str
    ota_room_name: str
    ota_rate_plan_id: str | None = None
    ota_rate_plan_name: str | None = None
    room_type_id: int | None = None  # our suggested room type (rate plans: the mapped/suggested room's)
    rate_plan_id: int | None = None
    match_reason: MatchReason | None = None


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def _normalise(text: str) -> str:
    return _NOT_ALNUM.sub(" ", text.lower()).strip()


def _words(text: str) -> frozenset[str]:
    return frozenset(_normalise(text).split())


def _match(ota_id: str, ota_name: str, code: str, name: str) -> tuple[int, float, MatchReason] | None:
    """How well an OTA item matches one of ours: (rank, similarity, reason), or None."""
    if _normalise(ota_id) and _normalise(ota_id) == _normalise(code):
        return 3, 1.0, MatchReason.CODE
    if _normalise(ota_name) and _normalise(ota_name) == _normalise(name):
        return 2, 1.0, MatchReason.NAME
    ours, theirs = _words(name), _words(ota_name)
    if ours and theirs:
        similarity = len(ours & theirs) / len(ours | theirs)
        if similarity >= 0.5:
            return 1, similarity, MatchReason.SIMILAR_NAME
    return None


def _assign(
    candidates: Iterable[tuple[str, str, str]], ours: Sequence[tuple[int, str, str]]
) -> dict[str, tuple[int, MatchReason]]:
    """Best one-to-one pairs of (OTA id, OTA name, key) items with our (id, code, name) records:
    strongest matches first, each side used once. Returns key → (our id, reason)."""
    scored: list[tuple[int, float, int, str, MatchReason]] = []
    for ota_id, ota_name, key in candidates:
        for our_id, code, name in ours:
            found = _match(ota_id, ota_name, code, name)
            if found is not None:
                rank, similarity, reason = found
                scored.append((rank, similarity, our_id, key, reason))
    # Deterministic: strongest first; on a tie, the lower id of ours, then the OTA key.
    scored.sort(key=lambda item: (-item[0], -item[1], item[2], item[3]))
    assigned: dict[str, tuple[int, MatchReason]] = {}
    taken: set[int] = set()
    for _, _, our_id, key, reason in scored:
        if key in assigned or our_id in taken:
            continue
        assigned[key] = (our_id, reason)
        taken.add(our_id)
    return assigned


def propose_mappings(
    hotel: DiscoveredHotel,
    room_types: Sequence[LocalRoomType],
    rate_plans: Sequence[LocalRatePlan],
    existing: ExistingMappings | None = None,
) -> list[ProposedMapping]:
    """Proposed mappings for every OTA room and rate plan of ``hotel`` the connection does not map
    yet, each with the best matching room type / rate plan of ours (or none), in OTA order."""
    existing = existing or ExistingMappings()
    mapped_room_types = set(existing.room_types_by_ota_room.values())
    mapped_rate_plans = set(existing.rate_plans_by_ota_rate.values())

    unmapped_rooms = [room for room in hotel.rooms if room.ota_room_id not in existing.room_types_by_ota_room]
    room_matches = _assign(
        ((room.ota_room_id, room.name, room.ota_room_id) for room in unmapped_rooms),
        [(rt.id, rt.code, rt.name) for rt in room_types if rt.id not in mapped_room_types],
    )

    proposals: list[ProposedMapping] = []
    for room in hotel.rooms:
        already = existing.room_types_by_ota_room.get(room.ota_room_id)
        room_type_id: int | None = already
        if already is None:
            match = room_matches.get(room.ota_room_id)
            room_type_id = match[0] if match else None
            proposals.append(
                ProposedMapping(
                    kind=ProposalKind.ROOM_TYPE,
                    ota_room_id=room.ota_room_id,
                    ota_room_name=room.name,
                    room_type_id=room_type_id,
                    match_reason=match[1] if match else None,
                )
            )
        proposals.extend(_rate_plan_proposals(room, room_type_id, rate_plans, existing, mapped_rate_plans))
    return proposals


def _rate_plan_proposals(
    room: DiscoveredRoom,
    room_type_id: int | None,
    rate_plans: Sequence[LocalRatePlan],
    existing: ExistingMappings,
    mapped_rate_plans: set[int],
) -> list[ProposedMapping]:
    """Proposals for the OTA room's unmapped rate plans, matched among the free rate plans of the
    room type the room maps (or is proposed) to; none matched when it has no room type."""
    unmapped_plans = [
        plan
        for plan in room.rate_plans
        if (room.ota_room_id, plan.ota_rate_plan_id) not in existing.rate_plans_by_ota_rate
    ]
    plan_matches = (
        _assign(
            ((plan.ota_rate_plan_id, plan.name, plan.ota_rate_plan_id) for plan in unmapped_plans),
            [
                (rp.id, rp.code, rp.name)
                for rp in rate_plans
                if rp.room_type_id == room_type_id and rp.id not in mapped_rate_plans
            ],
        )
        if room_type_id is not None
        else {}
    )
    proposals = []
    for plan in unmapped_plans:
        plan_match = plan_matches.get(plan.ota_rate_plan_id)
        proposals.append(
            ProposedMapping(
                kind=ProposalKind.RATE_PLAN,
                ota_room_id=room.ota_room_id,
                ota_room_name=room.name,
                ota_rate_plan_id=plan.ota_rate_plan_id,
                ota_rate_plan_name=plan.name,
                room_type_id=room_type_id,
                rate_plan_id=plan_match[0] if plan_match else None,
                match_reason=plan_match[1] if plan_match else None,
            )
        )
    return proposals
