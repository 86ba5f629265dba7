"""The case file of a process instance: what the case page shows, for one visible instance.

* the case and the registration it came from (intake's documents, ``domain/intake/queries.py``);
* the task rows, the audit timeline (the instance's events and those of its business key without an
  instance, e.g. the registration), with actions named by ``platform/audit/action_labels.py``;
* the documents (the registration receipt, every completed task's form) and the linked cases (other cases
  of the same registration, duplicate registrations);
* the statutory clocks. Personal data is masked here like everywhere else.
"""
from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from workflow_app.domain.intake import queries as intake_queries
from workflow_app.domain.intake.models import Case, Complaint
from workflow_app.platform.audit.action_labels import action_label
from workflow_app.platform.deadlines import statutory_clocks as clocks
from workflow_app.platform.identifiers import masking
from workflow_app.platform.identity import access
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.persistence.models import AuditEvent, TaskRow, User

#: The longest timeline a case page shows (oldest first).
MAX_EVENTS = 500


def _display_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(User.username, User.display_name)).all())


def _event_text(event: AuditEvent, tasks: list[TaskRow]) -> str:
    after = event.after or {}
    if event.entity_type == "task":
        name = next((t.name for t in tasks if t.id == event.entity_id), "")
        extra = ""
        if event.action == "task.comment":
            extra = "：" + str(masking.mask_text(after.get("body", "")))[:200]
        elif after.get("assignee"):
            extra = f"（办理人 {after.get('assignee')}）"
        return f"{name}{extra}"
    if event.entity_type == "attachment":  # the file and its short hash (docs/files.md "Hashing and the audit chain")
        return f"{after.get('filename', '')}（SHA-256 {str(after.get('sha256', ''))[:12]}）"
    return ""


def _timeline(session: Session, instance, tasks: list[TaskRow], names: dict[str, str]) -> list[dict]:
    events = session.scalars(select(AuditEvent).where(or_(
        AuditEvent.instance_id == instance.id,
        and_(AuditEvent.business_key == instance.business_key, AuditEvent.instance_id.is_(None))))
        .order_by(AuditEvent.occurred_at, AuditEvent.id).limit(MAX_EVENTS)).all()
    return [{"at": e.occurred_at, "actor": names.get(e.actor, e.actor), "action": action_label(e.action),
             "entity": e.entity_type, "detail": _event_text(e, tasks)} for e in events]


def _documents(session: Session, complaint: Complaint | None, tasks: list[TaskRow],
               names: dict[str, str]) -> list[dict]:
    """The receipt (with its text), then each completed task that has a form (a link to the task; the
    page titles it by name, completion time and who completed it)."""
    documents = []
    if complaint is not None:
        documents.append({"title": "举报投诉登记回执", "text": intake_queries.receipt(session, complaint)["text"]})
    for t in tasks:
        if t.status == "completed" and t.form:
            documents.append({"title": None, "text": None, "task_id": t.id, "task_name": t.name,
                              "completed_at": t.completed_at,
                              "completed_by": names.get(t.completed_by, t.completed_by or "")})
    return documents


def _linked(case: Case | None, case_doc: dict | None, complaint_doc: dict | None) -> list[dict]:
    linked = []
    if complaint_doc:
        for c in complaint_doc["cases"]:
            if case is None or c["id"] != case.id:
                linked.append({"kind": "拆分案件", **c})
        for link in complaint_doc["duplicate_links"]:
            linked.append({"kind": "重复登记关联", "number": link.get("case_number"), "instance_id": None,
                           "body_label": link.get("body_label"), "jurisdiction_name": link.get("jurisdiction_name")})
    if case_doc:
        for d in case_doc.get("duplicate_registrations", []):
            linked.append({"kind": "重复登记（后续登记）", "number": d["complaint_number"], "instance_id": None,
                           "body_label": "", "jurisdiction_name": ""})
    return linked


def case_file(session: Session, p: Principal, instance_id: int) -> dict:
    """Everything the case page shows of one instance; 404 when the principal may not see it."""
    instance = access.visible_instance(session, p, instance_id)
    case = intake_queries.case_of_instance(session, instance.id)
    if case is not None:
        complaint = session.get(Complaint, case.complaint_id)
    else:
        complaint = session.scalar(select(Complaint).where(Complaint.triage_instance_id == instance.id))
    complaint_doc = intake_queries.complaint_dict(session, complaint) if complaint is not None else None
    case_doc = intake_queries.case_dict(session, case, detail=True) if case is not None else None
    tasks = session.scalars(select(TaskRow).where(TaskRow.instance_id == instance.id)
                            .order_by(TaskRow.step, TaskRow.created_at, TaskRow.id)).all()
    names = _display_names(session)
    return {"instance": instance, "case": case_doc, "complaint": complaint_doc, "tasks": tasks,
            "timeline": _timeline(session, instance, tasks, names),
            "documents": _documents(session, complaint, tasks, names),
            "linked": _linked(case, case_doc, complaint_doc), "clocks": clocks.for_instance(session, instance.id),
            "names": names, "summary": masking.mask_text(instance.summary)}
