"""PTX Channel Manager: the one Chalice app behind every Lambda function.

API routes live in blueprints under chalicelib/api; this module wires them, and declares the
scheduled and SQS handlers, each a few lines: parse the event, call one service, return.
Importing it does no I/O (``chalice package`` and the test client import it).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from chalice.app import Chalice, CloudWatchEvent, Rate, Response, SQSEvent, WebsocketEvent

from chalicelib.api import (
    agencies,
    agency_access,
    agency_bookings,
    alerts,
    audit,
    auth,
    booking_statuses,
    bookings,
    calendar,
    contracts,
    dashboard,
    docs,
    hardblock_bulk,
    hardblock_pickups,
    hardblocks,
    health,
    live,
    ota_accounts,
    ota_connections,
    properties,
    rate_plans,
    roles,
    settings,
    suppliers,
    sync,
    users,
    webhooks,
)
from chalicelib.api.middleware import add_response_observer, event_middleware, http_middleware
from chalicelib.aws.resources import ARI_PUSH_QUEUE, HEARTBEAT_QUEUE, SYNC_JOBS_QUEUE
from chalicelib.services import (
    ari_push_service,
    heartbeat_service,
    housekeeping_service,
    live_service,
    property_sync_service,
    sync_dispatch_service,
)

app = Chalice(app_name="ptx-channel-manager")
app.experimental_feature_flags.update(["WEBSOCKETS"])

app.register_middleware(http_middleware, "http")
for _event_type in ("scheduled", "sqs", "pure_lambda", "websocket"):
    app.register_middleware(event_middleware, _event_type)

add_response_observer(audit.record_request_activity)

app.register_blueprint(health.blueprint)
app.register_blueprint(docs.blueprint)
app.register_blueprint(auth.blueprint)
app.register_blueprint(users.blueprint)
app.register_blueprint(roles.blueprint)
app.register_blueprint(audit.blueprint)
app.register_blueprint(properties.blueprint)
app.register_blueprint(calendar.blueprint)
app.register_blueprint(rate_plans.blueprint)
app.register_blueprint(suppliers.blueprint)
app.register_blueprint(agencies.blueprint)
app.register_blueprint(agency_access.blueprint)
app.register_blueprint(contracts.blueprint)
app.register_blueprint(hardblocks.blueprint)
app.register_blueprint(hardblock_bulk.blueprint)
app.register_blueprint(hardblock_pickups.blueprint)
app.register_blueprint(agency_bookings.blueprint)
app.register_blueprint(settings.blueprint)
app.register_blueprint(ota_accounts.blueprint)
app.register_blueprint(ota_connections.blueprint)
app.register_blueprint(bookings.blueprint)
app.register_blueprint(booking_statuses.blueprint)
app.register_blueprint(alerts.blueprint)
app.register_blueprint(sync.blueprint)
app.register_blueprint(dashboard.blueprint)
app.register_blueprint(webhooks.blueprint)
app.register_blueprint(live.blueprint)


# --- the built-in heartbeat: schedule → SQS → worker ------------------------------------------
@app.schedule(Rate(1, unit=Rate.MINUTES), name="heartbeat", description="Emit a heartbeat message")
def heartbeat(event: CloudWatchEvent) -> None:
    heartbeat_service.emit_heartbeat(source="schedule")


@app.on_sqs_message(queue=HEARTBEAT_QUEUE.name, batch_size=10, name="heartbeat_worker")
def heartbeat_worker(event: SQSEvent) -> PartialItemFailureResponse:
    return heartbeat_service.handle_heartbeat_batch(event.to_dict(), event.context)


# --- housekeeping: prompt upkeep every minute, slow upkeep every hour ------------------------------
@app.schedule(
    Rate(1, unit=Rate.MINUTES), name="housekeeping", description="Expire holds, relay the outbox, wake alerts"
)
def housekeeping(event: CloudWatchEvent) -> dict[str, dict[str, Any]]:
    return housekeeping_service.run_tasks(housekeeping_service.MINUTELY_TASKS)


@app.schedule(Rate(1, unit=Rate.HOURS), name="hourly_upkeep", description="Extend calendars, purge spent tokens")
def hourly_upkeep(event: CloudWatchEvent) -> dict[str, dict[str, Any]]:
    return housekeeping_service.run_tasks(housekeeping_service.HOURLY_TASKS)


# --- database migrations, invoked once per deploy from inside the VPC --------------------------
@app.lambda_function(name="migrate")
def migrate(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from chalicelib.db import migrate as migrations
    from chalicelib.db.engine import database_url

    url = database_url()
    migrations.upgrade(url, str(event.get("revision", "head")))
    return {"revision": migrations.current_revision(url), "head": migrations.head_revision()}


# --- sync engine: dispatch and pull ---------------------------------------------------------------
@app.schedule(Rate(1, unit=Rate.MINUTES), name="sync_dispatch", description="Enqueue a sync job per property due")
def sync_dispatch(event: CloudWatchEvent) -> dict[str, int]:
    return asdict(sync_dispatch_service.dispatch_due())


@app.on_sqs_message(queue=SYNC_JOBS_QUEUE.name, batch_size=5, name="property_sync_worker")
def property_sync_worker(event: SQSEvent) -> PartialItemFailureResponse:
    return property_sync_service.handle_sync_jobs_batch(event.to_dict(), event.context)


# --- sync engine: ARI push ---------------------------------------------------------------------
@app.on_sqs_message(queue=ARI_PUSH_QUEUE.name, batch_size=10, name="ari_push_worker")
def ari_push_worker(event: SQSEvent) -> PartialItemFailureResponse:
    return ari_push_service.handle_ari_push_batch(event.to_dict(), event.context)


@app.schedule(
    Rate(15, unit=Rate.MINUTES), name="nightly_ari_resync", description="Full ARI push after each property's midnight"
)
def nightly_ari_resync(event: CloudWatchEvent) -> dict[str, int]:
    return ari_push_service.enqueue_nightly_full_pushes()


# --- live updates: the WebSocket API (API Gateway), messages posted by the outbox relay -------------
@app.on_ws_connect(name="live_connect")
def live_connect(event: WebsocketEvent) -> Response | None:
    # The ticket is read here and never logged: API Gateway's event is not logged either.
    query = event.to_dict().get("queryStringParameters") or {}
    if not live_service.connect(event.connection_id, query.get("ticket")):
        return Response(body="", status_code=401)
    return None


@app.on_ws_disconnect(name="live_disconnect")
def live_disconnect(event: WebsocketEvent) -> None:
    live_service.disconnect(event.connection_id)


@app.on_ws_message(name="live_message")
def live_message(event: WebsocketEvent) -> None:
    """Clients only listen; what they send (a keep-alive: API Gateway drops a connection idle for
    10 minutes) is ignored."""
