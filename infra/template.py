"""The CloudFormation pieces Chalice cannot express, merged into its SAM template.

``make package`` runs ``python -m infra.template build/infra/merge.json`` and then
``chalice package --merge-template build/infra/merge.json``. The merge template is generated
from the same list the app and the local bootstrap use (chalicelib.aws.resources) and from the
app's own event sources, so the two cannot drift:

* every queue with its dead-letter queue and redrive policy (FIFO where the spec says so);
* on every ``@app.on_sqs_message`` event source: ``FunctionResponseTypes:
  [ReportBatchItemFailures]`` (Chalice does not emit it; without it a partial batch failure
  would redeliver the records that succeeded) and a ``DependsOn`` on its queue;
* a CloudWatch alarm on each dead-letter queue's depth (> 0) → the ``alerts`` topic;
* the SNS ``alerts`` topic, the KMS key (with rotation) behind its alias for OTA credentials,
  the JWT signing-key secret;
* ``Globals`` that hand every function the database secret ARN (a parameter until the Aurora
  cluster itself is added here) and the alerts topic's ARN.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from chalice.app import Chalice, SQSEventConfig

from chalicelib.aws.resources import (
    ALERTS_TOPIC_NAME,
    JWT_SIGNING_KEYS_SECRET_NAME,
    NAME_PREFIX,
    OTA_CREDENTIALS_KEY_ALIAS,
    QUEUES,
    QueueSpec,
)
from infra.dashboard import dashboard_resources


def logical_id(queue_name: str, suffix: str = "Queue") -> str:
    """ptx-cm-ari-push.fifo → AriPushQueue."""
    stem = queue_name.removeprefix(f"{NAME_PREFIX}-").removesuffix(".fifo")
    return "".join(part.capitalize() for part in stem.split("-")) + suffix


def cfn_function_name(handler_name: str) -> str:
    """Chalice's CloudFormation name for a function: heartbeat_worker → HeartbeatWorker."""
    return "".join(part.capitalize() for part in handler_name.split("_"))


def _queue_resources(spec: QueueSpec) -> dict[str, Any]:
    queue_id = logical_id(spec.name)
    dlq_id = logical_id(spec.name, "DeadLetterQueue")
    fifo = {"FifoQueue": True} if spec.fifo else {}
    return {
        dlq_id: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": spec.dlq_name,
                "MessageRetentionPeriod": 14 * 24 * 3600,
                "SqsManagedSseEnabled": True,
                **fifo,
            },
        },
        queue_id: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": spec.name,
                "VisibilityTimeout": spec.visibility_timeout_seconds,
                "MessageRetentionPeriod": spec.message_retention_seconds,
                "SqsManagedSseEnabled": True,
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
                    "maxReceiveCount": spec.max_receive_count,
                },
                **fifo,
            },
        },
    }


def _dead_letter_alarm(spec: QueueSpec) -> dict[str, Any]:
    """A message in the queue's DLQ alarms the alerts topic (the housekeeping run also raises an
    in-app sync alert; the alarm still fires when the app itself is down)."""
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": f"{spec.dlq_name}-not-empty",
            "AlarmDescription": f"Messages of {spec.name} failed {spec.max_receive_count} times and were dead-lettered",
            "Namespace": "AWS/SQS",
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Dimensions": [
                {"Name": "QueueName", "Value": {"Fn::GetAtt": [logical_id(spec.name, "DeadLetterQueue"), "QueueName"]}}
            ],
            "Statistic": "Maximum",
            "Period": 60,
            "EvaluationPeriods": 1,
            "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlertsTopic"}],
            "OKActions": [{"Ref": "AlertsTopic"}],
        },
    }


def build_merge_template(app: Chalice) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    for spec in QUEUES:
        resources.update(_queue_resources(spec))
        outputs[logical_id(spec.name, "QueueUrl")] = {"Value": {"Ref": logical_id(spec.name)}}

    specs_by_name = {spec.name: spec for spec in QUEUES}
    for source in app.event_sources:
        if not isinstance(source, SQSEventConfig):
            continue
        queue_name = source.queue or (source.queue_arn or "").rsplit(":", 1)[-1]
        if queue_name not in specs_by_name:
            raise ValueError(f"{source.name} listens to {queue_name}, which chalicelib.aws.resources does not declare")
        function_id = cfn_function_name(source.name)
        resources[function_id] = {
            "DependsOn": [logical_id(queue_name)],
            "Properties": {
                "Events": {
                    f"{function_id}SqsEventSource": {
                        "Properties": {"FunctionResponseTypes": ["ReportBatchItemFailures"]}
                    }
                }
            },
        }

    for spec in QUEUES:
        resources[logical_id(spec.name, "DeadLetterAlarm")] = _dead_letter_alarm(spec)

    resources["AlertsTopic"] = {
        "Type": "AWS::SNS::Topic",
        "Properties": {"TopicName": ALERTS_TOPIC_NAME, "KmsMasterKeyId": "alias/aws/sns"},
    }
    resources["OtaCredentialsKey"] = {
        "Type": "AWS::KMS::Key",
        "Properties": {
            "Description": "PTX Channel Manager: envelope encryption of OTA credentials",
            "EnableKeyRotation": True,
            "KeyPolicy": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "AccountAdministersAndDelegatesToIam",
                        "Effect": "Allow",
                        "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
                        "Action": "kms:*",
                        "Resource": "*",
                    }
                ],
            },
        },
    }
    resources["OtaCredentialsKeyAlias"] = {
        "Type": "AWS::KMS::Alias",
        "Properties": {"AliasName": OTA_CREDENTIALS_KEY_ALIAS, "TargetKeyId": {"Ref": "OtaCredentialsKey"}},
    }
    resources["JwtSigningKeysSecret"] = {
        "Type": "AWS::SecretsManager::Secret",
        "Properties": {
            "Name": JWT_SIGNING_KEYS_SECRET_NAME,
            "Description": "JWT signing keys: {current: kid, keys: {kid: secret}}",
            "GenerateSecretString": {
                "SecretStringTemplate": json.dumps({"current": "k1"}),
                "GenerateStringKey": "k1",
                "PasswordLength": 64,
                "ExcludePunctuation": True,
            },
        },
    }
    dashboard, dashboard_outputs = dashboard_resources()
    resources.update(dashboard)
    outputs.update(dashboard_outputs)
    outputs.update(
        {
            "AlertsTopicArn": {"Value": {"Ref": "AlertsTopic"}},
            "OtaCredentialsKeyArn": {"Value": {"Fn::GetAtt": ["OtaCredentialsKey", "Arn"]}},
        }
    )
    return {
        "Parameters": {
            "DatabaseSecretArn": {
                "Type": "String",
                "Default": "",
                "Description": "Secrets Manager secret (RDS JSON shape) of the Aurora cluster's app user",
            }
        },
        "Globals": {
            "Function": {
                "Environment": {
                    "Variables": {
                        "DATABASE_SECRET_ARN": {"Ref": "DatabaseSecretArn"},
                        "ALERTS_TOPIC_ARN": {"Ref": "AlertsTopic"},
                    }
                },
            }
        },
        "Resources": resources,
        "Outputs": outputs,
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m infra.template OUTPUT.json", file=sys.stderr)
        return 2
    from app import app

    output = Path(argv[1])
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(build_merge_template(app), indent=2) + "\n")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
