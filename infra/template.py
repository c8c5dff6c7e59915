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
  cluster itself is added here) and the alerts topic's ARN;
* on every path of the app's routes, an ``x-amazon-apigateway-any-method`` with a MOCK
  integration: API Gateway routes a request to ANY only when the resource does not declare the
  request's method itself, so a declared method keeps its Lambda integration and any other method
  is answered ``405`` with ``Allow`` (the path's methods, plus ``OPTIONS`` where CORS is on) in
  the API's error shape, as the app and the local server answer it (without it API Gateway
  answers ``403 Missing Authentication Token``);
* the gateway response for a path no route declares (``MISSING_AUTHENTICATION_TOKEN``): ``404``
  in the API's error shape instead of API Gateway's ``403``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from chalice.app import Chalice, RouteEntry, SQSEventConfig

from chalicelib.api.errors import REQUEST_ID_HEADER, ErrorBody, ErrorResponse
from chalicelib.api.middleware import SECURITY_HEADERS
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


def allowed_methods_of(entries: dict[str, RouteEntry]) -> list[str]:
    """The methods a path answers (its routes' methods, plus OPTIONS when Chalice adds a CORS
    preflight for it), for ``Allow``."""
    methods = set(entries)
    if any(entry.cors is not None for entry in entries.values()):
        methods.add("OPTIONS")
    return sorted(methods)


METHOD_NOT_ALLOWED_BODY = ErrorResponse(
    error=ErrorBody(
        code="method_not_allowed",
        message="$context.httpMethod is not allowed here.",
        request_id="$context.requestId",
    )
).model_dump_json()


def method_not_allowed_operation(allowed: list[str]) -> dict[str, Any]:
    """An ANY operation answering 405 from API Gateway itself (MOCK: no Lambda runs). No request
    template: the mock's default integration response answers whatever the request's body or
    content type (as the API Gateway docs advise, with pass-through)."""
    static = {"Allow": ", ".join(allowed), "Content-Type": "application/json", **SECURITY_HEADERS}
    parameters = {f"method.response.header.{name}": f"'{value}'" for name, value in static.items()}
    parameters[f"method.response.header.{REQUEST_ID_HEADER}"] = "context.requestId"
    return {
        "produces": ["application/json"],
        "responses": {
            "405": {
                "description": "The path does not answer this method; Allow lists the ones it does",
                "headers": {name: {"type": "string"} for name in [*static, REQUEST_ID_HEADER]},
            }
        },
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "passthroughBehavior": "when_no_match",
            "responses": {
                "default": {
                    "statusCode": "405",
                    "responseParameters": parameters,
                    "responseTemplates": {"application/json": METHOD_NOT_ALLOWED_BODY},
                }
            },
        },
    }


def method_not_allowed_paths(app: Chalice) -> dict[str, Any]:
    """Swagger paths to merge into Chalice's: every path of ``app``'s routes gets the 405 ANY."""
    return {
        path: {"x-amazon-apigateway-any-method": method_not_allowed_operation(allowed_methods_of(entries))}
        for path, entries in app.routes.items()
    }


NOT_FOUND_BODY = ErrorResponse(
    error=ErrorBody(code="not_found", message="No route matches this path.", request_id="$context.requestId")
).model_dump_json()


def gateway_responses() -> dict[str, Any]:
    """What API Gateway answers itself for a path no route declares: its default is
    ``403 {"message": "Missing Authentication Token"}``; ours is the app's ``404`` error shape."""
    static = {"Content-Type": "application/json", **SECURITY_HEADERS}
    parameters = {f"gatewayresponse.header.{name}": f"'{value}'" for name, value in static.items()}
    parameters[f"gatewayresponse.header.{REQUEST_ID_HEADER}"] = "context.requestId"
    return {
        "MISSING_AUTHENTICATION_TOKEN": {
            "statusCode": 404,
            "responseParameters": parameters,
            "responseTemplates": {"application/json": NOT_FOUND_BODY},
        }
    }


# Chalice names the WebSocket API ``WebsocketAPI`` and deploys it to the stage's api_gateway_stage.
WEBSOCKET_STAGE = "api"
_EXECUTE_API_HOST = "execute-api.${AWS::Region}.${AWS::URLSuffix}"


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

    resources["RestAPI"] = {
        "Properties": {
            "DefinitionBody": {
                "paths": method_not_allowed_paths(app),
                "x-amazon-apigateway-gateway-responses": gateway_responses(),
            }
        }
    }

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
                        # The WebSocket API Chalice declares (app.on_ws_*): tickets name its URL,
                        # the outbox relay posts to its stage through the Management API.
                        "LIVE_WS_URL": {"Fn::Sub": f"wss://${{WebsocketAPI}}.{_EXECUTE_API_HOST}/{WEBSOCKET_STAGE}"},
                        "LIVE_MANAGEMENT_URL": {
                            "Fn::Sub": f"https://${{WebsocketAPI}}.{_EXECUTE_API_HOST}/{WEBSOCKET_STAGE}"
                        },
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
