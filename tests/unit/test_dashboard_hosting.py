"""The dashboard's hosting in the SAM merge template: one CloudFront origin for app and API."""

from __future__ import annotations

import json
from pathlib import Path

from infra.dashboard import dashboard_resources

PROJECT_DIR = Path(__file__).resolve().parents[2]


def test_api_paths_go_to_api_gateway_uncached_and_everything_else_to_the_private_bucket() -> None:
    resources, outputs = dashboard_resources()
    config = resources["DashboardDistribution"]["Properties"]["DistributionConfig"]
    origins = {origin["Id"]: origin for origin in config["Origins"]}
    api_behaviour = next(b for b in config["CacheBehaviors"] if b["PathPattern"] == "/api/*")
    assert api_behaviour["TargetOriginId"] == "api"
    assert "${RestAPI}.execute-api." in origins["api"]["DomainName"]["Fn::Sub"]
    assert "OriginPath" not in origins["api"]  # the stage named "api" is the prefix itself
    assert {"POST", "PATCH", "DELETE"} <= set(api_behaviour["AllowedMethods"])
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "dashboard"
    assert origins["dashboard"]["OriginAccessControlId"] == {"Fn::GetAtt": ["DashboardOriginAccessControl", "Id"]}
    block = resources["DashboardBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    assert all(block.values())
    statement = resources["DashboardBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert "AWS:SourceArn" in statement["Condition"]["StringEquals"]  # this distribution only
    assert "DashboardUrl" in outputs


def test_the_api_gateway_stage_is_named_api_in_every_stage() -> None:
    stages = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())["stages"]
    assert {name: stage["api_gateway_stage"] for name, stage in stages.items()} == dict.fromkeys(stages, "api")
