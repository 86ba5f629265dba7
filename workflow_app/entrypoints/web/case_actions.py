"""The forms behind the case page's action bar (docs/ui.md "Case actions"): 移送, 通报 and 协助请求
(``transfers.create_transfer``), 紧急/快速处理 (``emergencies.declare``) and 挂牌督办 (``emergencies.supervise``).

A form page opens only when the action is allowed now (``domain/cases/case_actions.require``: otherwise the
service's own error page). On submit the service starts the existing process; a refusal (invalid input, a
transfer already running) re-shows the form with the Chinese reason and changes nothing (the transaction is
rolled back); success returns to the case page with a confirmation. The 联合会商 and 移送公安 pages are other
areas' (``/cases/<id>/joint-hearing/new``, ``/cases/<id>/police-transfer/new``).
"""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from workflow_app.domain.cases import case_actions
from workflow_app.domain.collaboration import emergencies, transfers
from workflow_app.domain.collaboration.common import invalid
from workflow_app.domain.vocabulary import ASSISTANCE_LABELS
from workflow_app.entrypoints.api.common import db
from workflow_app.entrypoints.web.common import bp, error_text, principal
from workflow_app.platform.errors import DomainError, Forbidden, NotFound
from workflow_app.platform.organisation import N_
from workflow_app.platform.persistence.database import in_transaction

#: The request forms: action key -> (transfer kind, page title).
REQUESTS = {
    "transfer": ("transfer", N_("案件移送")),
    "notify": ("notification", N_("通报")),
    "assistance": ("assistance", N_("协助请求")),
}
#: The deadlines a supervising leader chooses from (``emergencies.supervise`` takes any rule; the page offers
#: the usual ones rather than a rule to type).
SUPERVISION_DEADLINES = {"15WD": N_("15个工作日"), "30WD": N_("30个工作日"), "60WD": N_("60个工作日")}


def _case_view(case) -> dict:
    return {"instance_id": case.instance_id, "number": case.number, "employer_name": case.employer_name,
            "body": case.body, "urgent": bool(case.urgent)}


def _refused(error: DomainError) -> bool:
    """Errors that re-show the form (the input or the case's state); the others are the error page's."""
    return not isinstance(error, (NotFound, Forbidden))


def _form_answer(template: str, instance_id: int, key: str, values: dict, error: DomainError | None, extra=None):
    p = principal()

    def run(s):
        # A refused submission re-shows the form with the reason even when the refusal is the case's state
        # (a transfer started meanwhile); a fresh form opens only when the action is allowed now.
        case = case_actions.case_of(s, p, instance_id) if error is not None else None
        if case is None:
            case = case_actions.require(s, p, instance_id, key)
        return {"case": _case_view(case), **(extra(s, case) if extra else {})}
    ctx = in_transaction(db(), run)
    errors = (error.extra.get("errors") or {}) if error is not None else {}
    return render_template(template, action=key, values=values, error_message=error_text(error) if error else None,
                           errors=errors, **ctx), (error.status if error is not None else 200)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@bp.route("/cases/<int:instance_id>/actions/<any(transfer, notify, assistance):action>", methods=["GET", "POST"])
def case_request_page(instance_id, action):
    """移送 / 通报 / 协助请求 from a case: the receiving body (the bureau tree's bodies by name), reason,
    materials, the case's files it carries; starts ``transfer_send`` (the liaison officer packages it next)."""
    kind, _title = REQUESTS[action]

    def options(s, case):
        return {"targets": case_actions.target_bodies(s, case), "kind": kind, "title": _title,
                "assist_labels": ASSISTANCE_LABELS}
    if request.method == "GET":
        return _form_answer("web/case_actions/request.html", instance_id, action, {}, None, options)
    p = principal()
    form = request.form
    values = {"target": form.get("target", ""), "reason": form.get("reason", ""),
              "materials": form.get("materials", ""), "assist_type": form.get("assist_type", ""),
              "attachments": [a for a in form.getlist("attachments") if a]}

    def run(s):
        case = case_actions.require(s, p, instance_id, action)
        target = case_actions.parse_target(values["target"], case_actions.target_bodies(s, case))
        if target is None:
            raise invalid("to_body", "请选择接收机构")
        try:
            attachment_ids = [int(a) for a in values["attachments"]]
        except ValueError:
            raise invalid("attachments", "请选择本案的附件") from None
        data = {"kind": kind, "to_bureau": target[0], "to_body": target[1], "reason": values["reason"],
                "materials": _lines(values["materials"]), "attachments": attachment_ids,
                "assist_type": values["assist_type"] or None}
        return transfers.create_transfer(s, p, case.id, data).number
    try:
        in_transaction(db(), run)
    except DomainError as error:
        if not _refused(error):
            raise
        return _form_answer("web/case_actions/request.html", instance_id, action, values, error, options)
    return redirect(url_for("web.case_page", instance_id=instance_id, msg="request_started") + "#collaboration")


@bp.route("/cases/<int:instance_id>/actions/emergency", methods=["GET", "POST"])
def case_emergency_page(instance_id):
    """紧急/快速处理: the kind, the facts, optionally an ad-hoc liaison meeting (``emergencies.declare``)."""
    extra = lambda s, case: {"kinds": emergencies.EMERGENCY_KINDS}  # noqa: E731
    if request.method == "GET":
        return _form_answer("web/case_actions/emergency.html", instance_id, "emergency", {}, None, extra)
    p = principal()
    values = {"kind": request.form.get("kind", ""), "description": request.form.get("description", ""),
              "convene_meeting": request.form.get("convene_meeting") == "1"}

    def run(s):
        case = case_actions.require(s, p, instance_id, "emergency")
        return emergencies.declare(s, p, case.id, values)
    try:
        in_transaction(db(), run)
    except DomainError as error:
        if not _refused(error):
            raise
        return _form_answer("web/case_actions/emergency.html", instance_id, "emergency", values, error, extra)
    return redirect(url_for("web.case_page", instance_id=instance_id, msg="emergency_declared"))


@bp.route("/cases/<int:instance_id>/actions/supervision", methods=["GET", "POST"])
def case_supervision_page(instance_id):
    """挂牌督办 by the higher level's leadership: the reason and the deadline (``emergencies.supervise``)."""
    extra = lambda s, case: {"deadlines": SUPERVISION_DEADLINES}  # noqa: E731
    if request.method == "GET":
        return _form_answer("web/case_actions/supervision.html", instance_id, "supervision",
                            {"deadline_rule": "30WD"}, None, extra)
    p = principal()
    values = {"reason": request.form.get("reason", ""), "deadline_rule": request.form.get("deadline_rule", "")}

    def run(s):
        case = case_actions.require(s, p, instance_id, "supervision")
        if values["deadline_rule"] not in SUPERVISION_DEADLINES:
            raise invalid("deadline_rule", "请选择督办期限")
        return emergencies.supervise(s, p, case.id, values).id
    try:
        in_transaction(db(), run)
    except DomainError as error:
        if not _refused(error):
            raise
        return _form_answer("web/case_actions/supervision.html", instance_id, "supervision", values, error, extra)
    return redirect(url_for("web.case_page", instance_id=instance_id, msg="supervised"))
