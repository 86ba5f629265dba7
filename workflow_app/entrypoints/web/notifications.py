"""Pages of the notification facility and the page-header additions of docs/deadlines.md: the bell with
the unread count, the notifications page, and the administrators' banner when next year's calendar is not
loaded. Its own blueprint (``notify``), its templates in ``templates/web/notifications/``."""
from __future__ import annotations

import logging

from flask import Blueprint, g, redirect, render_template, request, url_for

from workflow_app.entrypoints.api.common import db
from workflow_app.entrypoints.web.common import principal
from workflow_app.platform.deadlines import calendar_years as calendar
from workflow_app.platform.notifications import inbox as notifications
from workflow_app.platform.persistence.database import in_transaction

log = logging.getLogger(__name__)

bp = Blueprint("notify", __name__, template_folder="templates")


@bp.app_context_processor
def _header():
    """Unread count for the bell; the calendar warning for administrators (from 1 October)."""
    p = g.get("principal")
    if p is None:
        return {}

    def run(s):
        out = {"unread_notifications": notifications.unread_count(s, p)}
        if p.is_admin:
            out["calendar_warning_years"] = calendar.status(s)["warning_years"]
        return out
    try:
        return in_transaction(db(), run)
    except Exception:  # the header must never turn a page (or an error page) into a 500
        log.exception("page header data unavailable")
        return {}


@bp.route("/notifications")
def notifications_page():
    p = principal()
    unread_only = request.args.get("unread") == "1"

    def run(s):
        rows, total, unread = notifications.list_for(s, p, unread_only, per_page=notifications.MAX_PAGE)
        return {"items": rows, "total": total, "unread": unread}
    return render_template("web/notifications/notifications.html", unread_only=unread_only, **in_transaction(db(), run))


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
def read(notification_id):
    p = principal()
    row = in_transaction(db(), lambda s: notifications.mark_read(s, p, notification_id))
    target = row.link if request.form.get("open") and row.link and row.link.startswith("/") \
        and not row.link.startswith("//") else url_for("notify.notifications_page")
    return redirect(target, 303)


@bp.route("/notifications/read-all", methods=["POST"])
def read_all():
    p = principal()
    in_transaction(db(), lambda s: notifications.mark_all_read(s, p))
    return redirect(url_for("notify.notifications_page"), 303)
