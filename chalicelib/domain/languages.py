"""The languages the dashboard speaks; each user picks one (``users.language``)."""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    ENGLISH = "en"
    VIETNAMESE = "vi"
    INDONESIAN = "id"
    MALAY = "ms"


def sql_list() -> str:
    """The codes as an SQL list, for the column's check constraint: ``('en', 'vi', 'id', 'ms')``."""
    return "(" + ", ".join(f"'{language.value}'" for language in Language) + ")"
