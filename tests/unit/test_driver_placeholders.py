"""The cached placeholder rewrite answers exactly what pg8000's own does, and scans each text once."""

from __future__ import annotations

import pytest
from pg8000.dbapi import convert_paramstyle
from pg8000.exceptions import InterfaceError

from chalicelib.db.driver import cached_converter

STATEMENTS = [
    "SELECT 1",
    "SELECT pg_advisory_xact_lock(%s, %s)",
    "INSERT INTO t (a, b) VALUES (%s, %s) RETURNING id",
    "SELECT '%s is literal', \"col%s\", x::date FROM t WHERE y = %s -- %s in a comment\n AND z = %s",
    "SELECT $$ %s $$, 100 %% 7, %s",
    "SELECT E'it''s %s', %s",
]


@pytest.mark.parametrize("statement", STATEMENTS)
def test_the_rewrite_is_pg8000s_own(statement: str) -> None:
    convert = cached_converter(convert_paramstyle)
    args = (1, "two", None)
    assert convert("format", statement, args) == convert_paramstyle("format", statement, args)
    assert convert("format", statement, args)[1] is args  # the values pass through untouched


def test_each_text_is_scanned_once() -> None:
    scans: list[str] = []

    def counting(style: str, query: str, args: object) -> tuple[str, object]:
        scans.append(query)
        return convert_paramstyle(style, query, args)

    convert = cached_converter(counting)
    for _ in range(3):
        convert("format", "SELECT %s", (1,))
    convert("format", "SELECT %s, %s", (1, 2))
    assert scans == ["SELECT %s", "SELECT %s, %s"]


def test_other_styles_and_refusals_go_to_pg8000() -> None:
    convert = cached_converter(convert_paramstyle)
    assert convert("named", "SELECT :a, :b, :a", {"a": 1, "b": 2}) == ("SELECT $1, $2, $1", (1, 2))
    with pytest.raises(InterfaceError):
        convert("format", "SELECT %d", (1,))
