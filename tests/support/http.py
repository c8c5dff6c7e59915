"""The tests' own HTTP calls to a stack or a simulator: httpx's module functions with one shared TLS
context.

``httpx.get`` and its kin build a client per call, and every client builds a TLS context, about
30 ms of CPU even for an ``http://`` URL; the e2e tests poll stacks and simulators in loops.
"""

from __future__ import annotations

from typing import Any

import httpx

from chalicelib.tls import verifying_context


def request(method: str, url: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, url, verify=verifying_context(), **kwargs)


def get(url: str, **kwargs: Any) -> httpx.Response:
    return request("GET", url, **kwargs)


def post(url: str, **kwargs: Any) -> httpx.Response:
    return request("POST", url, **kwargs)


def patch(url: str, **kwargs: Any) -> httpx.Response:
    return request("PATCH", url, **kwargs)
