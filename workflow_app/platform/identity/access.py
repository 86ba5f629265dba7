"""Who may see and act on what. Every rule lives here so the API and the web pages agree.

The rules (docs/security.md explains the reasons):

Cases (process instances). A user sees a case when

* a task of the case (open or done) belongs to a body they are a member of, in that task's bureau
  ("own body and jurisdiction"; any role of the body: clerks, officers, liaison officers, division heads);
* the case was granted to such a body (:class:`CaseAccess`, e.g. by a transfer 移送);
* they hold leadership of the case's bureau or of its parent city (oversight, 挂牌督办), or of a bureau
  where the case has a task or a grant;
* they currently hold an open task of the case (assignee or delegating owner);
* they administer the case's bureau or its parent city (read-only support; personal data stays masked).

Police-side members (body ``police``) see a case *only* through a grant: police-side records exist only
for dossiers transferred to the police. Process owners see definitions, not cases.

Tasks. A task is visible to its assignee, its owner, the members of its candidate group (police groups:
only on a granted dossier), the supervisors of its body (division heads) or bureau (leadership), and the
administrators of its bureau or parent city. Only members of the candidate group (or supervisors) claim;
only the assignee completes, delegates (to a member of the same body) or unclaims; only supervisors assign.
Administrators read; they do not work or assign tasks.

Audit events follow the cases: an event tied to a case (an instance, or a business key) is visible exactly
when that case is. Events tied to no case (logins, users, tokens, deployments) are for administrators: an
administrator of the whole installation sees them all, any other administrator only those about the users
they manage (every membership inside their bureau subtree).

Definitions and users: definitions are installation-wide, so only a process owner of a top-level bureau
(one without a parent) deploys; only administrators manage users, within their bureau and the districts
below it, never their own memberships, and never granting more than they hold themselves (the
process-owner role only by an administrator of the whole installation).

Every "may see" check is the SQL condition applied to the one row, so a list, a count, a search and a
direct fetch can never disagree; hidden rows answer 404 exactly like missing ones.
"""
from __future__ import annotations

from sqlalchemy import and_, exists, false, or_, select, true
from sqlalchemy.orm import Session, aliased, object_session

from workflow_app.platform import clock
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.errors import Forbidden, Invalid, NotFound
from workflow_app.platform.identity.directory import Principal, bureau_subtree, parent_map
from workflow_app.platform.organisation import BODIES
from workflow_app.platform.persistence.models import (
    AuditEvent,
    Bureau,
    CaseAccess,
    Group,
    Membership,
    ProcessInstance,
    TaskRow,
    User,
)

POLICE = "police"
#: Grant kinds a case-access row may carry.
GRANT_KINDS = ("transfer", "police_transfer", "notification", "joint_hearing", "supervision", "evidence_request")


def _under(codes: set[str]):
    """SQL: bureau codes equal to ``codes`` or directly below one of them (city -> its districts)."""
    parent = aliased(Bureau)
    return (select(Bureau.code).outerjoin(parent, parent.id == Bureau.parent_id)
            .where(or_(Bureau.code.in_(sorted(codes)), parent.code.in_(sorted(codes)))))


def _pairs(column_bureau, column_body, pairs: set[tuple[str, str]]):
    return or_(*[and_(column_bureau == b, column_body == k) for b, k in sorted(pairs)]) if pairs else false()


def _granted(instance_id_column, pairs: set[tuple[str, str]]):
    if not pairs:
        return false()
    return exists().where(CaseAccess.instance_id == instance_id_column, CaseAccess.revoked_at.is_(None),
                          _pairs(CaseAccess.bureau, CaseAccess.body, pairs))


# ------------------------------------------------------------------------------------------------
# Tasks
# ------------------------------------------------------------------------------------------------

def task_visibility(p: Principal):
    """SQL condition selecting the task rows ``p`` may see."""
    clauses = [TaskRow.assignee == p.username, TaskRow.owner == p.username]
    ordinary = sorted(k for k in p.groups if k.split("/")[1:2] != [POLICE])
    police = sorted(k for k in p.groups if k.split("/")[1:2] == [POLICE])
    if ordinary:
        clauses.append(TaskRow.candidate_group.in_(ordinary))
    if police:
        police_bodies = {(b, k) for b, k in p.bodies() if k == POLICE}
        clauses.append(and_(TaskRow.candidate_group.in_(police), _granted(TaskRow.instance_id, police_bodies)))
    for bureau, body in sorted(p.supervised_scopes(), key=str):
        clauses.append(TaskRow.bureau == bureau if body is None else and_(TaskRow.bureau == bureau, TaskRow.body == body))
    admin = p.bureaus_with_role("administrator")
    if admin:
        clauses.append(TaskRow.bureau.in_(_under(admin)))
    return or_(*clauses)


def supervises(p: Principal, row: TaskRow) -> bool:
    scopes = p.supervised_scopes()
    return (row.bureau, row.body) in scopes or (row.bureau, None) in scopes


def can_see_task(p: Principal, row: TaskRow) -> bool:
    session = object_session(row)
    if session is None:  # detached row: the simple part of the rule
        return row.assignee == p.username or row.owner == p.username or supervises(p, row) or (
            row.candidate_group in p.groups and row.body != POLICE)
    return session.scalar(select(TaskRow.id).where(TaskRow.id == row.id, task_visibility(p))) is not None


def can_claim(p: Principal, row: TaskRow) -> bool:
    return row.candidate_group in p.groups or supervises(p, row)


def may_be_assigned(target: Principal, row: TaskRow) -> bool:
    """A task may only be handed to someone who could see it (member of the group or a supervisor)."""
    return row.candidate_group in target.groups or supervises(target, row)


def may_be_delegated(target: Principal, row: TaskRow) -> bool:
    """Delegation stays inside the task's body and bureau (or goes to one of its supervisors)."""
    return (row.bureau, row.body) in target.bodies() or supervises(target, row)


# ------------------------------------------------------------------------------------------------
# Cases
# ------------------------------------------------------------------------------------------------

def instance_visibility(p: Principal):
    """SQL condition selecting the process instances (cases) ``p`` may see."""
    bodies = p.bodies()
    own = {(b, k) for b, k in bodies if k != POLICE}
    clauses = []
    if own:
        clauses.append(exists().where(TaskRow.instance_id == ProcessInstance.id,
                                      _pairs(TaskRow.bureau, TaskRow.body, own)))
    if bodies:
        clauses.append(_granted(ProcessInstance.id, bodies))
    clauses.append(exists().where(TaskRow.instance_id == ProcessInstance.id, TaskRow.status == "open",
                                  or_(TaskRow.assignee == p.username, TaskRow.owner == p.username)))
    leadership = p.bureaus_with_role("leadership")
    if leadership:
        under = _under(leadership)
        clauses.append(ProcessInstance.jurisdiction.in_(under))
        clauses.append(exists().where(TaskRow.instance_id == ProcessInstance.id, TaskRow.bureau.in_(under)))
        clauses.append(exists().where(CaseAccess.instance_id == ProcessInstance.id, CaseAccess.revoked_at.is_(None),
                                      CaseAccess.bureau.in_(under)))
    admin = p.bureaus_with_role("administrator")
    if admin:
        clauses.append(ProcessInstance.jurisdiction.in_(_under(admin)))
    return or_(*clauses)


def can_see_instance(p: Principal, instance: ProcessInstance, parent_of=None) -> bool:
    session = object_session(instance)
    if session is None:
        return False
    return session.scalar(select(ProcessInstance.id).where(ProcessInstance.id == instance.id,
                                                           instance_visibility(p))) is not None


def visible_instance(session: Session, p: Principal, instance_id) -> ProcessInstance:
    """The instance, or 404 — also when it exists but is hidden from ``p`` (no leaking)."""
    ok = isinstance(instance_id, int) and 0 < instance_id < 2**31
    instance = session.scalar(select(ProcessInstance).where(ProcessInstance.id == instance_id,
                                                            instance_visibility(p))) if ok else None
    if instance is None:
        raise NotFound("案件不存在或无权查看", f"instance {instance_id} not found",
                       english="The case does not exist or you may not see it")
    return instance


def can_see_case(session: Session, p: Principal, business_key: str) -> bool:
    """Whether ``p`` sees at least one instance with this business key."""
    if not isinstance(business_key, str) or not business_key or len(business_key) > 100:
        return False
    return session.scalar(select(ProcessInstance.id).where(ProcessInstance.business_key == business_key,
                                                           instance_visibility(p)).limit(1)) is not None


# ------------------------------------------------------------------------------------------------
# Audit events
# ------------------------------------------------------------------------------------------------

def managed_usernames(scope: set[str]):
    """SQL: usernames of the users an administrator with bureau ``scope`` manages — every membership of the
    user lies in ``scope`` (users without any membership yet included, as in the user list)."""
    outside = (select(Membership.user_id).join(Group, Group.id == Membership.group_id)
               .where(Group.bureau_code.not_in(sorted(scope))))
    return select(User.username).where(User.id.not_in(outside))


def administers_installation(session: Session, p: Principal) -> bool:
    """Whether ``p`` administers every bureau (the top-level administrator of a one-city installation)."""
    if not p.is_admin:
        return False
    scope = administered_bureaus(session, p)
    return not session.scalar(select(Bureau.id).where(Bureau.code.not_in(sorted(scope))).limit(1))


def audit_visibility(session: Session, p: Principal):
    """SQL condition selecting the audit events ``p`` may read (docs/security.md §2, "Audit trail").

    * an event of an instance is visible exactly when the instance is (:func:`instance_visibility`);
    * an event with a business key but no instance (a registration before its intake process, ledger
      entries) when an instance with that business key is visible;
    * an event of no case only to administrators: the administrator of the whole installation sees all of
      them, another administrator those about a user they manage (``entity_type`` ``user``).
    """
    if administers_installation(session, p):
        return true()
    seen_instance = exists().where(ProcessInstance.id == AuditEvent.instance_id, instance_visibility(p))
    seen_key = exists().where(ProcessInstance.business_key == AuditEvent.business_key, instance_visibility(p))
    clauses = [and_(AuditEvent.instance_id.is_not(None), seen_instance),
               and_(AuditEvent.instance_id.is_(None), AuditEvent.business_key.is_not(None), seen_key)]
    if p.is_admin:
        scope = administered_bureaus(session, p)
        clauses.append(and_(AuditEvent.instance_id.is_(None), AuditEvent.business_key.is_(None),
                            AuditEvent.entity_type == "user", AuditEvent.entity_id.in_(managed_usernames(scope))))
    return or_(*clauses)


# ------------------------------------------------------------------------------------------------
# Grants (transfers make a case visible to the receiving body)
# ------------------------------------------------------------------------------------------------

def grant_case_access(session: Session, actor: str, instance: ProcessInstance, bureau: str, body: str,
                      kind: str = "transfer", reason: str | None = None) -> CaseAccess:
    """Let ``body`` of ``bureau`` see ``instance`` (idempotent while an active grant exists); audited."""
    if kind not in GRANT_KINDS:
        raise Invalid(f"未知的授权类型 {kind}", f"unknown grant kind {kind!r}")
    if body not in BODIES:
        raise Invalid(f"未知机构类型 {body}", f"unknown body kind {body!r}")
    if session.scalar(select(Bureau.id).where(Bureau.code == bureau)) is None:
        raise Invalid(f"机构 {bureau} 不存在", f"bureau {bureau} not found")
    existing = session.scalar(select(CaseAccess).where(CaseAccess.instance_id == instance.id, CaseAccess.bureau == bureau,
                                                       CaseAccess.body == body, CaseAccess.revoked_at.is_(None)))
    if existing is not None:
        return existing
    grant = CaseAccess(instance_id=instance.id, bureau=bureau, body=body, kind=kind, reason=reason,
                       granted_at=clock.now(), granted_by=actor)
    session.add(grant)
    session.flush()
    audit.record(session, actor, "case.grant", "instance", instance.id, instance_id=instance.id,
                 business_key=instance.business_key,
                 after={"bureau": bureau, "body": body, "kind": kind, "reason": reason})
    return grant


def revoke_case_access(session: Session, actor: str, grant: CaseAccess) -> CaseAccess:
    if grant.revoked_at is None:
        grant.revoked_at, grant.revoked_by = clock.now(), actor
        instance = session.get(ProcessInstance, grant.instance_id)
        audit.record(session, actor, "case.revoke_grant", "instance", grant.instance_id,
                     instance_id=grant.instance_id, business_key=instance.business_key if instance else None,
                     before={"bureau": grant.bureau, "body": grant.body, "kind": grant.kind})
    return grant


# ------------------------------------------------------------------------------------------------
# Roles
# ------------------------------------------------------------------------------------------------

def require_process_owner(p: Principal) -> None:
    if not p.is_process_owner:
        raise Forbidden("只有流程管理员可以部署流程", "deploying requires the process_owner role")


def top_level_bureaus(session: Session) -> set[str]:
    """Bureaus without a parent (the city of a one-city installation)."""
    return {code for code, parent in parent_map(session).items() if parent is None}


def require_can_deploy(session: Session, p: Principal) -> None:
    """Definitions are installation-wide (one registry, no bureau column): deploying changes every bureau's
    processes, so only a process owner of a top-level bureau may deploy (docs/security.md §2)."""
    require_process_owner(p)
    if not p.bureaus_with_role("process_owner") & top_level_bureaus(session):
        raise Forbidden("流程定义全系统通用，只有最高一级（市局）的流程管理员可以部署",
                        "definitions are installation-wide: deploying requires the process_owner role "
                        "of a top-level bureau")


#: Roles whose rights reach beyond the bureau of the group that carries them (process owners deploy
#: installation-wide definitions and set numbering schemes): only an administrator of the whole
#: installation may grant them, so no administrator creates a user with rights larger than their own.
INSTALLATION_WIDE_ROLES = frozenset({"process_owner"})


def require_can_grant(session: Session, p: Principal, group_key: str) -> None:
    """Refuse a membership that would give rights beyond ``p``'s own scope (the group's bureau being in
    ``p``'s scope is checked by the caller)."""
    role = group_key.rsplit("/", 1)[-1] if isinstance(group_key, str) else None
    if role in INSTALLATION_WIDE_ROLES and not administers_installation(session, p):
        raise Forbidden("流程管理员的权限覆盖全系统，只有全系统（市局）管理员可以授予该角色",
                        f"granting {role} requires administering the whole installation")


def require_admin(p: Principal) -> None:
    if not p.is_admin:
        raise Forbidden("只有系统管理员可以执行此操作", "this action requires the administrator role")


def administered_bureaus(session: Session, p: Principal) -> set[str]:
    """Bureaus whose users and groups ``p`` administers: their own and the districts below."""
    return bureau_subtree(session, p.bureaus_with_role("administrator"))


def require_can_start(p: Principal, jurisdiction: str, parent_of: dict[str, str | None]) -> None:
    """Members of a body of the jurisdiction or of its parent city start cases there; administrators too."""
    admin = p.bureaus_with_role("administrator")
    if jurisdiction in admin or parent_of.get(jurisdiction) in admin:
        return
    bureaus = {b for b, k in p.bodies() if k != POLICE}
    if jurisdiction in bureaus or parent_of.get(jurisdiction) in bureaus:
        return
    raise Forbidden("无权在该辖区启动案件", f"no membership in jurisdiction {jurisdiction}")


__all__ = [
    "task_visibility", "instance_visibility", "can_see_task", "can_see_instance", "visible_instance", "can_see_case",
    "can_claim", "supervises", "may_be_assigned", "may_be_delegated", "grant_case_access", "revoke_case_access",
    "require_process_owner", "require_admin", "require_can_start", "administered_bureaus", "audit_visibility",
    "administers_installation", "managed_usernames", "require_can_deploy", "require_can_grant",
    "top_level_bureaus", "INSTALLATION_WIDE_ROLES",
]
