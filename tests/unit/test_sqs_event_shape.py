from __future__ import annotations

import pytest

from local.event_runner import EventRunner, sqs_event

RECEIVED = [
    {
        "MessageId": "m-1",
        "ReceiptHandle": "rh-1",
        "Body": '{"a": 1}',
        "MD5OfBody": "x",
        "Attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1"},
        "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "heartbeat"}},
    },
    {"MessageId": "m-2", "ReceiptHandle": "rh-2", "Body": "{}", "Attributes": {"ApproximateReceiveCount": "1"}},
]


def test_records_have_lambda_shape_and_distinct_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "ap-southeast-1")
    from chalicelib.config import reset_settings

    reset_settings()
    event = sqs_event(RECEIVED, "arn:aws:sqs:ap-southeast-1:123456789012:q")
    first, second = event["Records"]
    assert [first["messageId"], second["messageId"]] == ["m-1", "m-2"]
    assert first["eventSource"] == "aws:sqs"
    assert first["eventSourceARN"].endswith(":q")
    assert first["attributes"]["ApproximateReceiveCount"] == "2"
    assert first["messageAttributes"]["kind"] == {
        "stringValue": "heartbeat",
        "binaryValue": None,
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    reset_settings()


@pytest.mark.parametrize(
    ("result", "failed"),
    [
        (None, []),
        ({"batchItemFailures": []}, []),
        ({"batchItemFailures": [{"itemIdentifier": "m-2"}]}, ["m-2"]),
        # As in AWS: an identifier that is not in the batch, or a malformed answer, fails the batch.
        ({"batchItemFailures": [{"itemIdentifier": "nope"}]}, ["m-1", "m-2"]),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, ["m-1", "m-2"]),
        ("garbage", ["m-1", "m-2"]),
    ],
)
def test_partial_batch_response_semantics(result: object, failed: list[str]) -> None:
    assert EventRunner._failed_ids(result, ["m-1", "m-2"]) == failed
