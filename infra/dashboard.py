"""The dashboard in AWS: its static build on a private S3 bucket, served with the API on one
origin by CloudFront.

* ``/*`` → the bucket, read by CloudFront only (Origin Access Control, SigV4; the bucket blocks
  all public access). A CloudFront Function rewrites client routes (``/bookings/42``,
  ``/reset-password``: no file extension) to ``/index.html``, so deep links and emailed links load
  the app.
* ``/api/*`` → API Gateway (Chalice's ``RestAPI``), uncached, every method, every viewer header and
  cookie but ``Host``. The prefix maps without rewriting: the API Gateway stage is named ``api``
  (``.chalice/config.json``), so ``https://<cloudfront>/api/bookings`` reaches the stage ``api``,
  route ``/bookings``. The refresh cookie's path includes the prefix (``/api/auth``),
  which the app derives from the request (``chalicelib/api/cookies.py``).

Upload a build with ``aws s3 sync build/dashboard s3://<DashboardBucketName>/ --delete`` and
invalidate ``/index.html`` (the assets are content-hashed). README "Deploying" says so.
"""

from __future__ import annotations

from typing import Any

# AWS managed policies (fixed ids, the same in every account).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
SECURITY_HEADERS = "67f7725c-6f97-4210-82d7-5512b31e9d03"

DISTRIBUTION_ARN = "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${DashboardDistribution}"

SPA_REWRITE = """function handler(event) {
  var request = event.request;
  var last = request.uri.split('/').pop();
  if (last.indexOf('.') === -1) { request.uri = '/index.html'; }
  return request;
}
"""


def dashboard_resources() -> tuple[dict[str, Any], dict[str, Any]]:
    """(resources, outputs) of the dashboard's hosting, to merge into the SAM template."""
    resources: dict[str, Any] = {
        "DashboardBucket": {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
                "VersioningConfiguration": {"Status": "Enabled"},
            },
        },
        "DashboardOriginAccessControl": {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {
                "OriginAccessControlConfig": {
                    "Name": {"Fn::Sub": "${AWS::StackName}-dashboard"},
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        },
        "DashboardSpaRewrite": {
            "Type": "AWS::CloudFront::Function",
            "Properties": {
                "Name": {"Fn::Sub": "${AWS::StackName}-spa-rewrite"},
                "AutoPublish": True,
                "FunctionCode": SPA_REWRITE,
                "FunctionConfig": {"Comment": "client routes load index.html", "Runtime": "cloudfront-js-2.0"},
            },
        },
        "DashboardDistribution": {
            "Type": "AWS::CloudFront::Distribution",
            "Properties": {"DistributionConfig": _distribution_config()},
        },
        "DashboardBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "DashboardBucket"},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "CloudFrontReadsTheDashboard",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudfront.amazonaws.com"},
                            "Action": "s3:GetObject",
                            "Resource": {"Fn::Sub": "${DashboardBucket.Arn}/*"},
                            "Condition": {"StringEquals": {"AWS:SourceArn": {"Fn::Sub": DISTRIBUTION_ARN}}},
                        }
                    ],
                },
            },
        },
    }
    outputs = {
        "DashboardUrl": {"Value": {"Fn::Sub": "https://${DashboardDistribution.DomainName}"}},
        "DashboardBucketName": {"Value": {"Ref": "DashboardBucket"}},
        "DashboardDistributionId": {"Value": {"Ref": "DashboardDistribution"}},
    }
    return resources, outputs


def _distribution_config() -> dict[str, Any]:
    return {
        "Enabled": True,
        "Comment": "PTX Channel Manager: dashboard (S3) and API (/api/*) on one origin",
        "DefaultRootObject": "index.html",
        "HttpVersion": "http2and3",
        "PriceClass": "PriceClass_200",
        "Origins": [
            {
                "Id": "dashboard",
                "DomainName": {"Fn::GetAtt": ["DashboardBucket", "RegionalDomainName"]},
                "S3OriginConfig": {"OriginAccessIdentity": ""},
                "OriginAccessControlId": {"Fn::GetAtt": ["DashboardOriginAccessControl", "Id"]},
            },
            {
                "Id": "api",
                "DomainName": {"Fn::Sub": "${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}"},
                "CustomOriginConfig": {"OriginProtocolPolicy": "https-only", "OriginSSLProtocols": ["TLSv1.2"]},
            },
        ],
        "DefaultCacheBehavior": {
            "TargetOriginId": "dashboard",
            "ViewerProtocolPolicy": "redirect-to-https",
            "AllowedMethods": ["GET", "HEAD"],
            "CachedMethods": ["GET", "HEAD"],
            "Compress": True,
            "CachePolicyId": CACHING_OPTIMIZED,
            "ResponseHeadersPolicyId": SECURITY_HEADERS,
            "FunctionAssociations": [
                {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": ["DashboardSpaRewrite", "FunctionARN"]}}
            ],
        },
        "CacheBehaviors": [
            {
                "PathPattern": "/api/*",
                "TargetOriginId": "api",
                "ViewerProtocolPolicy": "https-only",
                "AllowedMethods": ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
                "CachedMethods": ["GET", "HEAD"],
                "Compress": True,
                "CachePolicyId": CACHING_DISABLED,
                "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST_HEADER,
            }
        ],
    }
