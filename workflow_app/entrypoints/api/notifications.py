"""The caller's own notifications (docs/deadlines.md "Notifications")."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from workflow_app.entrypoints.api.common import current_principal, db
from workflow_app.entrypoints.api.schemas import ProblemSchema
from workflow_app.platform.notifications import inbox as notifications
from workflow_app.platform.persistence.database import in_transaction

blp = Blueprint("notifications", __name__, url_prefix="/api", description="Notifications")


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "deadline.moved, timer.late, timer.provisional, clock.remind, "
                                                  "clock.escalate …"})
    title = fields.String()
    body = fields.String()
    instance_id = fields.Integer(allow_none=True)
    business_key = fields.String(allow_none=True)
    task_id = fields.String(allow_none=True)
    link = fields.String(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class NotificationPageSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    total = fields.Integer()
    unread = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class NotificationQuerySchema(Schema):
    unread = fields.Boolean(load_default=False)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=notifications.MAX_PAGE))


class ReadAllSchema(Schema):
    marked = fields.Integer()


def as_dict(row) -> dict:
    return {f: getattr(row, f) for f in NotificationSchema().fields}


@blp.route("/notifications")
@blp.arguments(NotificationQuerySchema, location="query")
@blp.response(200, NotificationPageSchema)
@blp.alt_response(422, schema=ProblemSchema)
def list_notifications(args):
    """The caller's notifications, newest first (``unread=true``: only unread); ``unread`` is the count."""
    principal = current_principal()

    def run(s):
        rows, total, unread = notifications.list_for(s, principal, args["unread"], args["page"], args["per_page"])
        return {"items": [as_dict(r) for r in rows], "total": total, "unread": unread, "page": args["page"],
                "per_page": args["per_page"]}
    return in_transaction(db(), run)


@blp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@blp.response(200, NotificationSchema)
@blp.alt_response(404, schema=ProblemSchema)
def mark_read(notification_id):
    """Mark one of the caller's notifications read."""
    principal = current_principal()
    return in_transaction(db(), lambda s: as_dict(notifications.mark_read(s, principal, notification_id)))


@blp.route("/notifications/read-all", methods=["POST"])
@blp.response(200, ReadAllSchema)
def mark_all_read():
    """Mark all the caller's notifications read."""
    principal = current_principal()
    return in_transaction(db(), lambda s: {"marked": notifications.mark_all_read(s, principal)})
