"""Fixtures for service unit tests: an in-memory store and callers of any role and country."""

from __future__ import annotations

import pytest

from chalicelib.domain.access import Caller
from chalicelib.domain.permissions import ALL_PERMISSIONS, Permission
from tests.unit.fakes import FakeStore


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


def make_caller(*, permissions: Permission = ALL_PERMISSIONS, country: str | None = None, user_id: int = 7) -> Caller:
    """A signed-in caller; ``country=None`` sees every country."""
    return Caller(
        user_id=user_id,
        email=f"user{user_id}@example.com",
        full_name=f"User {user_id}",
        role_id=1,
        role_name="Test role",
        permissions=permissions,
        home_country=country,
        active_country=country,
        may_switch_country=country is None,
        session_id="session-1",
        request_id="req-1",
    )
