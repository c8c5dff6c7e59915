"""PATCH bodies: only the fields sent change; ``null`` is accepted only where it means something."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator


class PatchBody(BaseModel):
    """Base of PATCH bodies. Subclasses list the fields that may be set to null in ``NULLABLE``."""

    model_config = ConfigDict(extra="forbid")

    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _something_to_change(self) -> PatchBody:
        if not self.model_fields_set:
            raise ValueError("give at least one field to change: " + ", ".join(type(self).model_fields))
        for name in sorted(self.model_fields_set - self.NULLABLE):
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}
