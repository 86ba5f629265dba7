"""Cases under supervised handling (挂牌督办) and declared emergencies, as a supervisor sees them.

* the supervisions their level decided (leadership of the supervising bureau: ``emergencies.supervised_query``),
  which they may close (``emergencies.close``);
* the supervisions of their own team's cases (a division head's body, a district leadership's bureau);
* the team's open emergency cases (urgent or fast-tracked, ``emergencies.declare``) with the nearest running
  statutory clock.
"""
from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from workflow_app.domain.collaboration import emergencies
from workflow_app.domain.collaboration.models import SupervisedCase
from workflow_app.domain.intake.models import Case
from workflow_app.domain.supervision import team
from workflow_app.platform.deadlines import running_clocks
from workflow_app.platform.errors import Forbidden, Invalid
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.persistence.models import ProcessInstance

MAX_ROWS = 300


def _case_scope(p: Principal):
    clauses = [Case.jurisdiction == b if k is None else and_(Case.jurisdiction == b, Case.body == k)
               for b, k in sorted(p.supervised_scopes(), key=str)]
    return or_(*clauses)


def require_viewer(p: Principal) -> None:
    if not (p.supervised_scopes() or p.bureaus_with_role("leadership")):
        raise Forbidden("只有科室负责人或局领导可以查看督办案件", "supervised cases need a division head or leadership role",
                        english="Only division heads and the bureau's leaders can see supervised cases")


def supervisions(session: Session, p: Principal, status: str | None = "open") -> list[dict]:
    """Supervised cases: those the principal's level supervises (closable) and those of their team."""
    require_viewer(p)
    leading = p.bureaus_with_role("leadership")
    stmt = select(SupervisedCase, Case).join(Case, Case.id == SupervisedCase.case_id).where(
        or_(SupervisedCase.supervising_bureau.in_(sorted(leading)), _case_scope(p)))
    if status:
        stmt = stmt.where(SupervisedCase.status == status)
    rows = session.execute(stmt.order_by(SupervisedCase.due_at, SupervisedCase.id).limit(MAX_ROWS)).all()
    out = []
    for supervision, case in rows:
        item = emergencies.supervised_dict(session, supervision, case)
        item["due"] = supervision.due_at
        item["instance_id"] = case.instance_id
        item["can_close"] = supervision.status == "open" and supervision.supervising_bureau in leading
        out.append(item)
    return out


def emergency_cases(session: Session, p: Principal) -> list[dict]:
    """The team's open urgent or fast-tracked cases, with their nearest running statutory clock."""
    require_viewer(p)
    if not p.supervised_scopes():
        return []
    cases = list(session.scalars(
        select(Case).join(ProcessInstance, ProcessInstance.id == Case.instance_id)
        .where(_case_scope(p), or_(Case.urgent.is_(True), Case.fast_track.is_(True)), ProcessInstance.status == "running")
        .order_by(Case.id.desc()).limit(MAX_ROWS)))
    clocks = running_clocks.nearest_by_instance(session, [c.instance_id for c in cases])
    supervised = set(session.scalars(select(SupervisedCase.case_id).where(
        SupervisedCase.case_id.in_([c.id for c in cases] or [0]), SupervisedCase.status == "open")))
    return [{"case": c, "clock": clocks.get(c.instance_id), "supervised": c.id in supervised} for c in cases]


def close(session: Session, p: Principal, supervision_id: int, result: str):
    """Close a supervision the principal's level decided, with its result (2 to 2000 characters)."""
    result = (result or "").strip()
    if not 2 <= len(result) <= 2000:
        raise Invalid("请填写督办结果（2至2000字）", "result must be 2-2000 characters", errors={"result": "请填写督办结果"},
                      english="Write the result of the supervision (2 to 2000 characters)")
    return emergencies.close(session, p, supervision_id, result)
