"""Database refusals the API answers as 4xx, decided from the error's fields, never its message.

A unique violation that slipped past a service's own check (two identical creates at once: both
checked "free", one insert wins) is a 409 naming the field, looked up by the constraint's name in
:data:`UNIQUE_FIELDS`; the database is the arbiter, so no race ends in a 500. A new unique
constraint a client can hit belongs in that registry (a unit test checks every entry exists in
the schema, and an integration test races the creates it protects).
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from chalicelib.api.errors import ApiError
from chalicelib.observability import database_error_fields, logger

# Constraint (or unique index) name -> (field, what clashed).
UNIQUE_FIELDS: dict[str, tuple[str, str]] = {
    "uq_properties_code": ("body.code", "a property with this code already exists"),
    "uq_room_types_property_code": ("body.code", "this property already has a room type with this code"),
    "uq_rate_plans_room_type_code": ("body.code", "this room type already has a rate plan with this code"),
    "uq_roles_name": ("body.name", "a role with this name already exists"),
    "uq_users_email_lower": ("body.email", "an account with this email already exists"),
    "uq_booking_statuses_code": ("body.code", "a booking status with this code already exists"),
    "uq_booking_status_transitions_from_to": ("body.to_status_id", "this transition already exists"),
    "uq_ota_accounts_country_ota_name": ("body.name", "an account of this OTA with this name already exists"),
    "uq_ota_connections_account_hotel": ("body.ota_hotel_id", "this OTA hotel is already connected"),
    "uq_ota_connections_property_account": ("body.property_id", "this property already has a connection"),
    "uq_room_type_mappings_connection_room_type": ("body.room_type_id", "this room type is already mapped"),
    "uq_room_type_mappings_connection_ota_room": ("body.ota_room_id", "this OTA room is already mapped"),
    "uq_rate_plan_mappings_connection_rate_plan": ("body.rate_plan_id", "this rate plan is already mapped"),
    "uq_agencies_code": ("body.code", "an agency with this code already exists"),
    "uq_idempotency_keys_user_key": ("header.Idempotency-Key", "this key is being used by another request"),
}

UNIQUE_VIOLATION = "23505"
FOREIGN_KEY_VIOLATION = "23503"
CHECK_VIOLATION = "23514"
DATA_EXCEPTION_CLASS = "22"


def to_api_error(error: DBAPIError) -> ApiError | None:
    """The 4xx for a refusal a client caused, or None (then it is a 500)."""
    fields = database_error_fields(error) or {}
    sqlstate, constraint = fields.get("sqlstate", ""), fields.get("constraint", "")
    if sqlstate == UNIQUE_VIOLATION:
        field, message = UNIQUE_FIELDS.get(constraint, (None, "a record with these values already exists"))
        if field is None:
            logger.warning("unique violation without a registered field", extra={"constraint": constraint})
        details = [{"field": field, "message": message, "type": "unique"}] if field else []
        return ApiError(409, "conflict", message[0].upper() + message[1:] + ".", details=details)
    if sqlstate == FOREIGN_KEY_VIOLATION:
        logger.warning("foreign key violation reached the API", extra=fields)
        return ApiError(409, "conflict", "A record this change refers to, or that refers to it, changed meanwhile.")
    if sqlstate == CHECK_VIOLATION:
        logger.warning("check violation reached the API", extra=fields)
        return ApiError(409, "conflict", "The change breaks a rule of the stored data; nothing was written.")
    if sqlstate.startswith(DATA_EXCEPTION_CLASS):
        logger.warning("database refused a value", extra=fields)
        return ApiError(422, "validation_failed", "A value is out of the range the database can store.")
    return None
