"""The joint-hearing pages (联合会商, docs/ui.md "Joint hearings"): the hearings a person takes part in or that
concern their bodies, one hearing with the three bodies' opinions side by side and its conclusion, and the
"提请联合会商" form of a case or registration. The steps themselves (opinions, schedule, minutes, conclusion)
are the hearing's user tasks: the hearing page links to their task pages."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from workflow_app.domain.collaboration import hearing_views
from workflow_app.domain.vocabulary import HEARING_STATUS_LABELS
from workflow_app.entrypoints.api.common import db
from workflow_app.entrypoints.web.common import bp, error_text, principal
from workflow_app.platform.errors import Invalid
from workflow_app.platform.organisation import N_
from workflow_app.platform.persistence.database import in_transaction

#: The confirmation the hearing page shows after the request (``?msg=requested``).
REQUESTED = N_("已提请联合会商，已向监察、稽核、仲裁三方征求书面意见")


@bp.route("/joint-hearings")
def hearings_page():
    p = principal()
    status = request.args.get("status") or None
    rows = in_transaction(db(), lambda s: hearing_views.visible_hearings(s, p, status))
    return render_template("web/hearings/hearings.html", rows=rows, statuses=HEARING_STATUS_LABELS,
                           status=status if status in HEARING_STATUS_LABELS else None)


@bp.route("/joint-hearings/<int:hearing_id>")
def hearing_page(hearing_id):
    p = principal()
    ctx = in_transaction(db(), lambda s: hearing_views.hearing_page(s, p, hearing_id))
    return render_template("web/hearings/hearing.html",
                           confirmation=REQUESTED if request.args.get("msg") == "requested" else None, **ctx)


@bp.route("/cases/<int:instance_id>/joint-hearing/new", methods=["GET", "POST"])
def new_hearing(instance_id):
    p = principal()
    reason, error = "", None
    if request.method == "POST":
        reason = (request.form.get("reason") or "").strip()
        try:
            hearing_id = in_transaction(db(), lambda s: hearing_views.start_from_instance(s, p, instance_id, reason).id)
            return redirect(url_for("web.hearing_page", hearing_id=hearing_id, msg="requested"), 303)
        except Invalid as exc:
            error = error_text(exc)
    ctx = in_transaction(db(), lambda s: hearing_views.request_subject(s, p, instance_id))
    status = 422 if error else (200 if ctx["may_request"] else 403)
    return render_template("web/hearings/new.html", reason=reason, error=error, **ctx), status
