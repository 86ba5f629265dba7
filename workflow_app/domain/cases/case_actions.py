"""What may be done from a case page (the action bar, docs/ui.md "Case actions"): for one visible case and
the signed-in principal, each collaboration action with whether it is allowed now and, when not, why.

The rules are the services' own checks (``domain/collaboration``: ``transfers.check_may_request``,
``police.check_may_start``, ``hearings.check_may_request``, ``emergencies.check_may_declare`` /
``check_may_supervise`` ...), called here and raising the same domain errors the services raise on submit.
An action is

* **hidden** when its check refuses the *person* (``Forbidden``: the role can never take it on this case) or
  the action does not apply to the case (``Invalid``: police transfers are for inspection cases only);
* **disabled with the reason** when the *case's state* forbids it (``Conflict``: a transfer already running,
  already supervised, the case closed);
* **allowed** otherwise.

Also here: what the forms choose from (the receiving bodies of the bureau tree, by name) and the case's
collaboration so far (its transfers, notifications, requests and supervised handling) for the case page.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.domain.collaboration import emergencies, hearings, police, transfers
from workflow_app.domain.collaboration.models import InterAgencyTransfer, SupervisedCase
from workflow_app.domain.intake import queries as intake_queries
from workflow_app.domain.intake.models import Case
from workflow_app.domain.vocabulary import ASSISTANCE_LABELS, TRANSFER_KIND_LABELS, TRANSFER_STATUS_LABELS
from workflow_app.platform.errors import Conflict, DomainError, Forbidden, Invalid
from workflow_app.platform.identity import access
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.organisation import BODY_LABELS, HANDLING_BODIES, N_
from workflow_app.platform.persistence.models import Bureau


@dataclass(frozen=True)
class CaseAction:
    """One button of the action bar. ``path`` is the page under ``/cases/<instance id>/`` that takes it."""
    key: str
    label: str
    path: str
    allowed: bool
    reason: str | None = None  # Chinese, when not allowed
    reason_en: str | None = None


def _request(kind: str) -> Callable[[Session, Principal, Case], None]:
    return lambda session, p, case: transfers.check_may_start(session, p, case, kind)


#: The actions in the order the bar shows them: (key, label, page under /cases/<id>/, the service's check).
ACTIONS: tuple[tuple[str, str, str, Callable[[Session, Principal, Case], None]], ...] = (
    ("transfer", N_("移送"), "actions/transfer", _request("transfer")),
    ("notify", N_("通报"), "actions/notify", _request("notification")),
    ("assistance", N_("协助请求"), "actions/assistance", _request("assistance")),
    ("joint_hearing", N_("联合会商"), "joint-hearing/new", hearings.check_may_request_for_case),
    ("police_transfer", N_("涉嫌拒不支付劳动报酬罪移送"), "police-transfer/new", police.check_may_start),
    ("emergency", N_("紧急/快速处理"), "actions/emergency", emergencies.check_may_declare),
    ("supervision", N_("挂牌督办"), "actions/supervision", emergencies.check_may_supervise),
)
ACTION_KEYS = tuple(key for key, *_ in ACTIONS)


def case_of(session: Session, p: Principal, instance_id: int) -> Case | None:
    """The case of a visible instance (404 when the principal may not see it); None for an instance that is
    no case (a triage, a transfer's own process)."""
    instance = access.visible_instance(session, p, instance_id)
    case = intake_queries.case_of_instance(session, instance.id)
    # The services address the case by its id and check visibility again (``visible_case``).
    return intake_queries.visible_case(session, p, case.id) if case is not None else None


def _evaluate(session: Session, p: Principal, case: Case, key: str) -> CaseAction | None:
    """One action: None when hidden (the person may never take it here), else allowed or disabled."""
    _, label, path, check = next(a for a in ACTIONS if a[0] == key)
    try:
        check(session, p, case)
    except (Forbidden, Invalid):
        return None
    except Conflict as refused:
        return CaseAction(key, label, path, False, refused.message, refused.english)
    return CaseAction(key, label, path, True)


def actions_for(session: Session, p: Principal, instance_id: int) -> list[CaseAction]:
    """The action bar of a case page: the actions the principal's roles allow on this case, each allowed or
    disabled with the reason; empty for an instance that is no case."""
    case = case_of(session, p, instance_id)
    if case is None:
        return []
    return [action for key in ACTION_KEYS if (action := _evaluate(session, p, case, key)) is not None]


def require(session: Session, p: Principal, instance_id: int, key: str) -> Case:
    """The case of ``instance_id`` when the principal may take action ``key`` on it now; otherwise the domain
    error the service would raise (NotFound, Forbidden, Conflict) — a form page opens only when it may."""
    case = case_of(session, p, instance_id)
    if case is None:
        raise Invalid("该流程不是案件，不能从这里办理", f"instance {instance_id} is no case",
                      english="This process is not a case")
    _, _, _, check = next(a for a in ACTIONS if a[0] == key)
    check(session, p, case)
    return case


def may(session: Session, p: Principal, instance_id: int, key: str) -> bool:
    try:
        require(session, p, instance_id, key)
    except DomainError:
        return False
    return True


def target_bodies(session: Session, case: Case, bodies: tuple[str, ...] = HANDLING_BODIES) -> list[dict]:
    """The bodies a request from ``case`` may go to: every handling body of every bureau of the case's tree
    (its city and the city's districts), except the case's own body in its own bureau; the case's bureau
    first. ``value`` is ``bureau/body``; ``bureau_name`` and ``body_label`` (untranslated) name it."""
    parents = identity.parent_map(session)
    root = case.jurisdiction
    while parents.get(root):
        root = parents[root]
    tree = [code for code in parents if _root_of(code, parents) == root]
    names = dict(session.execute(select(Bureau.code, Bureau.name)).all())
    ordered = [case.jurisdiction] + sorted((c for c in tree if c != case.jurisdiction),
                                           key=lambda c: (parents.get(c) is not None, c))
    return [{"value": f"{bureau}/{body}", "bureau": bureau, "body": body, "bureau_name": names.get(bureau, bureau),
             "body_label": BODY_LABELS[body]}
            for bureau in ordered for body in bodies if (bureau, body) != (case.jurisdiction, case.body)]


def _root_of(code: str, parents: dict[str, str | None]) -> str:
    seen = set()
    while parents.get(code) and code not in seen:
        seen.add(code)
        code = parents[code]
    return code


def parse_target(value: str, options: list[dict]) -> tuple[str, str] | None:
    """A ``bureau/body`` choice of the form, when it is one of the options offered."""
    found = next((o for o in options if o["value"] == value), None)
    return (found["bureau"], found["body"]) if found else None


def collaboration_of(session: Session, instance_id: int) -> dict:
    """The case's collaboration so far for the case page (the caller has checked that it sees the case):
    its transfers, notifications, assistance and police requests (newest first) and its supervised
    handling. Labels are untranslated (the page translates them)."""
    case = intake_queries.case_of_instance(session, instance_id)
    if case is None:
        return {"transfers": [], "supervision": None}
    names = dict(session.execute(select(Bureau.code, Bureau.name)).all())
    rows = session.scalars(select(InterAgencyTransfer).where(InterAgencyTransfer.case_id == case.id)
                           .order_by(InterAgencyTransfer.id.desc()).limit(50))
    items = [{"id": r.id, "number": r.number, "kind": r.kind,
              "kind_label": TRANSFER_KIND_LABELS.get(r.kind, r.kind),
              "assist_label": ASSISTANCE_LABELS.get(r.assist_type) if r.assist_type else None,
              "to": f"{names.get(r.to_bureau, r.to_bureau)}", "to_body_label": BODY_LABELS.get(r.to_body, r.to_body),
              "status": r.status, "status_label": TRANSFER_STATUS_LABELS.get(r.status, r.status),
              "created_at": r.created_at, "ack_due_at": r.ack_due_at} for r in rows]
    supervised = session.scalar(select(SupervisedCase).where(SupervisedCase.case_id == case.id)
                                .order_by(SupervisedCase.id.desc()).limit(1))
    supervision = None if supervised is None else {
        "status": supervised.status, "due_at": supervised.due_at, "reason": supervised.reason,
        "by": names.get(supervised.supervising_bureau, supervised.supervising_bureau),
        "created_by": supervised.created_by}
    return {"transfers": items, "supervision": supervision}
