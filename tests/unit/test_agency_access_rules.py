"""Pure rules of agency access: API key secrets and grants, the agency scope, the allotments of a root cause."""

from __future__ import annotations

import hashlib

import pytest

from chalicelib.domain.access import Caller, CountryScope
from chalicelib.domain.alerts import AllotmentOnNight, allotments_root_cause, allotments_sentence
from chalicelib.domain.api_keys import hash_key, issue_key, key_permissions, well_formed
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.permissions import PARTNER_ROLES, PRESET_ROLES, Permission, is_partner_role

P = Permission


def test_issued_keys_are_unique_high_entropy_and_only_their_hash_is_kept() -> None:
    keys = [issue_key() for _ in range(200)]
    assert len({key.plaintext for key in keys}) == 200
    assert all(well_formed(key.plaintext) for key in keys)  # some secrets hold "_": still well formed
    key = keys[0]
    assert well_formed(key.plaintext) and key.plaintext.startswith(f"ptx_{key.prefix}_")
    assert len(key.plaintext.split("_", 2)[2]) >= 43  # 32 random bytes, url-safe base64 (may hold "_")
    assert key.secret_hash == hashlib.sha256(key.plaintext.encode()).hexdigest() == hash_key(key.plaintext)
    assert key.plaintext not in repr(key)


@pytest.mark.parametrize(
    "text", ["", "nonsense", "ptx_short_x", "abc_12345678_" + "x" * 43, "ptx_12345678_" + "x" * 200]
)
def test_malformed_keys_are_refused_before_any_lookup(text: str) -> None:
    assert not well_formed(text)


def test_a_key_gets_a_subset_of_its_creators_permissions_fit_for_agency_systems() -> None:
    creator = P.CONTRACTS_READ | P.AGENCIES_READ | P.BOOKINGS_CREATE | P.PARTNER_ADMIN
    assert key_permissions(P.CONTRACTS_READ | P.BOOKINGS_CREATE, creator) == P.CONTRACTS_READ | P.BOOKINGS_CREATE
    with pytest.raises(InvalidInput, match="do not hold"):
        key_permissions(P.BOOKINGS_MANAGE, creator)
    with pytest.raises(InvalidInput, match="only"):
        key_permissions(P.PARTNER_ADMIN, creator)
    with pytest.raises(InvalidInput, match="only"):
        key_permissions(P.CONTRACTS_WRITE, creator | P.CONTRACTS_WRITE)
    with pytest.raises(InvalidInput, match="at least one"):
        key_permissions(Permission(0), creator)


def test_partner_roles_hold_no_staff_bit_and_no_staff_role_is_a_partner_role() -> None:
    assert all(is_partner_role(role.permissions) for role in PARTNER_ROLES)
    assert not any(is_partner_role(role.permissions) for role in PRESET_ROLES)


def _caller(**overrides: object) -> Caller:
    values: dict[str, object] = {
        "user_id": 1, "email": "a@example.com", "full_name": "A", "role_id": 1, "role_name": "r",
        "permissions": P.CONTRACTS_READ, "home_country": "VN", "active_country": None,
        "may_switch_country": True, "session_id": "s",
    }  # fmt: skip
    return Caller(**{**values, **overrides})  # type: ignore[arg-type]


def test_an_agency_account_is_scoped_to_its_agency_whatever_its_role_may_switch() -> None:
    assert _caller().scope == CountryScope.everywhere()
    scope = _caller(agency_id=7).scope
    assert scope == CountryScope.of_agency(7) and not scope.is_everywhere
    assert scope.includes_agency(7) and not scope.includes_agency(8)
    assert CountryScope.only("VN").includes_agency(8)


def test_the_root_cause_lists_the_withholding_allotments_largest_first() -> None:
    def night(contract: int, code: str, withheld: int, picked: int = 0) -> AllotmentOnNight:
        return AllotmentOnNight(contract, f"C{contract}", contract * 10, code, f"Agency {code}", withheld, picked)

    cause = allotments_root_cause([night(1, "A", 1), night(2, "B", 3, 2), night(3, "C", 0, 4)])
    assert cause["allotments_withheld"] == 4
    assert [(a["agency_code"], a["withheld"], a["picked_up"]) for a in cause["allotments"]] == [
        ("B", 3, 2),
        ("A", 1, 0),
    ]
    assert allotments_sentence(cause) == " Withheld for agencies: B (C2): 3, A (C1): 1."
    empty = allotments_root_cause([night(3, "C", 0, 4)])
    assert empty == {"allotments_withheld": 0, "allotments": []} and allotments_sentence(empty) == ""
