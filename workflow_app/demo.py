"""Demo data: one city with three districts, every body of RULES.md §1 at both levels, one user per role,
and a few dozen cases at different stages. Used by ``caseflow demo`` (SQLite) and by the tests.
"""
from __future__ import annotations

import random
from functools import lru_cache
from datetime import timedelta

from sqlalchemy import select

from . import clock
from .db import Database
from .engine.conventions import BODIES
from .models import Bureau, TaskRow
from .services import identity, inbox, runtime
from .services.identity import BUREAU_WIDE, Principal

CITY = ("zz", "郑州市人力资源和社会保障局")
DISTRICTS = [("zz-jinshui", "金水区人力资源和社会保障局"), ("zz-erqi", "二七区人力资源和社会保障局"),
             ("zz-zhongyuan", "中原区人力资源和社会保障局")]
BODY_NAMES = {"intake": "综合执法维权服务大厅", "triage_room": "案件分理室", "inspection": "劳动保障监察大队",
              "si_audit": "社会保险稽核科", "arbitration": "劳动人事争议仲裁院", "leadership": "局领导",
              "legal_review": "法制审核科", "police": "公安机关（联络）"}
#: The roles each body's people hold (groups are created for these).
BODY_ROLES = {
    "intake": ["intake_clerk", "liaison_officer", "division_head"],
    "triage_room": ["triage_reviewer", "division_head"],
    "inspection": ["inspector", "liaison_officer", "division_head"],
    "si_audit": ["auditor", "liaison_officer", "division_head"],
    "arbitration": ["arbitrator", "liaison_officer", "division_head"],
    "leadership": ["leadership"],
    "legal_review": ["legal_reviewer"],
    "police": [],
}
BUREAU_ROLES = ["process_owner", "administrator"]

DEMO_PASSWORD = "Demo2026-caseflow"
#: (username, display name, group key) — one demo user per role, mostly in 金水区.
DEMO_USERS = [
    ("clerk", "王受理", "zz-jinshui/intake/intake_clerk"),
    ("triage", "李分理", "zz/triage_room/triage_reviewer"),
    ("inspector", "张监察", "zz-jinshui/inspection/inspector"),
    ("inspector2", "赵监察", "zz-jinshui/inspection/inspector"),
    ("auditor", "刘稽核", "zz-jinshui/si_audit/auditor"),
    ("arbitrator", "陈仲裁", "zz-jinshui/arbitration/arbitrator"),
    ("liaison", "杨联络", "zz-jinshui/inspection/liaison_officer"),
    ("head", "周科长", "zz-jinshui/inspection/division_head"),
    ("leader", "吴局长", "zz-jinshui/leadership/leadership"),
    ("legal", "郑法制", "zz-jinshui/legal_review/legal_reviewer"),
    ("owner", "孙流程", "zz/bureau/process_owner"),
    ("admin", "钱管理", "zz/bureau/administrator"),
]

EMPLOYERS = ["河南某建筑工程有限公司", "郑州某餐饮管理有限公司", "某物流有限公司郑州分公司", "郑州某电子科技有限公司",
             "某保安服务有限公司", "郑州某服装加工厂", "某房地产开发有限公司", "郑州某商贸有限公司",
             "某家政服务有限公司", "郑州某汽车销售服务有限公司", "某劳务派遣有限公司", "郑州某印刷有限公司"]


@lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    # One argon2 hash for all demo users (they share the demo password): seeding stays fast.
    return identity.hash_password(DEMO_PASSWORD)


def demo_token(username: str) -> str:
    """Demo-only fixed API tokens so the printed logins keep working across restarts."""
    return f"{identity.TOKEN_PREFIX}demo-{username}-token"


def seed_organisation(db: Database) -> None:
    def run(s):
        identity.create_bureau(s, CITY[0], CITY[1], "city")
        for code, name in DISTRICTS:
            identity.create_bureau(s, code, name, "district", CITY[0])
        for code, _ in [CITY, *DISTRICTS]:
            for kind in BODIES:
                identity.create_body(s, code, kind, BODY_NAMES[kind])
                for role in BODY_ROLES[kind]:
                    identity.ensure_group(s, code, kind, role, f"{BODY_NAMES[kind]}·{role}")
            for role in BUREAU_ROLES:
                identity.ensure_group(s, code, BUREAU_WIDE, role)
        for username, name, key in DEMO_USERS:
            user = identity.create_user(s, username, name)
            user.password_hash = _demo_password_hash()
            identity.add_membership(s, username, key)
            token, _secret = identity.create_token(s, username, "demo", days=None)
            token.token_hash = identity._token_hash(demo_token(username))
            token.prefix = demo_token(username)[:10]
    runtime.in_transaction(db, run)


def seed_cases(db: Database, count: int = 36, seed: int = 20261121) -> None:
    """Start ``count`` cases across districts and processes and move some of them forward."""
    rng = random.Random(seed)
    system_admin = Principal("admin", "钱管理", frozenset({"zz/bureau/administrator"}))
    processes = ["intake_triage", "inspection_case", "si_audit_case", "arbitration_case"]
    now = clock.now()
    for n in range(count):
        process = processes[n % len(processes)]
        district = DISTRICTS[n % len(DISTRICTS)][0]
        employer = EMPLOYERS[n % len(EMPLOYERS)]
        received = now - timedelta(days=rng.randint(0, 12), hours=rng.randint(0, 8))
        variables = {"urgent": n % 7 == 0, "received_at": received.isoformat(), "employer_name": employer,
                     "workers_affected": rng.randint(1, 40)}
        business_key = f"{district.split('-')[1].upper()[:2]}{now.year}{n + 1:05d}"
        summary = f"{employer} 涉嫌拖欠工资等（{variables['workers_affected']}人）"
        runtime.in_transaction(db, lambda s: runtime.start_instance(
            s, system_admin, process, business_key, district, variables, employer, summary))
        stage = n % 4  # 0: waiting for a claim, 1: claimed, 2: one step done, 3: two steps done
        for _ in range(max(0, stage - 1)):
            _advance(db, business_key, accepted=(n % 5 != 0))
        if stage >= 1:
            _claim_first(db, business_key)


def _open_task(session, business_key):
    return session.scalar(select(TaskRow).where(TaskRow.business_key == business_key, TaskRow.status == "open")
                          .order_by(TaskRow.created_at))


def _actor_for(session, row) -> Principal:
    """A member of the task's group works it; where the demo has none, the administrator stands in."""
    from .models import Group, Membership, User
    username = session.scalar(select(User.username).join(Membership, Membership.user_id == User.id)
                              .join(Group, Group.id == Membership.group_id)
                              .where(Group.key == row.candidate_group).order_by(User.username).limit(1))
    if username:
        return identity.principal_by_username(session, username)
    return Principal("admin", "钱管理", frozenset({"zz/bureau/administrator", row.candidate_group}))


def _claim_first(db, business_key):
    def run(s):
        row = _open_task(s, business_key)
        if row is not None and row.assignee is None:
            inbox.claim(s, _actor_for(s, row), row.id)
    runtime.in_transaction(db, run)


_SAMPLE_DATA = {
    "case_acceptance.json": lambda ok: {"accepted": ok, "acceptance_opinion": "材料齐全，符合受理条件" if ok else "超过时效",
                                        **({} if ok else {"refusal_reason": "违法行为已超过两年"})},
    "case_investigation.json": lambda ok: {"findings": "经调查，存在拖欠工资情况", "violation_found": True,
                                           "proposed_action": "order_to_correct"},
    "approval.json": lambda ok: {"approved": True, "approval_opinion": "同意"},
    "refusal_notice.json": lambda ok: {"notice_number": "不受字〔2026〕1号", "served_on": clock.today_local().isoformat()},
    "intake_route.json": lambda ok: {"route_to": "inspection", "route_reason": "仅涉及劳动标准，由监察处理"},
}


def _advance(db, business_key, accepted: bool):
    def run(s):
        row = _open_task(s, business_key)
        if row is None:
            return
        actor = _actor_for(s, row)
        if row.assignee is None:
            inbox.claim(s, actor, row.id)
        runtime.complete_task(s, actor, row.id, _SAMPLE_DATA[row.form](accepted))
    runtime.in_transaction(db, run)


def is_seeded(db: Database) -> bool:
    with db.transaction() as s:
        return s.scalar(select(Bureau.id).limit(1)) is not None
