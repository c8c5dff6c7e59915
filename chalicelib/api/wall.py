"""The wall: rules every route's input passes, whatever the route itself declares.

:mod:`chalicelib.api.routing` applies them to every route declared with
``ApiBlueprint.endpoint``, so a new route inherits them without its author doing anything:

- **JSON** is parsed by :func:`parse_json`: nesting deeper than :data:`MAX_JSON_DEPTH` is
  refused *before* the parser runs (the stdlib parser recurses and would raise RecursionError),
  and number literals longer than :data:`MAX_NUMBER_CHARS` while it runs (Python refuses ints of
  more than 4,300 digits with a ValueError); ``NaN``/``Infinity`` are not JSON. All 400.
- **Path ids** (int path parameters) must be positive and within their column's range
  (:data:`INT32`): anything else cannot name a record, so 404.
- **Every validated body and query** is walked field by field (:func:`violations`), nested
  models, lists and dict keys included; each failure is a 422 naming the field:

  - ints within the column range (:data:`INT32`) unless the field declares its own upper bound
    (``Field(le=...)``); fields named ``id``/``*_id``/``*_ids`` also positive;
  - decimals and floats finite and below :data:`MAX_DECIMAL` (``NUMERIC(14,3)``) unless the field
    declares its own bound;
  - strings without NUL (PostgreSQL cannot store it) and at most :data:`MAX_STRING` characters
    unless the field declares ``max_length``;
  - dates and timestamps in the years :data:`YEARS` unless the field says otherwise with
    ``Field(json_schema_extra={"wall_years": [1900, 2100]})``.

  Integral fields already refuse non-integral floats (pydantic); ``2378034376142964.0`` is
  integral but out of range, so the int rule refuses it.

64-bit ids: every id a client can name today is an ``INTEGER`` column (the BIGINT tables —
sync runs, ARI changes, webhook receipts, refresh tokens — are never addressed by id), so the
wall's id range is 32-bit. Widening a table is a migration plus a ``wall_int64`` marker on the
fields naming it (``Field(json_schema_extra={"wall_int64": True})``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from annotated_types import Ge, Gt, Le, Lt, MaxLen
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from chalicelib.api.errors import ApiError

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
MAX_JSON_DEPTH = 32
MAX_NUMBER_CHARS = 40
MAX_STRING = 10_000
MAX_DECIMAL = Decimal(10) ** 11  # NUMERIC(14,3): at most 11 digits before the point
YEARS = (2000, 2100)

_STRING_LITERAL = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


# --- JSON -------------------------------------------------------------------------------------------------
def parse_json(text: str) -> Any:
    """``text`` as JSON, refusing (400) what would exhaust the parser or make no sense stored."""
    _check_depth(text)
    try:
        return json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_refuse_constant)
    except RecursionError:  # belt and braces: the depth check should make this unreachable
        raise _too_deep() from None


def _check_depth(text: str) -> None:
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return
    depth = 0
    for bracket in _BRACKET.finditer(_STRING_LITERAL.sub('""', text)):
        if bracket.group() in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise _too_deep()
        else:
            depth -= 1


def _too_deep() -> ApiError:
    return ApiError(400, "invalid_json", f"The request body nests deeper than {MAX_JSON_DEPTH} levels.")


def _number_too_long(literal: str) -> ApiError:
    return ApiError(
        400,
        "invalid_json",
        f"The request body has a number of {len(literal)} characters; the limit is {MAX_NUMBER_CHARS}.",
    )


def _parse_int(literal: str) -> int:
    if len(literal) > MAX_NUMBER_CHARS:
        raise _number_too_long(literal)
    return int(literal)


def _parse_float(literal: str) -> float:
    if len(literal) > MAX_NUMBER_CHARS:
        raise _number_too_long(literal)
    value = float(literal)
    if not math.isfinite(value):
        raise ApiError(400, "invalid_json", f"The request body has a number out of range ({literal[:20]}).")
    return value


def _refuse_constant(name: str) -> Any:
    raise ApiError(400, "invalid_json", f"The request body is not valid JSON: {name} is not a JSON value.")


# --- path ids ---------------------------------------------------------------------------------------------
def path_value_can_exist(annotation: Any, value: Any) -> bool:
    """False for a path value no record can have (an int id out of range, a string with NUL)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return 1 <= value <= INT32[1]
    if isinstance(value, str):
        return "\x00" not in value and len(value) <= MAX_STRING
    return True


# --- validated models -------------------------------------------------------------------------------------
def violations(model: BaseModel, location: str) -> list[dict[str, Any]]:
    """Every wall rule ``model`` (a validated body or query) breaks, as ``[{field, message, type}]``."""
    return list(_walk_model(model, location))


def _walk_model(model: BaseModel, path: str) -> Iterator[dict[str, Any]]:
    fields = type(model).model_fields
    for name, value in model.__dict__.items():
        info = fields.get(name)
        if info is None:
            continue
        yield from _walk(value, f"{path}.{info.alias or name}", name, info)


def _walk(value: Any, path: str, name: str, info: FieldInfo) -> Iterator[dict[str, Any]]:
    if value is None or isinstance(value, bool | Enum | UUID):
        return
    if isinstance(value, BaseModel):
        yield from _walk_model(value, path)
    elif isinstance(value, int):
        yield from _check_int(value, path, name, info)
    elif isinstance(value, float | Decimal):
        yield from _check_decimal(value, path, info)
    elif isinstance(value, str | SecretStr):
        yield from _check_string(value.get_secret_value() if isinstance(value, SecretStr) else value, path, info)
    elif isinstance(value, date):  # datetime is a date
        yield from _check_date(value, path, info)
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}.{index}", name, _ITEM)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(key, f"{path}.{key!s:.40}", name, _KEY)
            yield from _walk(item, f"{path}.{key!s:.40}", name, _ITEM)
    else:
        raise TypeError(f"the wall has no rule for {type(value).__name__} at {path}: add one to chalicelib/api/wall.py")


_ITEM = FieldInfo()  # list items and dict values: the defaults, named after their field
_KEY = FieldInfo(json_schema_extra={"wall_key": True})


def _bounds(info: FieldInfo) -> tuple[Any, Any]:
    lower: Any = None
    upper: Any = None
    for item in info.metadata:
        if isinstance(item, Ge):
            lower = item.ge
        elif isinstance(item, Gt):
            lower = item.gt
        elif isinstance(item, Le):
            upper = item.le
        elif isinstance(item, Lt):
            upper = item.lt
    return lower, upper


def _extra(info: FieldInfo, key: str) -> Any:
    extra = info.json_schema_extra
    return extra.get(key) if isinstance(extra, dict) else None


def _detail(path: str, message: str, kind: str) -> dict[str, Any]:
    return {"field": path, "message": message, "type": kind}


def is_id_field(name: str) -> bool:
    return name == "id" or name.endswith("_id") or name.endswith("_ids")


def _check_int(value: int, path: str, name: str, info: FieldInfo) -> Iterator[dict[str, Any]]:
    lower, upper = _bounds(info)
    low, high = INT64 if _extra(info, "wall_int64") else INT32
    if is_id_field(name) and _extra(info, "wall_key") is None:
        low = 1
    if lower is None and value < low:
        yield _detail(path, f"must be at least {low}", "wall_out_of_range")
    elif upper is None and value > high:
        yield _detail(path, f"must be at most {high}", "wall_out_of_range")


def _check_decimal(value: float | Decimal, path: str, info: FieldInfo) -> Iterator[dict[str, Any]]:
    number = Decimal(str(value)) if isinstance(value, float) else value
    if not number.is_finite():
        yield _detail(path, "must be a finite number", "wall_not_finite")
        return
    lower, upper = _bounds(info)
    if (upper is None and number >= MAX_DECIMAL) or (lower is None and number <= -MAX_DECIMAL):
        yield _detail(path, f"must be less than {MAX_DECIMAL:,} in magnitude", "wall_out_of_range")


def _max_length(info: FieldInfo) -> int | None:
    for item in info.metadata:
        if isinstance(item, MaxLen):
            return int(item.max_length)
        declared = getattr(item, "max_length", None)
        if isinstance(declared, int):
            return declared
    return None


def _check_string(value: str, path: str, info: FieldInfo) -> Iterator[dict[str, Any]]:
    if "\x00" in value:
        yield _detail(path, "must not contain NUL characters", "wall_nul_character")
    if _max_length(info) is None and len(value) > MAX_STRING:
        yield _detail(path, f"must be at most {MAX_STRING} characters", "wall_too_long")


def _check_date(value: date, path: str, info: FieldInfo) -> Iterator[dict[str, Any]]:
    first, last = _extra(info, "wall_years") or YEARS
    if not first <= value.year <= last:
        kind = "timestamp" if isinstance(value, datetime) else "date"
        yield _detail(path, f"{kind} must be in the years {first}-{last}", "wall_date_out_of_range")
