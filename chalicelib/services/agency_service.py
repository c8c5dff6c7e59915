"""Travel agencies (B2B partners): one country each (scoping), contacts, status and credit terms.

Every write is audited in its transaction. An agency with contracts cannot be deleted (409): close
it (``status: closed``) instead, so its contracts and their history stay readable.
"""

from __future__ import annotations

from typing import Any

from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.allotment_records import AGENCY_FIELDS, AgencyRecord
from chalicelib.domain.errors import Conflict, InvalidInput, existing
from chalicelib.domain.money import check_amount, validate_currency
from chalicelib.services.audit_service import AuditedKind
from chalicelib.services.ports import UnitOfWork, UnitOfWorkFactory
from chalicelib.services.property_service import check_country
from chalicelib.services.scoped_reads import page_reader, record_reader


def find_agency(work: UnitOfWork, caller: Caller, agency_id: int, *, for_update: bool = False) -> AgencyRecord:
    """The agency if the caller's scope includes its country; NotFound otherwise."""
    return existing(work.allotments.get_agency(caller.scope, agency_id, for_update=for_update), "No such agency.")


def _check_credit(values: dict[str, Any]) -> None:
    """A credit limit needs its currency, and fits that currency's decimals."""
    limit, currency = values.get("credit_limit"), values.get("credit_currency")
    if currency is not None:
        validate_currency(currency, field="credit_currency")
    if limit is not None:
        if currency is None:
            raise InvalidInput(
                "credit_currency: a credit limit needs its currency",
                details=[{"field": "credit_currency", "message": "required with credit_limit"}],
            )
        values["credit_limit"] = check_amount(limit, currency, field="credit_limit")


AGENCY_AUDIT = AuditedKind("agency", AGENCY_FIELDS)


list_agencies = page_reader(lambda work: work.allotments.agency_page)  # by name
get_agency = record_reader(find_agency)


def create_agency(caller: Caller, fields: dict[str, Any], *, uow: UnitOfWorkFactory = unit_of_work) -> AgencyRecord:
    """Create an agency of a country in the caller's scope (the code is unique: 409 ``code`` otherwise)."""
    values = dict(fields)
    _check_credit(values)
    with uow() as work:
        values["country_code"] = check_country(work, caller, values["country_code"])
        agency = work.allotments.add_agency(values)
        AGENCY_AUDIT.created(work.audit, caller, agency, country_code=agency.country_code)
        return agency


def update_agency(
    caller: Caller, agency_id: int, changes: dict[str, Any], *, uow: UnitOfWorkFactory = unit_of_work
) -> AgencyRecord:
    """Edit an agency; an unchanged edit writes no audit row."""
    with uow() as work:
        agency = find_agency(work, caller, agency_id, for_update=True)
        before = AGENCY_AUDIT.snapshot(agency)
        merged = {"credit_limit": agency.credit_limit, "credit_currency": agency.credit_currency, **changes}
        _check_credit(merged)
        values = {name: merged[name] for name in changes}
        if "credit_limit" in values or "credit_currency" in values:
            values["credit_limit"], values["credit_currency"] = merged["credit_limit"], merged["credit_currency"]
        if "country_code" in values:
            values["country_code"] = check_country(work, caller, values["country_code"])
        agency = work.allotments.update_agency(agency.id, values)
        AGENCY_AUDIT.updated(work.audit, caller, before, agency, country_code=agency.country_code)
        return agency


def delete_agency(caller: Caller, agency_id: int, *, uow: UnitOfWorkFactory = unit_of_work) -> None:
    """Delete an agency that has no contracts (audited); one with contracts is a 409 (close it instead)."""
    with uow() as work:
        agency = find_agency(work, caller, agency_id, for_update=True)
        if work.allotments.agency_has_contracts(agency.id):
            raise Conflict(
                "The agency has contracts: close it (status closed) instead of deleting it.",
                details=[{"field": "agency_id", "message": "has contracts"}],
            )
        work.allotments.delete_agency(agency.id)
        AGENCY_AUDIT.deleted(work.audit, caller, agency, country_code=agency.country_code)
