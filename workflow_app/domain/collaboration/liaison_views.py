"""Read models of the liaison officers' pages (docs/ui.md "Liaison work"): the desk of one's transfers,
notifications and assistance requests with their acknowledgement clocks, the ledgers one may read, the
police transfer tracker with each procedure's current step, and the eligibility check shown before a police
transfer is started.

Nothing here changes data. The eligibility check runs the deployed diagram's own rules — the threshold
table ``criminal_thresholds.dmn`` and the ``check`` script of ``police_transfer.bpmn`` — in the sandbox,
so the page and the procedure can never disagree about what a transfer needs.
"""
from __future__ import annotations

import json
from datetime import datetime

from lxml import etree
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from workflow_app.domain.collaboration import ledgers, police
from workflow_app.domain.collaboration.models import InterAgencyTransfer as T
from workflow_app.domain.intake.models import Case
from workflow_app.domain.intake.queries import case_of_instance
from workflow_app.domain.intake.registration import region_codes
from workflow_app.platform import clock
from workflow_app.platform.deadlines import calendar_years
from workflow_app.platform.engine import script_environment
from workflow_app.platform.engine.xml_safety import parse_xml
from workflow_app.platform.errors import Forbidden, NotFound
from workflow_app.platform.identity import access
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.organisation import HANDLING_BODIES, N_
from workflow_app.platform.persistence.models import TaskRow
from workflow_app.platform.processes import registry

DESK_KINDS = ("transfer", "notification", "assistance")
POLICE_PROCESS = "police_transfer"

#: Whose move each waiting step of ``police_transfer.bpmn`` is (its element id, the "_overdue" twin alike).
STEP_SIDES = {
    "report": "ours", "approve": "ours", "handover": "ours", "items": "ours", "reconsider_request": "ours",
    "supervision": "ours", "back_to_admin": "ours",
    "receipt": "police", "filing": "police", "reconsider_decision": "police",
    "explain": "procuratorate", "ordered_filing": "procuratorate",
}
SIDE_LABELS = {"ours": N_("人社（劳动保障监察）"), "police": N_("公安机关"), "procuratorate": N_("检察院监督"), "none": N_("已办结")}
#: The steps of the tracker's filter, in the procedure's order.
STEPS = ("report", "approve", "handover", "receipt", "filing", "items", "reconsider_request",
         "reconsider_decision", "supervision", "explain", "ordered_filing", "back_to_admin", "done")


def _step_of(task_spec: str) -> str:
    return task_spec[:-len("_overdue")] if task_spec.endswith("_overdue") else task_spec


def _remaining(due: datetime | None, now: datetime) -> dict | None:
    """Remaining time of an acknowledgement clock, in hours below two days, else in calendar days."""
    if due is None:
        return None
    seconds = (due - now).total_seconds()
    hours = abs(seconds) / 3600
    value, unit = (int(hours), "h") if hours < 48 else (int(hours // 24), "CD")
    return {"due_at": due, "overdue": seconds < 0, "value": value, "unit": unit}


def _open_tasks(session: Session, p: Principal, instance_ids) -> dict[int, list[TaskRow]]:
    ids = [i for i in instance_ids if i]
    if not ids:
        return {}
    rows = session.scalars(select(TaskRow).where(TaskRow.instance_id.in_(ids), TaskRow.status == "open",
                                                 access.task_visibility(p)).order_by(TaskRow.created_at)).all()
    out: dict[int, list[TaskRow]] = {}
    for row in rows:
        out.setdefault(row.instance_id, []).append(row)
    return out


def _case_instances(session: Session, case_ids) -> dict[int, int]:
    ids = [i for i in case_ids if i]
    return dict(session.execute(select(Case.id, Case.instance_id).where(Case.id.in_(ids))).tuples().all()) if ids else {}


# ------------------------------------------------------------------------------------------------
# The desk
# ------------------------------------------------------------------------------------------------

def desk_bodies(p: Principal) -> list[tuple[str, str]]:
    """The (bureau, body) pairs whose transfers are on ``p``'s desk: the handling bodies ``p`` belongs to."""
    return sorted((b, k) for b, k in p.bodies() if k in (*HANDLING_BODIES, "intake"))


def desk(session: Session, p: Principal, direction: str = "all") -> list[dict]:
    """Incoming and outgoing transfers, notifications and assistance requests of ``p``'s bodies, newest
    first, each with its counterpart, case, acknowledgement clock and the open task ``p`` may act on."""
    pairs = desk_bodies(p)
    if not pairs:
        raise Forbidden("只有各机构的工作人员才能查看联络工作台", "no body membership")
    out = or_(*[and_(T.from_bureau == b, T.from_body == k) for b, k in pairs])
    inc = or_(*[and_(T.to_bureau == b, T.to_body == k) for b, k in pairs])
    side = {"out": out, "in": inc}.get(direction, or_(out, inc))
    rows = session.scalars(select(T).where(T.kind.in_(DESK_KINDS), side)
                           .order_by(T.created_at.desc(), T.id.desc()).limit(500)).all()
    now = clock.now()
    names = identity.bureau_names(session)
    tasks = _open_tasks(session, p, [i for r in rows for i in (r.instance_id, r.receiver_instance_id)])
    cases = _case_instances(session, [r.case_id for r in rows] + [r.new_case_id for r in rows])
    mine = set(pairs)
    result = []
    for row in rows:
        view = ledgers.row_dict(row, now, names)
        incoming = (row.to_bureau, row.to_body) in mine
        view["direction"] = "in" if incoming else "out"
        view["counterpart_label"] = view["from_label"] if incoming else view["to_label"]
        view["case_instance_id"] = cases.get(row.case_id)
        view["new_case_instance_id"] = cases.get(row.new_case_id)
        waiting_ack = row.acknowledged_at is None and row.status in ("sent", "requested")
        view["clock"] = _remaining(row.ack_due_at, now) if waiting_ack else None
        own = [t for t in tasks.get(row.instance_id, []) + tasks.get(row.receiver_instance_id, [])
               if t.assignee == p.username or (t.assignee is None and access.can_claim(p, t))]
        view["task"] = {"id": own[0].id, "name": own[0].name, "due_at": own[0].due_at} if own else None
        result.append(view)
    return result


# ------------------------------------------------------------------------------------------------
# Ledgers
# ------------------------------------------------------------------------------------------------

def readable_ledgers(session: Session, p: Principal) -> list[dict]:
    """The ledgers ``p`` may read: each body ``p`` belongs to, and for leadership and administrators every
    handling body of their bureau and the districts below it."""
    names = identity.bureau_names(session)
    pairs = {(b, k) for b, k in p.bodies() if k in HANDLING_BODIES}
    wide = p.bureaus_with_role("leadership") | p.bureaus_with_role("administrator")
    if wide:
        parents = identity.parent_map(session)
        for code in names:
            if code in wide or parents.get(code) in wide:
                pairs |= {(code, body) for body in HANDLING_BODIES}
    return [{"bureau": b, "body": k, "bureau_name": names.get(b, b)} for b, k in sorted(pairs)
            if ledgers.may_read(session, p, b, k)]


# ------------------------------------------------------------------------------------------------
# Police transfers
# ------------------------------------------------------------------------------------------------

def _police_visibility(session: Session, p: Principal):
    """Police transfers ``p`` may follow: the inspection body's (members, leadership, administrators of the
    bureau or its city), and the police liaison officers' once the dossier was handed over (their grant)."""
    wide = p.bureaus_with_role("leadership") | p.bureaus_with_role("administrator")
    parents = identity.parent_map(session)
    scope = {b for b, _ in p.bodies()} | wide | {c for c, parent in parents.items() if parent in wide}
    readable = sorted(c for c in scope if ledgers.may_read(session, p, c, "inspection"))
    clauses = [T.from_bureau.in_(readable)] if readable else []
    police = [b for b, k in p.bodies() if k == "police"]
    if police:
        clauses.append(and_(T.to_bureau.in_(police), T.sent_at.is_not(None)))
    return or_(*clauses) if clauses else None


def _police_view(row: T, tasks: list[TaskRow], case_instance: int | None, now: datetime, names) -> dict:
    view = ledgers.row_dict(row, now, names)
    current = tasks[0] if tasks else None
    step = _step_of(current.task_spec) if current else "done"
    side = STEP_SIDES.get(step, "ours") if current else "none"
    view.update({"step": step, "step_name": current.name if current else None,
                 "step_due_at": current.due_at if current else None,
                 "step_overdue": bool(current and current.due_at and current.due_at < now),
                 "side": side, "side_label": SIDE_LABELS[side], "case_instance_id": case_instance,
                 "instance_id": row.instance_id,
                 "tasks": tasks})
    return view


def police_transfers(session: Session, p: Principal, step: str | None = None) -> list[dict]:
    """The tracker: every police transfer ``p`` may follow with its current step, deadline and whose move
    it is; ``step`` keeps those waiting at that step (``done``: ended)."""
    condition = _police_visibility(session, p)
    if condition is None:
        raise Forbidden("只有劳动保障监察机构、公安联络员和局领导可以查看移送公安案件", "no police transfer scope")
    rows = session.scalars(select(T).where(T.kind == "police", condition)
                           .order_by(T.created_at.desc(), T.id.desc()).limit(500)).all()
    now = clock.now()
    names = identity.bureau_names(session)
    tasks = _all_open_tasks(session, [r.instance_id for r in rows])
    cases = _case_instances(session, [r.case_id for r in rows])
    views = [_police_view(r, tasks.get(r.instance_id, []), cases.get(r.case_id), now, names) for r in rows]
    return [v for v in views if not step or v["step"] == step]


def _all_open_tasks(session: Session, instance_ids) -> dict[int, list[TaskRow]]:
    """The open steps of the procedures (the tracker shows every step, also those of the other side)."""
    ids = [i for i in instance_ids if i]
    if not ids:
        return {}
    out: dict[int, list[TaskRow]] = {}
    for row in session.scalars(select(TaskRow).where(TaskRow.instance_id.in_(ids), TaskRow.status == "open")
                               .order_by(TaskRow.created_at)):
        out.setdefault(row.instance_id, []).append(row)
    return out


def police_transfer(session: Session, p: Principal, transfer_id) -> dict:
    """One police transfer: its row, current step, the completed steps (oldest first) and the open step
    ``p`` may record (claimable or held by ``p``)."""
    condition = _police_visibility(session, p)
    ok = isinstance(transfer_id, int) and 0 < transfer_id < 2**31
    row = session.scalar(select(T).where(T.id == transfer_id, T.kind == "police", condition)) \
        if ok and condition is not None else None
    if row is None:
        raise NotFound("移送公安记录不存在或无权查看", f"police transfer {transfer_id} not found",
                       english="The police transfer does not exist or you may not see it")
    now = clock.now()
    tasks = _all_open_tasks(session, [row.instance_id]).get(row.instance_id, [])
    view = _police_view(row, tasks, _case_instances(session, [row.case_id]).get(row.case_id), now,
                        identity.bureau_names(session))
    actionable = [t for t in tasks if t.assignee == p.username
                  or (t.assignee is None and access.can_claim(p, t) and access.can_see_task(p, t))]
    view["actionable"] = actionable[0] if actionable else None
    return view


# ------------------------------------------------------------------------------------------------
# Eligibility of a police transfer (before it starts)
# ------------------------------------------------------------------------------------------------

def police_case(session: Session, p: Principal, instance_id: int) -> Case:
    """The inspection case of a case page that ``p`` may transfer to the police (else a Chinese error)."""
    access.visible_instance(session, p, instance_id)
    case = case_of_instance(session, instance_id)
    if case is None:
        raise NotFound("案件不存在或无权查看", f"no case of instance {instance_id}",
                       english="The case does not exist or you may not see it")
    police.check_may_start(session, p, case)  # the rule the case page's action bar shows too
    return case


def _tables(session: Session) -> tuple[dict, dict]:
    version = registry.get_version(session, POLICE_PROCESS)
    files = json.loads(version.files_json)
    return files.get("bpmn", {}), files.get("dmn", {})


def _local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def thresholds(session: Session, bureau: str) -> dict:
    """T1 and T10 for ``bureau``: the first row of the deployed ``criminal_thresholds`` table whose input
    entry matches the bureau or one of its ancestors (the engine's own rule), with that row's description."""
    _, dmn = _tables(session)
    codes = region_codes(bureau, identity.parent_map(session))
    calendar = calendar_years.current(session)
    for filename, text in dmn.items():
        root = parse_xml(text.encode("utf-8"), filename)
        decision = next((d for d in root.iter() if _local(d) == "decision" and d.get("id") == "criminal_thresholds"), None)
        if decision is None:
            continue
        table = next(el for el in decision if _local(el) == "decisionTable")
        names = [el.get("name") for el in table if _local(el) == "output"]
        for rule in (el for el in table if _local(el) == "rule"):
            entry = next(("".join(el.itertext()).strip() for el in rule if _local(el) == "inputEntry"), "-")
            if entry not in ("", "-") and not script_environment.evaluate(
                    entry.replace("?", "region_codes"), {"region_codes": codes}, calendar=calendar):
                continue
            outputs = ["".join(el.itertext()).strip() for el in rule if _local(el) == "outputEntry"]
            values = {n: script_environment.evaluate(o, {}, calendar=calendar) for n, o in zip(names, outputs)}
            description = next(("".join(el.itertext()).strip() for el in rule if _local(el) == "description"), "")
            return {"t1": values.get("t1"), "t10": values.get("t10"), "rule": description}
    raise NotFound("未找到本地区的拒不支付劳动报酬罪数额标准", f"no threshold row for {bureau}")


def check_eligibility(session: Session, case: Case, facts: dict) -> dict:
    """What the procedure's ``check`` script says of these facts (already validated by ``police._facts``):
    ``eligible`` and the unmet conditions in Chinese, beside the region's thresholds."""
    limits = thresholds(session, case.jurisdiction)
    bpmn, _ = _tables(session)
    script = None
    for filename, text in bpmn.items():
        root = parse_xml(text.encode("utf-8"), filename)
        node = next((el for el in root.iter() if _local(el) == "scriptTask" and el.get("id") == "check"), None)
        if node is not None:
            script = next("".join(el.itertext()) for el in node if _local(el) == "script")
    if script is None:
        raise NotFound("移送公安流程缺少移送条件审查", "no check script in police_transfer")
    context = {**facts, "t1": limits["t1"], "t10": limits["t10"]}
    script_environment.execute(script, context, calendar=calendar_years.current(session))
    return {"eligible": bool(context.get("eligible")), "reasons": list(context.get("reasons") or []),
            "wage_total": context.get("wage_total"), **limits}
