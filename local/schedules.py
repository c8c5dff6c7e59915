"""Schedule expressions as EventBridge reads them: ``rate(n unit)`` and six-field ``cron(...)`` (UTC).

Used by the local event runner (:mod:`local.event_runner`) to know when each ``@app.schedule``
fires next. Nothing here is imported by the deployed app.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalice.app import ScheduleExpression

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_DOW_NAMES = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTH_NAMES = {name: number for number, name in enumerate(_MONTHS, start=1)}


def _expand_cron_field(spec: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int] | None:
    """Values a cron field allows; None for '*' or '?' (anything)."""
    if spec in {"*", "?"}:
        return None
    values: set[int] = set()
    for part in spec.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in {"*", ""}:
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _cron_value(a, names), _cron_value(b, names)
        else:
            start = _cron_value(part, names)
            end = high if "/" in spec else start
        values.update(range(start, end + 1, step))
    return values


def _cron_value(text: str, names: dict[str, int] | None) -> int:
    text = text.upper()
    if names and text in names:
        return names[text]
    return int(text)


@dataclass(frozen=True)
class Schedule:
    """When a schedule expression fires next (EventBridge semantics, UTC)."""

    expression: str
    interval: timedelta | None = None
    cron_fields: tuple[set[int] | None, ...] = ()

    @classmethod
    def parse(cls, expression: str | ScheduleExpression) -> Schedule:
        text = expression if isinstance(expression, str) else expression.to_string()
        text = text.strip()
        rate = _RATE.match(text)
        if rate:
            unit = rate.group(2).rstrip("s")
            return cls(text, interval=timedelta(seconds=int(rate.group(1)) * _UNIT_SECONDS[unit]))
        cron = _CRON.match(text)
        if cron:
            parts = cron.group(1).split()
            if len(parts) != 6:
                raise ValueError(f"cron needs 6 fields (min hour dom month dow year): {text}")
            minutes, hours, dom, month, dow, _year = parts
            fields = (
                _expand_cron_field(minutes, 0, 59),
                _expand_cron_field(hours, 0, 23),
                _expand_cron_field(dom, 1, 31),
                _expand_cron_field(month, 1, 12, _MONTH_NAMES),
                _expand_cron_field(dow, 1, 7, _DOW_NAMES),
            )
            return cls(text, cron_fields=fields)
        raise ValueError(f"unsupported schedule expression: {text}")

    def next_after(self, moment: datetime) -> datetime:
        if self.interval is not None:
            return moment + self.interval
        candidate = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        minutes, hours, dom, month, dow = self.cron_fields
        for _ in range(366 * 24 * 60):
            aws_dow = (candidate.isoweekday() % 7) + 1  # SUN=1 .. SAT=7
            if (
                (month is None or candidate.month in month)
                and (dom is None or candidate.day in dom)
                and (dow is None or aws_dow in dow)
                and (hours is None or candidate.hour in hours)
                and (minutes is None or candidate.minute in minutes)
            ):
                return candidate
            candidate += timedelta(minutes=1)
        raise ValueError(f"{self.expression} never fires")
