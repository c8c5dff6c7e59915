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
from chalice.app import Chalice, SQSEventConfig

from app import app
from chalicelib.api.errors import ErrorResponse
from chalicelib.api.routing import allowed_methods
from chalicelib.aws.resources import ALERTS_TOPIC_NAME, OTA_CREDENTIALS_KEY_ALIAS, QUEUES
from infra.template import build_merge_template, cfn_function_name, logical_id

PROJECT_DIR = Path(__file__).resolve().parents[2]
# What the packaged template is made of: the routes live in chalicelib/api, the error shape too.
SOURCES = ["app.py", "infra/*.py", "chalicelib/aws/resources.py", "chalicelib/api/**/*.py", ".chalice/config.json"]
ANY_METHOD = "x-amazon-apigateway-any-method"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch"}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    built = PROJECT_DIR / "build/package/sam.json"
    newest_source = max(path.stat().st_mtime for pattern in SOURCES for path in PROJECT_DIR.glob(pattern))
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


def test_the_websocket_api_routes_to_the_live_handlers_and_every_function_can_post_to_it(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    assert resources["WebsocketAPI"]["Properties"]["ProtocolType"] == "WEBSOCKET"
    handlers = {resources[name]["Properties"]["Handler"] for name in ("WebsocketConnect", "WebsocketDisconnect")}
    assert handlers == {"app.live_connect", "app.live_disconnect"}
    stage = resources["WebsocketAPIStage"]["Properties"]["StageName"]
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    host = "${WebsocketAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
    assert variables["LIVE_WS_URL"] == {"Fn::Sub": f"wss://{host}/{stage}"}
    assert variables["LIVE_MANAGEMENT_URL"] == {"Fn::Sub": f"https://{host}/{stage}"}
    for policy_file in ("policy-dev.json", "policy-prod.json"):
        policy = json.loads((PROJECT_DIR / ".chalice" / policy_file).read_text())
        actions = {action for statement in policy["Statement"] for action in statement["Action"]}
        assert "execute-api:ManageConnections" in actions


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


def _swagger_paths(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]  # type: ignore[no-any-return]


def _answers_405_with_allow(path_item: dict[str, Any]) -> str:
    """The ``Allow`` an undeclared method of ``path_item`` gets from API Gateway itself, or an
    AssertionError saying why it gets no 405."""
    operation = path_item.get(ANY_METHOD)
    assert operation is not None, "no ANY method: API Gateway answers 403 Missing Authentication Token"
    integration = operation["x-amazon-apigateway-integration"]
    assert integration["type"] == "mock"
    assert "requestTemplates" not in integration  # any content type reaches the default response
    (only,) = integration["responses"].items()
    assert only[0] == "default" and "selectionPattern" not in only[1]
    assert only[1]["statusCode"] == "405"
    declared_headers = set(operation["responses"]["405"]["headers"])
    mapped = {name.removeprefix("method.response.header.") for name in only[1]["responseParameters"]}
    assert mapped == declared_headers  # API Gateway refuses a mapping to an undeclared header
    assert only[1]["responseParameters"]["method.response.header.X-Request-Id"] == "context.requestId"
    allow = only[1]["responseParameters"]["method.response.header.Allow"]
    assert allow.startswith("'") and allow.endswith("'")  # a static value is quoted
    return str(allow[1:-1])


def test_every_path_answers_undeclared_methods_405_with_allow_listing_its_methods(template: dict[str, Any]) -> None:
    paths = _swagger_paths(template)
    assert set(paths) == set(app.routes)
    for path, path_item in paths.items():
        declared = sorted(method.upper() for method in path_item if method in HTTP_METHODS)
        allow = _answers_405_with_allow(path_item)
        assert allow.split(", ") == declared, path
        assert declared == allowed_methods(path), path  # what the app and the local server say


def test_declared_methods_keep_their_lambda_integration(template: dict[str, Any]) -> None:
    handler_uri = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]["/health"]["get"][
        "x-amazon-apigateway-integration"
    ]["uri"]
    assert "${APIHandler.Arn}" in handler_uri["Fn::Sub"]
    for path, entries in app.routes.items():
        path_item = _swagger_paths(template)[path]
        for method in entries:
            integration = path_item[method.lower()]["x-amazon-apigateway-integration"]
            assert (integration["type"], integration["uri"]) == ("aws_proxy", handler_uri), (path, method)


def test_the_405_body_is_the_api_error_shape_with_the_gateway_request_id(template: dict[str, Any]) -> None:
    path_item = _swagger_paths(template)["/properties/{property_id}"]
    response = path_item[ANY_METHOD]["x-amazon-apigateway-integration"]["responses"]["default"]
    rendered = (
        response["responseTemplates"]["application/json"]
        .replace("$context.httpMethod", "PUT")
        .replace("$context.requestId", "c0ffee-42")
    )
    error = ErrorResponse.model_validate_json(rendered).error
    assert (error.code, error.message, error.details, error.request_id) == (
        "method_not_allowed",
        "PUT is not allowed here.",
        [],
        "c0ffee-42",
    )
    assert response["responseParameters"]["method.response.header.Content-Type"] == "'application/json'"


def test_a_new_route_inherits_the_405_and_cors_adds_options_to_allow() -> None:
    new_app = Chalice(app_name="wall405")

    @new_app.route("/rooms/{room_id}", methods=["GET", "PUT"])
    def room(room_id: str) -> dict[str, str]:
        return {}

    @new_app.route("/rooms", methods=["POST"], cors=True)
    def rooms() -> dict[str, str]:
        return {}

    paths = build_merge_template(new_app)["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    assert set(paths) == {"/rooms/{room_id}", "/rooms"}
    assert _answers_405_with_allow(paths["/rooms/{room_id}"]) == "GET, PUT"
    assert _answers_405_with_allow(paths["/rooms"]) == "OPTIONS, POST"
    # negative control: Chalice's own swagger for a path (no ANY) fails the check
    with pytest.raises(AssertionError, match="Missing Authentication Token"):
        _answers_405_with_allow({"get": {}})


def test_a_path_no_route_declares_is_404_in_the_api_error_shape_not_403(template: dict[str, Any]) -> None:
    definition = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    response = definition["x-amazon-apigateway-gateway-responses"]["MISSING_AUTHENTICATION_TOKEN"]
    assert response["statusCode"] == 404
    rendered = response["responseTemplates"]["application/json"].replace("$context.requestId", "c0ffee-42")
    error = ErrorResponse.model_validate_json(rendered).error
    assert (error.code, error.request_id) == ("not_found", "c0ffee-42")
    assert response["responseParameters"]["gatewayresponse.header.Content-Type"] == "'application/json'"
    assert response["responseParameters"]["gatewayresponse.header.X-Request-Id"] == "context.requestId"
