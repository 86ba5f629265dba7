"""The case file of a process instance: what the case page shows, for one visible instance.

* the case and the registration it came from (intake's documents, ``domain/intake/queries.py``);
* the task rows, the audit timeline (the instance's events and those of its business key without an
  instance, e.g. the registration), with actions named by ``platform/audit/action_labels.py``;
* the documents (the registration receipt, every completed task's form) and the linked cases (other cases
  of the same registration, duplicate registrations);
* the statutory clocks. Personal data is masked here like everywhere else.

:func:`case_context` is the compact part of the same file that a task page shows beside its form
(docs/ui.md "Task page: the case beside the form").
"""
from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from workflow_app.domain.collaboration import hearing_views
from workflow_app.domain.collaboration.models import InterAgencyTransfer
from workflow_app.domain.intake import queries as intake_queries
from workflow_app.domain.intake.models import Case, Complaint
from workflow_app.platform.audit.action_labels import action_label
from workflow_app.platform.deadlines import statutory_clocks as clocks
from workflow_app.platform.identifiers import masking
from workflow_app.platform.errors import NotFound
from workflow_app.platform.identity import access
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.organisation import N_
from workflow_app.platform.persistence.models import AuditEvent, TaskComment, TaskRow, User

#: The longest timeline a case page shows (oldest first).
MAX_EVENTS = 500


def _display_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(User.username, User.display_name)).all())


def _event_text(event: AuditEvent, tasks: list[TaskRow], names: dict[str, str]) -> str:
    after = event.after or {}
    if event.entity_type == "task":
        name = next((t.name for t in tasks if t.id == event.entity_id), "")
        extra = ""
        if event.action == "task.comment":
            extra = "：" + str(masking.mask_text(after.get("body", "")))[:200]
        elif after.get("assignee"):
            extra = f"（办理人 {names.get(after['assignee'], after['assignee'])}）"
        return f"{name}{extra}"
    if event.entity_type == "attachment":  # the file and its short hash (docs/files.md "Hashing and the audit chain")
        return f"{after.get('filename', '')}（SHA-256 {str(after.get('sha256', ''))[:12]}）"
    return ""


def _timeline(session: Session, instance, tasks: list[TaskRow], names: dict[str, str]) -> list[dict]:
    events = session.scalars(select(AuditEvent).where(or_(
        AuditEvent.instance_id == instance.id,
        and_(AuditEvent.business_key == instance.business_key, AuditEvent.instance_id.is_(None))))
        .order_by(AuditEvent.occurred_at, AuditEvent.id).limit(MAX_EVENTS)).all()
    # ``actor`` is the login: pages show people by name (the system as 系统), docs/ui.md "Names, not codes".
    return [{"at": e.occurred_at, "actor": e.actor, "action": action_label(e.action),
             "entity": e.entity_type, "detail": _event_text(e, tasks, names)} for e in events]


def _documents(session: Session, complaint: Complaint | None, tasks: list[TaskRow],
               names: dict[str, str]) -> list[dict]:
    """The receipt (with its text). Completed tasks' forms are not documents: the case page shows them
    under 决定与意见 (``platform/tasks/task_view.decisions``)."""
    documents = []
    if complaint is not None:
        documents.append({"title": "举报投诉登记回执", "text": intake_queries.receipt(session, complaint)["text"]})
    return documents


def _linked(case: Case | None, case_doc: dict | None, complaint_doc: dict | None) -> list[dict]:
    linked = []
    if complaint_doc:
        for c in complaint_doc["cases"]:
            if case is None or c["id"] != case.id:
                linked.append({"kind": N_("拆分案件"), **c})
        for link in complaint_doc["duplicate_links"]:
            linked.append({"kind": N_("重复登记关联"), "number": link.get("case_number"), "instance_id": None,
                           "body_label": link.get("body_label"), "jurisdiction_name": link.get("jurisdiction_name")})
    if case_doc:
        for d in case_doc.get("duplicate_registrations", []):
            linked.append({"kind": N_("重复登记（后续登记）"), "number": d["complaint_number"], "instance_id": None,
                           "body_label": "", "jurisdiction_name": ""})
    return linked


def _sources(session: Session, p: Principal, instance_id: int):
    """The visible instance (404 otherwise), its case and registration (row and document), its tasks."""
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
    return instance, case, complaint, complaint_doc, case_doc, tasks


def _parties(complaint_doc: dict | None) -> dict | None:
    """The complainant (masked as on the case page; no name when anonymous) and the employer."""
    if complaint_doc is None:
        return None
    person = complaint_doc["complainant"]
    employer = complaint_doc["employer"]
    return {"complainant": {"anonymous": person["anonymous"], "name": None if person["anonymous"] else person["name"],
                            "id_number": person.get("id_number"), "phone": person.get("phone")},
            "employer": {"name": employer["name"], "uscc": employer.get("uscc"),
                         "district_name": employer.get("district_name") or employer.get("district"),
                         "project": employer.get("project")},
            "workers_affected": complaint_doc["workers_affected"],
            "complaint": {"id": complaint_doc["id"], "number": complaint_doc["number"],
                          "kind_label": complaint_doc["kind_label"], "received_at": complaint_doc["received_at"]}}


def _opinions(session: Session, instance_id: int, tasks: list[TaskRow]) -> list[dict]:
    """The earlier decisions and opinions of the instance, oldest first: each completed task (name, who,
    when) and each comment on any of its tasks (masked)."""
    names = {t.id: t.name for t in tasks}
    items = [{"kind": "decision", "task_id": t.id, "task_name": t.name, "by": t.completed_by, "at": t.completed_at}
             for t in tasks if t.status == "completed"]
    items += [{"kind": "comment", "task_id": c.task_id, "task_name": names.get(c.task_id, ""), "by": c.author,
               "at": c.created_at, "body": masking.mask_text(c.body)}
              for c in session.scalars(select(TaskComment).where(TaskComment.instance_id == instance_id)
                                       .order_by(TaskComment.created_at, TaskComment.id))]
    return sorted(items, key=lambda item: (item["at"] is None, item["at"] or 0))


def _case_worked_on(session: Session, p: Principal, instance_id: int) -> Case | None:
    """The case whose transfer ``instance_id`` is (either side), if the principal may see that case."""
    transfer = session.scalar(select(InterAgencyTransfer).where(or_(
        InterAgencyTransfer.instance_id == instance_id, InterAgencyTransfer.receiver_instance_id == instance_id))
        .limit(1))
    case = session.get(Case, transfer.case_id) if transfer is not None and transfer.case_id else None
    if case is None or case.instance_id is None:
        return None
    try:
        access.visible_instance(session, p, case.instance_id)
    except NotFound:
        return None
    return case


def _sees(session: Session, p: Principal, instance_id: int | None) -> bool:
    try:
        access.visible_instance(session, p, instance_id)
    except NotFound:
        return False
    return True


def _hearing_claims(session: Session, p: Principal, instance_id: int):
    """(registration, case or None, claim codes) of the joint hearing whose process ``instance_id`` is."""
    hearing = hearing_views.hearing_of_instance(session, instance_id)
    if hearing is None or hearing.complaint_id is None:
        return None
    case = session.get(Case, hearing.case_id) if hearing.case_id else None
    return session.get(Complaint, hearing.complaint_id), case, set(hearing_views.claim_codes(session, hearing))


def case_context(session: Session, p: Principal, instance_id: int) -> dict:
    """The case a task belongs to, compactly, for the task page's side panel: the case header, the parties,
    the claims with amounts and routing, earlier decisions and opinions, linked cases and the statutory
    clocks. 404 when the principal may not see the instance (a task page shows it only to its readers)."""
    instance, case, complaint, complaint_doc, case_doc, tasks = _sources(session, p, instance_id)
    case_instance_id = instance.id
    if case is None and complaint is None:
        # A transfer's own process (sending or receiving side) works on a case: show that case, where the
        # reader may see it (docs/ui.md "Task page: the case beside the form").
        source = _case_worked_on(session, p, instance.id)
        if source is not None:
            case, case_instance_id = source, source.instance_id
            complaint = session.get(Complaint, case.complaint_id)
            complaint_doc = intake_queries.complaint_dict(session, complaint) if complaint is not None else None
            case_doc = intake_queries.case_dict(session, case, detail=True)
    hearing_codes = _hearing_claims(session, p, instance.id) if case is None and complaint is None else None
    if hearing_codes is not None:
        # A joint hearing's own process: its registration and, for a case's hearing, that case; the claims
        # it decides on are what its forms choose from (the conclusion's claim picker).
        complaint, case, codes = hearing_codes
        complaint_doc = intake_queries.complaint_dict(session, complaint) if complaint is not None else None
        case_doc = intake_queries.case_dict(session, case, detail=True) if case is not None else None
        if case is not None and _sees(session, p, case.instance_id):
            case_instance_id = case.instance_id
    claims = case_doc["claims"] if case_doc else (complaint_doc["claims"] if complaint_doc else [])
    if hearing_codes is not None and complaint_doc is not None:
        claims = [c for c in complaint_doc["claims"] if c.get("code") in hearing_codes[2]]
    return {"instance_id": case_instance_id, "number": case_doc["number"] if case_doc else instance.business_key,
            "process_key": instance.process_key,
            "body_label": case_doc["body_label"] if case_doc else None,
            "jurisdiction_name": case_doc["jurisdiction_name"] if case_doc else instance.jurisdiction,
            "parties": _parties(complaint_doc),
            "claims": [{"code": c.get("code"), "label": c["label"], "amount": c["amount"], "route_label": c.get("route_label"),
                        "route": c.get("route"), "rule": c.get("rule")} for c in claims],
            "opinions": _opinions(session, instance.id, tasks),
            "linked": _linked(case, case_doc, complaint_doc),
            "clocks": [c for c in clocks.for_instance(session, instance.id)]}


def timeline(session: Session, p: Principal, instance_id: int) -> list[dict]:
    """The case's timeline alone (the case page reloads it after an upload); 404 as the case file."""
    instance = access.visible_instance(session, p, instance_id)
    tasks = session.scalars(select(TaskRow).where(TaskRow.instance_id == instance.id)).all()
    return _timeline(session, instance, tasks, _display_names(session))


def case_file(session: Session, p: Principal, instance_id: int) -> dict:
    """Everything the case page shows of one instance; 404 when the principal may not see it."""
    instance, case, complaint, complaint_doc, case_doc, tasks = _sources(session, p, instance_id)
    names = _display_names(session)
    return {"instance": instance, "case": case_doc, "complaint": complaint_doc, "tasks": tasks,
            "timeline": _timeline(session, instance, tasks, names),
            "documents": _documents(session, complaint, tasks, names),
            "linked": _linked(case, case_doc, complaint_doc), "clocks": clocks.for_instance(session, instance.id),
            "names": names, "summary": masking.mask_text(instance.summary)}
