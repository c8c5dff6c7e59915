"""The published OTA schemas (``../shared/ota-ref``, or ``$PTX_SHARED_DIR/ota-ref``), compiled once
per session: tests validate every message they build or receive against them, and skip, saying
why, when the folder is absent. Reading local files only, so unit tests may use it too."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]


def ota_ref_dir() -> Path:
    shared = os.environ.get("PTX_SHARED_DIR")
    base = Path(shared) if shared else PROJECT_DIR.parent / "shared"
    return base / "ota-ref"


class SchemaSet:
    """Compiles a schema on first use and keeps it for the session (the OpenTravel ones are big)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._compiled: dict[str, Any] = {}

    def get(self, relative: str) -> Any:
        from lxml import etree

        if relative not in self._compiled:
            self._compiled[relative] = etree.XMLSchema(etree.parse(str(self.root / relative)))
        return self._compiled[relative]

    def errors(self, relative: str, document: bytes) -> list[str]:
        """Validation errors of ``document`` against the schema (empty when valid)."""
        from lxml import etree

        schema = self.get(relative)
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        tree = etree.fromstring(document, parser)
        if schema.validate(tree):
            return []
        return [f"{error.line}:{error.message}" for error in schema.error_log]

    def assert_valid(self, relative: str, document: bytes) -> None:
        errors = self.errors(relative, document)
        assert not errors, f"not valid against {relative}: {errors[:5]}"


_SESSION: dict[Path, SchemaSet] = {}


def schema_set() -> SchemaSet:
    """The session's schemas, or a skip naming where they were looked for."""
    root = ota_ref_dir()
    if not root.is_dir():
        pytest.skip(
            f"the published OTA schemas are not at {root} (set PTX_SHARED_DIR to the folder holding ota-ref/); "
            "conformance cannot be checked without them"
        )
    if root not in _SESSION:
        _SESSION[root] = SchemaSet(root)
    return _SESSION[root]
