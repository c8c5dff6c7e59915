"""The deployable template: what `make package` builds is what AWS needs.

Reads build/package/sam.json when `make package` just wrote it (make test does), otherwise
packages into a temporary folder first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from chalice.app import SQSEventConfig

from app import app
from chalicelib.aws.resources import ALERTS_TOPIC_NAME, OTA_CREDENTIALS_KEY_ALIAS, QUEUES
from infra.template import cfn_function_name, logical_id

PROJECT_DIR = Path(__file__).resolve().parents[2]
SOURCES = ["app.py", "infra/template.py", "chalicelib/aws/resources.py", ".chalice/config.json"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    built = PROJECT_DIR / "build/package/sam.json"
    newest_source = max((PROJECT_DIR / s).stat().st_mtime for s in SOURCES)
    if built.exists() and built.stat().st_mtime >= newest_source:
        return json.loads(built.read_text())  # type: ignore[no-any-return]
    out = tmp_path_factory.mktemp("package")
    env = {**os.environ, "AWS_DEFAULT_REGION": "ap-southeast-1"}
    subprocess.run(
        [sys.executable, "-m", "infra.template", str(out / "merge.json")], cwd=PROJECT_DIR, check=True, env=env
    )
    chalice = Path(sys.executable).with_name("chalice")
    subprocess.run(
        [
            str(chalice),
            "package",
            "--stage",
            "dev",
            "--pkg-format",
            "cloudformation",
            "--merge-template",
            str(out / "merge.json"),
            str(out / "pkg"),
        ],
        cwd=PROJECT_DIR,
        check=True,
        env=env,
        capture_output=True,
    )
    return json.loads((out / "pkg/sam.json").read_text())  # type: ignore[no-any-return]


def test_every_sqs_event_source_reports_batch_item_failures(template: dict[str, Any]) -> None:
    sqs_sources = [s for s in app.event_sources if isinstance(s, SQSEventConfig)]
    assert sqs_sources, "the app declares SQS handlers"
    for source in sqs_sources:
        function = template["Resources"][cfn_function_name(source.name)]
        events = [e for e in function["Properties"]["Events"].values() if e["Type"] == "SQS"]
        assert len(events) == 1
        assert events[0]["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"], source.name
        assert function["DependsOn"] == [logical_id(source.queue or "")]


def test_queues_have_dead_letter_queues_with_the_declared_redrive(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    for spec in QUEUES:
        queue = resources[logical_id(spec.name)]["Properties"]
        assert queue["QueueName"] == spec.name
        assert queue["VisibilityTimeout"] == spec.visibility_timeout_seconds
        assert queue["RedrivePolicy"]["maxReceiveCount"] == spec.max_receive_count
        dlq_id = queue["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        assert resources[dlq_id]["Properties"]["QueueName"] == spec.dlq_name
        assert queue.get("FifoQueue", False) == spec.fifo
        assert resources[dlq_id]["Properties"].get("FifoQueue", False) == spec.fifo


def test_alerts_topic_kms_key_and_policy_files(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    assert resources["AlertsTopic"]["Properties"]["TopicName"] == ALERTS_TOPIC_NAME
    assert resources["OtaCredentialsKey"]["Properties"]["EnableKeyRotation"] is True
    assert resources["OtaCredentialsKeyAlias"]["Properties"]["AliasName"] == OTA_CREDENTIALS_KEY_ALIAS
    config = json.loads((PROJECT_DIR / ".chalice/config.json").read_text())
    assert config["autogen_policy"] is False
    for stage in ("dev", "prod"):
        assert (PROJECT_DIR / ".chalice" / config["stages"][stage]["iam_policy_file"]).exists()


def test_every_function_gets_the_database_secret(template: dict[str, Any]) -> None:
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["DATABASE_SECRET_ARN"] == {"Ref": "DatabaseSecretArn"}
    assert variables["ALERTS_TOPIC_ARN"] == {"Ref": "AlertsTopic"}


def test_every_dead_letter_queue_has_a_depth_alarm_on_the_alerts_topic(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    alarms = [r["Properties"] for r in resources.values() if r.get("Type") == "AWS::CloudWatch::Alarm"]
    for spec in QUEUES:
        dlq_id = logical_id(spec.name, "DeadLetterQueue")
        mine = [
            a
            for a in alarms
            if a["Namespace"] == "AWS/SQS"
            and a["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_id, "QueueName"]}}]
        ]
        assert len(mine) == 1, spec.dlq_name
        alarm = mine[0]
        assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
        assert alarm["AlarmActions"] == [{"Ref": "AlertsTopic"}]
