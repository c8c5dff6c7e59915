"""Rooming lists: a CSV of bookings to pick up from a block, checked line by line. Pure: no I/O.

The header (first line, column order free, names case-insensitive)::

    guest_name,guest_email,guest_phone,room_type,check_in,check_out,rooms,adults,children,notes

``guest_name``, ``room_type`` (the room type's code or id), ``check_in`` and ``check_out``
(YYYY-MM-DD, check-out the day the guest leaves) are required; ``rooms`` (default 1), ``adults``
(default 2), ``children`` (default 0), ``guest_email``, ``guest_phone`` and ``notes`` are
optional. Every error names its line (the header is line 1) and its column; one bad line and the
whole list is refused.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from chalicelib.domain.errors import InvalidInput

COLUMNS = (
    "guest_name",
    "guest_email",
    "guest_phone",
    "room_type",
    "check_in",
    "check_out",
    "rooms",
    "adults",
    "children",
    "notes",
)
REQUIRED = ("guest_name", "room_type", "check_in", "check_out")
MAX_LINES = 500
_LIMITS = {"guest_name": 200, "guest_email": 254, "guest_phone": 40, "room_type": 60, "notes": 2000}
_NUMBERS = {"rooms": (1, 1, 50), "adults": (2, 1, 20), "children": (0, 0, 20)}  # default, min, max


@dataclass(frozen=True)
class RoomingLine:
    """One booking of the list, as written (``room_type``: a code or an id, resolved by the service)."""

    line: int
    guest_name: str
    guest_email: str
    guest_phone: str
    room_type: str
    check_in: date
    check_out: date
    rooms: int
    adults: int
    children: int
    notes: str


def _problem(line: int, column: str, message: str) -> dict[str, Any]:
    return {"line": line, "field": column, "message": message}


def refused(problems: list[dict[str, Any]]) -> InvalidInput:
    """The whole list refused, every problem named by line and column."""
    named = "; ".join(f"line {p['line']} {p['field']}: {p['message']}" for p in problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    return InvalidInput(f"The rooming list has errors: {named}{more}", details=problems)


def _header(row: list[str]) -> list[str]:
    names = [name.strip().lower() for name in row]
    problems = [_problem(1, name or f"column {i + 1}", "unknown column") for i, name in enumerate(names)]
    problems = [p for p, name in zip(problems, names, strict=True) if name not in COLUMNS]
    problems += [_problem(1, name, "the column is missing") for name in REQUIRED if name not in names]
    problems += [_problem(1, name, "the column appears twice") for name in set(names) if names.count(name) > 1]
    if problems:
        raise refused(problems)
    return names


def _text(values: Mapping[str, str], column: str, line: int, problems: list[dict[str, Any]]) -> str:
    value = values.get(column, "").strip()
    if column in REQUIRED and not value:
        problems.append(_problem(line, column, "required"))
    elif len(value) > _LIMITS.get(column, 2000):
        problems.append(_problem(line, column, f"at most {_LIMITS[column]} characters"))
    elif column == "guest_email" and value and ("@" not in value or " " in value):
        problems.append(_problem(line, column, "not an email address"))
    return value


def _date(values: Mapping[str, str], column: str, line: int, problems: list[dict[str, Any]]) -> date | None:
    value = values.get(column, "").strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(_problem(line, column, f"{value!r} is not a date (YYYY-MM-DD)" if value else "required"))
        return None


def _number(values: Mapping[str, str], column: str, line: int, problems: list[dict[str, Any]]) -> int:
    default, low, high = _NUMBERS[column]
    value = values.get(column, "").strip()
    if not value:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        problems.append(_problem(line, column, f"{value!r} is not a whole number from {low} to {high}"))
        return default
    return int(value)


def _line(values: Mapping[str, str], line: int, problems: list[dict[str, Any]]) -> RoomingLine | None:
    found: list[dict[str, Any]] = []
    texts = {column: _text(values, column, line, found) for column in _LIMITS}
    check_in, check_out = _date(values, "check_in", line, found), _date(values, "check_out", line, found)
    numbers = {column: _number(values, column, line, found) for column in _NUMBERS}
    if check_in is not None and check_out is not None and check_out <= check_in:
        found.append(_problem(line, "check_out", "must be after check_in"))
    problems.extend(found)
    if found or check_in is None or check_out is None:
        return None
    return RoomingLine(
        line,
        texts["guest_name"],
        texts["guest_email"],
        texts["guest_phone"],
        texts["room_type"],
        check_in,
        check_out,
        numbers["rooms"],
        numbers["adults"],
        numbers["children"],
        texts["notes"],
    )


def _rows(text: str) -> list[tuple[int, list[str]]]:
    """Each CSV record with the file line it starts on (a quoted value may span lines)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows, start = [], 1
    try:
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as error:
        raise refused([_problem(reader.line_num, "line", f"not valid CSV: {error}")]) from None
    return rows


def parse_rooming_list(text: str) -> list[RoomingLine]:
    """Every line of the list, or InvalidInput naming every bad line and column (nothing is taken)."""
    numbered = [(number, row) for number, row in _rows(text) if any(cell.strip() for cell in row)]
    if not numbered or numbered[0][0] != 1:
        raise refused([_problem(1, "header", "the first line must be the header: " + ",".join(COLUMNS))])
    names = _header(numbered[0][1])
    body = numbered[1:]
    if not body:
        raise refused([_problem(2, "guest_name", "the list has no booking")])
    if len(body) > MAX_LINES:
        raise refused([_problem(MAX_LINES + 2, "guest_name", f"at most {MAX_LINES} bookings per list")])
    problems: list[dict[str, Any]] = []
    lines = []
    for number, row in body:
        if len(row) != len(names):
            problems.append(_problem(number, "line", f"{len(row)} values for {len(names)} columns"))
            continue
        parsed = _line(dict(zip(names, row, strict=True)), number, problems)
        if parsed is not None:
            lines.append(parsed)
    if problems:
        raise refused(problems)
    return lines
