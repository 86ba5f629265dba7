"""Operations: the official calendar (years loaded by administrators) and background-job incidents."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from workflow_app.entrypoints.api.common import current_principal, db
from workflow_app.entrypoints.api.schemas import ProblemSchema
from workflow_app.platform.deadlines import calendar_years as calendar
from workflow_app.platform.errors import Forbidden, Invalid
from workflow_app.platform.identity import access
from workflow_app.platform.jobs import timers
from workflow_app.platform.messaging import outbox as messaging
from workflow_app.platform.persistence.database import in_transaction

blp = Blueprint("operations", __name__, url_prefix="/api", description="Calendar and incidents")


class CalendarYearSchema(Schema):
    year = fields.Integer()
    region = fields.String()
    version = fields.Integer()
    source = fields.String()
    loaded_at = fields.DateTime()
    loaded_by = fields.String()


class CalendarStatusSchema(Schema):
    today = fields.Date()
    current_year = fields.Integer()
    next_year = fields.Integer()
    covered_until = fields.Integer(allow_none=True)
    missing = fields.List(fields.Integer(), metadata={"description": "this and next year, where not loaded"})
    warning = fields.String(allow_none=True, metadata={
        "description": "from 1 October: next year's national calendar is not loaded (Chinese)"})
    warning_detail = fields.String(allow_none=True)


class CalendarDocumentSchema(Schema):
    year = fields.Integer(required=True)
    version = fields.Integer(required=True)
    source = fields.String(required=True)
    region = fields.String()
    note = fields.String()
    holidays = fields.List(fields.Dict(), required=True)
    adjusted_workdays = fields.List(fields.String(), required=True)


class IncidentSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    ref_id = fields.Integer()
    instance_id = fields.Integer(allow_none=True)
    business_key = fields.String(allow_none=True)
    error = fields.String()
    attempts = fields.Integer()
    created_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    resolved_by = fields.String(allow_none=True)


@blp.route("/calendar/years")
@blp.response(200, CalendarYearSchema(many=True))
def list_years():
    """Years the official calendar covers: built-in ones (version 0) and loaded ones."""
    current_principal()
    return in_transaction(db(), calendar.years)


@blp.route("/calendar/status")
@blp.response(200, CalendarStatusSchema)
def calendar_status():
    """Which of this and next year lack calendar data; from 1 October a warning when next year is missing
    (deadlines there are provisional, docs/deadlines.md)."""
    current_principal()
    return in_transaction(db(), calendar.status)


@blp.route("/calendar/years", methods=["POST"])
@blp.doc(requestBody={"content": {"application/json": {"schema": CalendarDocumentSchema}}})
@blp.response(201, CalendarYearSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(409, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def load_year():
    """Load a year's official holiday arrangement (or a regional override). Administrators only.

    The document is validated strictly; a year already loaded can only be replaced by a higher version.
    """
    principal = current_principal()
    access.require_admin(principal)
    document = request.get_json(silent=True)
    if document is None:
        raise Invalid("请以JSON提交日历数据", "body must be a JSON calendar document", errors={"document": "不是JSON"})

    def run(s):
        row = calendar.load(s, document, principal.username)  # this process computes with it at once
        return {"year": row.year, "region": row.region, "version": row.version, "source": row.source,
                "loaded_at": row.loaded_at, "loaded_by": row.loaded_by}
    result = in_transaction(db(), run)
    return result, 201


def _incident(i) -> dict:
    return {c: getattr(i, c) for c in ("id", "kind", "ref_id", "instance_id", "business_key", "error", "attempts",
                                        "created_at", "resolved_at", "resolved_by")}


@blp.route("/incidents")
@blp.response(200, IncidentSchema(many=True))
@blp.alt_response(403, schema=ProblemSchema)
def list_incidents():
    """Open incidents: background jobs that failed after their retries. Administrators only."""
    principal = current_principal()
    access.require_admin(principal)
    return in_transaction(db(), lambda s: [_incident(i) for i in timers.list_incidents(s)])


@blp.route("/incidents/<int:incident_id>/retry", methods=["POST"])
@blp.response(200, IncidentSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(404, schema=ProblemSchema)
@blp.alt_response(409, schema=ProblemSchema)
def retry_incident(incident_id):
    """Put the failed job back in the queue (attempts reset); the worker picks it up on its next pass."""
    principal = current_principal()
    access.require_admin(principal)
    return in_transaction(db(), lambda s: _incident(timers.retry_incident(s, incident_id, principal.username)))


class MessageInSchema(Schema):
    name = fields.String(required=True)
    correlation_key = fields.String(load_default=None, allow_none=True)
    payload = fields.Dict(keys=fields.String(), load_default=dict)


class MessageOutSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    correlation_key = fields.String()
    status = fields.String()


@blp.route("/messages", methods=["POST"])
@blp.arguments(MessageInSchema)
@blp.response(202, MessageOutSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def send_message(args):
    """Queue a message for the instance waiting with this correlation key (or a process it starts).

    For external parties recorded by liaison officers and for integrations; delivery is asynchronous.
    """
    principal = current_principal()
    if not (principal.is_admin or principal.has_role("liaison_officer")):
        raise Forbidden("只有联络员或管理员可以发送案件消息", "requires liaison_officer or administrator")

    def run(s):
        row = messaging.send(s, principal, args["name"], args["correlation_key"], args["payload"])
        return {"id": row.id, "name": row.message_name, "correlation_key": row.correlation_key, "status": row.status}
    return in_transaction(db(), run)
