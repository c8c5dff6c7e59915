"""Pure rules of the ARI push: relay id ranges, the own-booking rule, OTA updates, FIFO batches."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from chalicelib.domain.ari_changes import AriCellKey, AriChange, InventoryValues, RateValues, coalesce
from chalicelib.domain.ari_push import PendingChange, chunk_ranges, id_ranges, ota_updates, split_own_changes
from chalicelib.domain.ota_mappings import MappingIndex
from chalicelib.services.ari_relay import AriPushMessage
from local.event_runner import fifo_blocked

NIGHT = date(2027, 3, 1)


def availability(value: int) -> InventoryValues:
    return InventoryValues(value, False, False, False, 1, 1, None)


def change(
    version: int, value: int, night: date = NIGHT, changed: frozenset[str] = frozenset({"availability"})
) -> AriChange:
    return AriChange(1, None, night, version, availability(value), changed)


def test_id_ranges_merge_consecutive_ids_and_chunk() -> None:
    assert id_ranges([7, 1, 3, 2, 3]) == [(1, 3), (7, 7)]
    assert id_ranges([]) == []
    assert chunk_ranges([(1, 1), (3, 3), (5, 5)], size=2) == [[(1, 1), (3, 3)], [(5, 5)]]


def test_expedia_own_availability_changes_are_already_applied_not_sent() -> None:
    pending = [PendingChange(change(5, 4), "expedia"), PendingChange(change(6, 3), "expedia")]
    split = split_own_changes(pending, {}, "expedia")
    assert split.to_send == [] and split.already_applied == {AriCellKey(1, None, NIGHT): 6}


def test_a_foreign_change_pending_on_the_cell_sends_the_newest_absolute_value() -> None:
    # Agoda's decrement (v5) not yet pushed, then Expedia's own (v6): Expedia must get 3, which
    # counts its own booking once (as it does) and Agoda's too.
    pending = [PendingChange(change(5, 4), "agoda"), PendingChange(change(6, 3), "expedia")]
    split = split_own_changes(pending, {}, "expedia")
    assert split.already_applied == {}
    [sent] = coalesce(split.to_send)
    assert sent.values == availability(3) and sent.versions == (6,)


def test_the_rule_is_only_for_the_ota_that_applies_its_own_bookings() -> None:
    pending = [PendingChange(change(5, 4), "expedia")]
    assert split_own_changes(pending, {}, "agoda").to_send == [change(5, 4)]
    # Agoda's own bookings are still sent to Agoda (it does not decrement itself)
    assert split_own_changes([PendingChange(change(5, 4), "agoda")], {}, "agoda").to_send == [change(5, 4)]


def test_own_change_of_more_than_availability_is_sent_and_acknowledged_versions_are_dropped() -> None:
    restricted = change(5, 4, changed=frozenset({"availability", "stop_sell"}))
    assert split_own_changes([PendingChange(restricted, "expedia")], {}, "expedia").to_send == [restricted]
    key = AriCellKey(1, None, NIGHT)
    split = split_own_changes([PendingChange(change(5, 4), "agoda")], {key: 5}, "expedia")
    assert split.to_send == [] and split.already_applied == {}


def test_ota_updates_map_ids_and_skip_unmapped_cells() -> None:
    index = MappingIndex(
        connection_id=1, room_types_by_ota_room={"DLX": 1}, rate_plans_by_ota_rate={("DLX", "BAR"): (1, 10)}
    )
    ranges = coalesce(
        [
            change(2, 4),
            change(3, 4, night=date(2027, 3, 2)),
            AriChange(2, None, NIGHT, 1, availability(1), frozenset({"availability"})),  # room type 2 unmapped
            AriChange(1, 10, NIGHT, 4, RateValues(Decimal("120.00")), frozenset({"rate"})),
        ]
    )
    built = ota_updates(ranges, index, {10: "USD"})
    assert built.unmapped_cells == 1
    [rooms, rate] = built.updates
    assert (rooms.ota_room_id, rooms.start, rooms.end, rooms.availability, rooms.version) == (
        "DLX",
        NIGHT,
        date(2027, 3, 2),
        4,
        3,
    )
    assert (rate.ota_rate_plan_id, rate.rate, rate.currency) == ("BAR", Decimal("120.00"), "USD")
    assert len(built.sent) == 2


def test_push_messages_group_by_connection_and_deduplicate_by_content() -> None:
    a = AriPushMessage(connection_id=3, property_id=1, ranges=[(1, 5)])
    assert a.group_id() == "conn-3"
    assert a.deduplication_id() == AriPushMessage(connection_id=3, property_id=1, ranges=[(1, 5)]).deduplication_id()
    assert a.deduplication_id() != AriPushMessage(connection_id=3, property_id=1, ranges=[(1, 6)]).deduplication_id()
    assert len(a.deduplication_id()) <= 128


def sqs_message(message_id: str, group: str, sequence: int) -> dict[str, object]:
    return {"MessageId": message_id, "Attributes": {"MessageGroupId": group, "SequenceNumber": str(sequence)}}


def test_a_failure_in_a_fifo_batch_blocks_the_rest_of_its_group_only() -> None:
    batch = [sqs_message("a1", "A", 1), sqs_message("a2", "A", 2), sqs_message("b1", "B", 3), sqs_message("a3", "A", 4)]
    # a2 failed: a3 must stay on the queue too, even though the handler processed it; B goes on
    assert fifo_blocked(batch, ["a2"]) == ["a2", "a3"]  # type: ignore[arg-type]
    assert fifo_blocked(batch, ["b1"]) == ["b1"]  # type: ignore[arg-type]
    assert fifo_blocked(batch, []) == []  # type: ignore[arg-type]


def _record(message_id: str, **message: object) -> dict[str, object]:
    from chalicelib.services.ari_relay import AriPushMessage

    return {"messageId": message_id, "body": AriPushMessage.model_validate(message).model_dump_json()}


def test_a_batch_merges_consecutive_change_messages_of_a_connection_into_the_first() -> None:
    from chalicelib.services.ari_push_service import merge_batch

    merged = merge_batch(
        [
            _record("a1", connection_id=1, property_id=7, ranges=[(1, 3)]),
            _record("b1", connection_id=2, property_id=7, ranges=[(1, 3)]),
            _record("a2", connection_id=1, property_id=7, ranges=[(4, 4)]),
            _record("a3", connection_id=1, property_id=7, ranges=[(9, 12)]),
            _record("b2", connection_id=2, property_id=7, kind="full_push", local_date="2026-11-21"),
            _record("b3", connection_id=2, property_id=7, ranges=[(13, 13)]),
            {"messageId": "junk", "body": "{not json"},
        ]
    )
    head = merged["a1"]
    assert head is not None and head.ranges == [(1, 3), (4, 4), (9, 12)]
    assert merged["a2"] is None and merged["a3"] is None
    # Connection 2: a full push ends the run; what follows it starts a new one; lone messages stay as they are.
    assert "b1" not in merged and "b2" not in merged and "b3" not in merged and "junk" not in merged
