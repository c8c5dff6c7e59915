"""The published OTA schemas for unit tests (local files; sockets stay blocked)."""

from __future__ import annotations

import pytest

from tests.support.ota_schemas import SchemaSet, schema_set


@pytest.fixture(scope="session")
def ota_schemas() -> SchemaSet:
    return schema_set()
