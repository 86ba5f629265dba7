"""The documents pages (docs/documents.md): a case's issued documents with their service records, the
"生成文书" form and the service form (a fragment the case page loads with htmx), the 登记回执 of a
registration on its page, downloads of the DOCX and PDF."""
from __future__ import annotations

from datetime import date, datetime

from flask import render_template, request
from flask_babel import gettext as _

from workflow_app.domain.intake import queries as intake_queries
from workflow_app.domain.intake import receipt_document
from workflow_app.entrypoints.api.common import db
from workflow_app.entrypoints.api.documents import download_response
from workflow_app.entrypoints.web.common import bp, principal
from workflow_app.platform import clock
from workflow_app.platform.documents import issuing, service, templates
from workflow_app.platform.errors import Invalid, NotFound
from workflow_app.platform.persistence.database import in_transaction


def _case_context(s, p, instance_id: int, errors: dict | None = None, values: dict | None = None,
                  message: str | None = None) -> dict:
    return {"instance_id": instance_id, "documents": issuing.list_for_instance(s, p, instance_id),
            "issuable": issuing.issuable_types(s, p, instance_id),
            "methods": list(templates.service_methods().values()), "today": clock.today_local().isoformat(),
            "errors": errors or {}, "v": values or {}, "message": message}


def _render_case(instance_id: int, status: int = 200, **extra):
    p = principal()
    ctx = in_transaction(db(), lambda s: _case_context(s, p, instance_id, **extra))
    return render_template("web/documents/_documents_list.html", **ctx), status


@bp.route("/cases/<int:instance_id>/documents")
def case_documents(instance_id):
    """The documents section of a case page (loaded by ``_case_documents.html``)."""
    return _render_case(instance_id)


@bp.route("/cases/<int:instance_id>/documents", methods=["POST"])
def issue_case_document(instance_id):
    p = principal()
    doc_type, subject = request.form.get("doc_type", ""), request.form.get("subject") or None
    try:
        number = in_transaction(db(), lambda s: issuing.issue_for_case(s, p, instance_id, doc_type, subject).number)
    except Invalid as exc:
        return _render_case(instance_id, 422, errors={"issue": exc.message})
    return _render_case(instance_id, message=_("已生成文书 %(number)s", number=number))


def _day(text: str | None) -> date:
    try:
        value = clock.parse_day_or_instant(text or "")
    except (ValueError, TypeError):
        value = None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise Invalid("送达日期格式应为YYYY-MM-DD", "served_on must be a date (YYYY-MM-DD)",
                      errors={"served_on": "送达日期格式应为YYYY-MM-DD"})
    return value


@bp.route("/documents/<int:document_id>/services", methods=["POST"])
def record_document_service(document_id):
    p = principal()
    form = request.form
    upload = request.files.get("proof")
    data = upload.read() if upload and upload.filename else None

    instance_id = in_transaction(db(), lambda s: issuing.get(s, p, document_id).instance_id)
    try:
        served_on = _day(form.get("served_on"))
        in_transaction(db(), lambda s: service.record_service(
            s, p, document_id, served_on=served_on, method=form.get("method", ""),
            recipient=form.get("recipient", ""), note=form.get("note"),
            proof_filename=upload.filename if data else None, proof_data=data))
    except Invalid as exc:
        extra = {"errors": {f"service-{document_id}": exc.message},
                 "values": {**form.to_dict(), "document_id": document_id}}
        return _render_view(form, instance_id, 422, **extra)
    return _render_view(form, instance_id, message=_("已登记送达"))


def _render_view(form, instance_id: int, status: int = 200, **extra):
    """The fragment the service form was on: the registration's receipts, or the case's documents."""
    complaint_id = form.get("complaint_id", type=int)
    if form.get("view") == "receipt" and complaint_id:
        return _render_receipt(complaint_id, status, **extra)
    return _render_case(instance_id, status, **extra)


@bp.route("/documents/<int:document_id>/file.<string:fmt>")
def document_download(document_id, fmt):
    p = principal()
    attachment, content = in_transaction(db(), lambda s: issuing.document_file(s, p, document_id, fmt))
    return download_response(attachment, content)


# ------------------------------------------------------------------------------------------------
# The receipt on the registration's page
# ------------------------------------------------------------------------------------------------

def _receipt_context(s, p, complaint_id: int, errors: dict | None = None, values: dict | None = None,
                     message: str | None = None) -> dict:
    complaint = intake_queries.visible_complaint(s, p, complaint_id)
    docs, can_issue = [], False
    instance_id = receipt_document.receipt_instance_id(s, complaint)
    if instance_id:
        try:
            docs = issuing.list_for_instance(s, p, instance_id, receipt_document.DOC_TYPE,
                                             context_has={"receipt_number": complaint.number})
            can_issue = any(t["code"] == receipt_document.DOC_TYPE for t in issuing.issuable_types(s, p, instance_id))
        except NotFound:  # sees the registration, not its triage case, and issues no receipt: nothing to show
            pass
    return {"complaint_id": complaint.id, "documents": docs, "can_issue": can_issue, "message": message,
            "errors": errors or {},
            "v": values or {}, "methods": list(templates.service_methods().values()),
            "today": clock.today_local().isoformat()}


def _render_receipt(complaint_id: int, status: int = 200, **extra):
    p = principal()
    ctx = in_transaction(db(), lambda s: _receipt_context(s, p, complaint_id, **extra))
    return render_template("web/documents/_receipt_documents.html", **ctx), status


@bp.route("/intake/complaints/<int:complaint_id>/receipt-documents")
def receipt_documents(complaint_id):
    return _render_receipt(complaint_id)


@bp.route("/intake/complaints/<int:complaint_id>/receipt-documents", methods=["POST"])
def issue_receipt_document(complaint_id):
    p = principal()
    number = in_transaction(db(), lambda s: receipt_document.issue_receipt(s, p, complaint_id).number)
    return _render_receipt(complaint_id, message=_("已生成登记回执 %(number)s", number=number))
