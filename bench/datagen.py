"""Inbox data generator for (c): an organisation, process instances and task rows, bulk-loaded.

Shape (defaults: 1,000,000 task rows, 100,000 open, 200 candidate groups):

* 20 bureaus (one city ``bc`` and districts ``bc-d01`` ...), each with the 10 task-bearing groups of its
  bodies (intake clerks, triage reviewers, inspectors, auditors, arbitrators, legal reviewers, liaison
  officers); division heads of the five working bodies supervise; 5 users per group;
* bureaus are Zipf-weighted (a few busy districts), groups weighted by role (inspection takes 30 %);
* one instance per case, 1..9 task rows each (mean 5): running instances have exactly one open task, all
  earlier tasks completed (3 % cancelled); finished instances only completed rows;
* open rows: 30 % claimed (1 % of those delegated), 85 % with a due date between 8 days overdue and 30 days
  ahead (overdue ones mostly escalated), priorities 50/60/80 = 75/15/10 %;
* 20,000 employers with Zipf-distributed case counts; business keys like ``JS2026000123``.

Rows go in by the fastest bulk path of each database (PostgreSQL ``COPY``; SQLite ``executemany`` in one
transaction), with task_row's secondary indexes dropped during the load and re-created after (the same
definitions as the models), then ``ANALYZE``.
"""
from __future__ import annotations

import bisect
import hashlib
import itertools
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

ROLE_GROUPS = [  # (body, role, share of tasks, task name, form, process key)
    ("intake", "intake_clerk", 0.14, "登记审核", "complaint_register.json", "intake_triage"),
    ("intake", "liaison_officer", 0.03, "联络协调", "approval.json", "intake_triage"),
    ("triage_room", "triage_reviewer", 0.10, "分理审查", "triage_room_review.json", "intake_triage"),
    ("inspection", "inspector", 0.30, "立案调查", "case_investigation.json", "inspection_case"),
    ("inspection", "liaison_officer", 0.04, "移送联络", "approval.json", "inspection_case"),
    ("si_audit", "auditor", 0.14, "稽核调查", "case_investigation.json", "si_audit_case"),
    ("si_audit", "liaison_officer", 0.03, "稽核联络", "approval.json", "si_audit_case"),
    ("arbitration", "arbitrator", 0.14, "仲裁审理", "case_investigation.json", "arbitration_case"),
    ("arbitration", "liaison_officer", 0.03, "仲裁联络", "approval.json", "arbitration_case"),
    ("legal_review", "legal_reviewer", 0.05, "法制审核", "approval.json", "inspection_case"),
]
SUPERVISED_BODIES = ("intake", "triage_room", "inspection", "si_audit", "arbitration")
PROCESS_NAMES = {"intake_triage": "综合窗口受理分流", "inspection_case": "劳动保障监察案件",
                 "si_audit_case": "社会保险稽核案件", "arbitration_case": "劳动人事争议仲裁案件"}
USERS_PER_GROUP = 5
EMPLOYERS = 20_000

_PLACES = ["郑州", "中原", "金水", "二七", "管城", "惠济", "上街", "巩义", "荥阳", "新密", "新郑", "登封", "中牟",
           "航空港", "高新", "经开", "豫", "嵩山", "黄河", "商都"]
_WORDS = ["鑫达", "宏远", "恒基", "瑞丰", "华通", "永盛", "金诚", "天成", "博源", "众鑫", "宇航", "明辉", "嘉禾",
          "安泰", "佳美", "新创", "中联", "润泽", "兴业", "汇通", "德信", "盛世", "同力", "长青", "万家", "利民",
          "顺发", "正大", "东方", "凯旋", "远航", "红星", "银河", "昌盛", "亿丰", "福瑞", "祥和", "腾飞", "百川",
          "和信"]
_TRADES = ["建筑工程", "餐饮管理", "物流", "电子科技", "保安服务", "服装加工", "房地产开发", "商贸", "家政服务",
           "汽车销售服务", "劳务派遣", "印刷", "食品", "装饰工程", "酒店管理", "物业管理", "机械制造", "网络科技",
           "医药连锁", "教育咨询"]
_FORMS = ["有限公司", "有限责任公司", "股份有限公司", "厂", "分公司"]


def _zipf_weights(n: int, s: float) -> list[float]:
    return [1.0 / (r ** s) for r in range(1, n + 1)]


class _Picker:
    """Weighted choice in O(log n) with a cumulative table."""

    def __init__(self, items, weights, rng: random.Random):
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]
        self.rng = rng

    def __call__(self):
        return self.items[bisect.bisect_left(self.cum, self.rng.random() * self.total)]


@dataclass
class Org:
    bureaus: list[str]
    groups: list[str]  # candidate groups of tasks (bureau/body/role)
    group_role: dict[str, tuple]  # group key -> ROLE_GROUPS entry
    users: dict[str, list[str]]  # group -> usernames
    heads: dict[tuple[str, str], str]  # (bureau, body) -> division head username
    employers: list[str]
    prefixes: dict[str, str]

    def user_group(self) -> dict[str, str]:
        return {u: g for g, us in self.users.items() for u in us}


def make_org(n_groups: int, rng: random.Random) -> Org:
    n_bureaus = max(1, n_groups // len(ROLE_GROUPS))
    bureaus = ["bc"] + [f"bc-d{i:02d}" for i in range(1, n_bureaus)]
    groups, group_role, users, heads = [], {}, {}, {}
    for b_index, bureau in enumerate(bureaus):
        for entry in ROLE_GROUPS:
            key = f"{bureau}/{entry[0]}/{entry[1]}"
            groups.append(key)
            group_role[key] = entry
            g_index = len(groups) - 1
            users[key] = [f"u{g_index:03d}_{k}" for k in range(USERS_PER_GROUP)]
        for body in SUPERVISED_BODIES:
            heads[(bureau, body)] = f"h{b_index:02d}_{body}"
    employers = []
    seen = set()
    while len(employers) < EMPLOYERS:
        name = rng.choice(_PLACES) + rng.choice(_WORDS) + rng.choice(_WORDS)[0] + rng.choice(_TRADES) + rng.choice(_FORMS)
        if name not in seen:
            seen.add(name)
            employers.append(name)
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    prefixes = {b: letters[i % len(letters)] + letters[(i // len(letters)) % len(letters)] for i, b in enumerate(bureaus)}
    return Org(bureaus, groups, group_role, users, heads, employers, prefixes)


@dataclass
class Generated:
    org: Org
    instances: int
    rows: int
    open_rows: int
    now: datetime
    # samples for query parameters
    open_by_group: dict[str, int] = field(default_factory=dict)
    business_keys_by_bureau: dict[str, list[str]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


TASK_COLUMNS = ["id", "instance_id", "process_key", "process_name", "process_version_id", "task_spec", "name", "form",
                "candidate_group", "bureau", "body", "role", "assignee", "owner", "delegation_state", "priority",
                "due_at", "created_at", "claimed_at", "completed_at", "completed_by", "status", "business_key",
                "employer_name", "summary", "draft", "row_version", "escalated_at", "escalation_group",
                "reminded_at"]
INSTANCE_COLUMNS = ["id", "process_key", "process_version_id", "business_key", "jurisdiction", "status", "state",
                    "employer_name", "summary", "tree_depth", "started_at", "started_by", "updated_at",
                    "completed_at", "lock_version"]
DATETIME_TASK = {TASK_COLUMNS.index(c) for c in ("due_at", "created_at", "claimed_at", "completed_at", "escalated_at",
                                                 "reminded_at")}
DATETIME_INSTANCE = {INSTANCE_COLUMNS.index(c) for c in ("started_at", "updated_at", "completed_at")}


def _task_counts(n_instances: int, total: int, rng: random.Random) -> list[int]:
    counts = [rng.choice((1, 2, 3, 4, 5, 5, 6, 7, 8, 9)) for _ in range(n_instances)]
    diff = total - sum(counts)
    while diff != 0:
        i = rng.randrange(n_instances)
        if diff > 0 and counts[i] < 12:
            counts[i] += 1
            diff -= 1
        elif diff < 0 and counts[i] > 1:
            counts[i] -= 1
            diff += 1
    return counts


class Generator:
    def __init__(self, rows: int, open_rows: int, n_groups: int, seed: int = 7):
        self.rng = random.Random(seed)
        self.org = make_org(n_groups, self.rng)
        self.now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
        self.n_instances = max(open_rows, rows // 5)
        self.rows, self.open_rows = rows, open_rows
        self.counts = _task_counts(self.n_instances, rows, self.rng)
        self.bureau_pick = _Picker(self.org.bureaus, _zipf_weights(len(self.org.bureaus), 0.7), self.rng)
        self.role_pick = _Picker(ROLE_GROUPS, [e[2] for e in ROLE_GROUPS], self.rng)
        self.employer_pick = _Picker(self.org.employers, _zipf_weights(len(self.org.employers), 0.9), self.rng)
        self.summary = Generated(self.org, self.n_instances, rows, open_rows, self.now)
        self.version_ids: dict[str, int] = {}

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def chunks(self, size: int = 10_000):
        """Yield (instance rows, task rows) per ``size`` instances. Datetimes are naive UTC."""
        rng, org, now = self.rng, self.org, self.now
        inst_rows, task_rows = [], []
        for i in range(self.n_instances):
            running = i < self.open_rows
            bureau = self.bureau_pick()
            employer = self.employer_pick()
            bkey = f"{org.prefixes[bureau]}{2025 + (i % 2)}{i:07d}"
            k = self.counts[i]
            if running:
                start = now - timedelta(days=rng.uniform(0, 120))
            else:
                start = now - timedelta(days=rng.uniform(30, 730))
            t = start
            main_key = None
            summary = f"{employer} 涉嫌拖欠工资等（{rng.randint(1, 60)}人）"
            for j in range(k):
                entry = self.role_pick()
                body, role, _, name, form, pkey = entry
                main_key = main_key or pkey
                group = f"{bureau}/{body}/{role}"
                users = org.users[group]
                is_open = running and j == k - 1
                created = t
                priority = rng.choices((50, 60, 80), (75, 15, 10))[0]
                due = escalated = esc_group = claimed = completed = completed_by = assignee = owner = deleg = None
                if is_open:
                    created = max(created, now - timedelta(days=rng.uniform(0, 40)))
                    if rng.random() < 0.85:
                        due = now + timedelta(days=rng.uniform(-8, 30))
                        if due < now and rng.random() < 0.9:
                            escalated = due + timedelta(minutes=rng.randint(1, 120))
                            esc_group = f"{bureau}/{body}/division_head"
                    if rng.random() < 0.30:
                        assignee = users[min(int(rng.expovariate(0.8)), len(users) - 1)]
                        claimed = created + timedelta(hours=rng.uniform(0, 24))
                        if rng.random() < 0.01:
                            owner, assignee, deleg = assignee, rng.choice(users), "pending"
                    status = "open"
                    self.summary.open_by_group[group] = self.summary.open_by_group.get(group, 0) + 1
                else:
                    due = created + timedelta(days=rng.uniform(3, 30)) if rng.random() < 0.85 else None
                    cancelled = rng.random() < 0.03
                    status = "cancelled" if cancelled else "completed"
                    completed = created + timedelta(hours=rng.uniform(1, 240))
                    if not cancelled:
                        assignee = completed_by = rng.choice(users)
                        claimed = created + timedelta(hours=rng.uniform(0, 1))
                    t = completed
                task_rows.append((
                    self._uuid(), i + 1, pkey, PROCESS_NAMES[pkey], self.version_ids.get(pkey, 1), f"task_{body}_{role}",
                    name, form, group, bureau, body, role, assignee, owner, deleg, priority, due, created, claimed,
                    completed, completed_by, status, bkey, employer, f"{name}：{employer}", None, 1 + (j % 3),
                    escalated, esc_group, None))
            ended = None if running else t
            inst_rows.append((i + 1, main_key, self.version_ids.get(main_key, 1), bkey, bureau,
                              "running" if running else "completed", "{}", employer, summary, 5, start, "clerk",
                              t, ended, k))
            if rng.random() < 0.02 or len(self.summary.business_keys_by_bureau.get(bureau, [])) < 20:
                self.summary.business_keys_by_bureau.setdefault(bureau, []).append(bkey)
            if len(inst_rows) >= size:
                yield inst_rows, task_rows
                inst_rows, task_rows = [], []
        if inst_rows:
            yield inst_rows, task_rows


# ------------------------------------------------------------------------------------------------
# Loading
# ------------------------------------------------------------------------------------------------

def seed_org(db, org: Org, token_users: list[str]) -> dict[str, str]:
    """Bureaus, bodies, groups (through the services); users with memberships and API tokens for
    ``token_users`` (bulk ORM). Returns username -> bearer token."""
    from workflow_app.platform import clock
    from workflow_app.platform.persistence.models import ApiToken, Membership, User
    from workflow_app.platform.persistence.models import Group
    from workflow_app.platform.identity import directory as identity
    from workflow_app.platform.persistence.database import in_transaction
    from sqlalchemy import select

    def run(s):
        for n, bureau in enumerate(org.bureaus):
            identity.create_bureau(s, bureau, f"基准第{n}人社局", "city" if n == 0 else "district",
                                   None if n == 0 else org.bureaus[0])
            for body in sorted({e[0] for e in ROLE_GROUPS}):
                identity.create_body(s, bureau, body, body)
            for body, role, *_ in ROLE_GROUPS:
                identity.ensure_group(s, bureau, body, role)
            for body in SUPERVISED_BODIES:
                identity.ensure_group(s, bureau, body, "division_head")
    in_transaction(db, run)

    user_group = org.user_group()
    head_group = {u: f"{b}/{body}/division_head" for (b, body), u in org.heads.items()}
    tokens = {}

    def users(s):
        gid = dict(s.execute(select(Group.key, Group.id)).all())
        now = clock.now()
        for username in token_users:
            user = User(username=username, display_name=f"用户{username}", is_active=True, created_at=now)
            s.add(user)
            s.flush()
            s.add(Membership(user_id=user.id, group_id=gid[user_group.get(username) or head_group[username]]))
            secret = f"{identity.TOKEN_PREFIX}bench-{username}-token"
            s.add(ApiToken(user_id=user.id, name="bench", token_hash=hashlib.sha256(secret.encode()).hexdigest(),
                           prefix=secret[:10], created_at=now))
            tokens[username] = secret
    in_transaction(db, users)
    return tokens


def _versions(db) -> dict[str, int]:
    """One fake deployed version per process key the rows reference (the inbox never loads specs)."""
    from workflow_app.platform import clock
    from workflow_app.platform.persistence.models import Deployment, ProcessVersion
    from workflow_app.platform.persistence.database import in_transaction

    def run(s):
        dep = Deployment(deployed_at=clock.now(), deployed_by="bench", source="bench", files="[]")
        s.add(dep)
        s.flush()
        out = {}
        for key, name in PROCESS_NAMES.items():
            v = ProcessVersion(process_key=key, version=1, name=name, content_hash=hashlib.sha256(key.encode()).hexdigest(),
                               deployment_id=dep.id, spec_json="{}", files_json="{}", forms_json="{}",
                               warnings_json="[]", deployed_at=clock.now())
            s.add(v)
            s.flush()
            out[key] = v.id
        return out
    return in_transaction(db, run)


def _sqlite_dt(value):
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if value is not None else None


def load(db, gen: Generator, progress=None) -> Generated:
    """Bulk-load instances and task rows into ``db`` (schema must exist); returns the summary."""
    from sqlalchemy import text
    from workflow_app.platform.persistence.models import ProcessInstance, TaskRow
    gen.version_ids = _versions(db)
    table = TaskRow.__table__
    indexes = list(table.indexes)
    t0 = time.perf_counter()
    with db.engine.begin() as conn:
        for idx in indexes:
            idx.drop(conn)
    raw = db.engine.raw_connection()
    try:
        if db.is_sqlite:
            cur = raw.cursor()
            cur.execute("PRAGMA foreign_keys=OFF")
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("BEGIN")
            isql = (f"INSERT INTO process_instance ({', '.join(INSTANCE_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(INSTANCE_COLUMNS))})")
            tsql = f"INSERT INTO task_row ({', '.join(TASK_COLUMNS)}) VALUES ({', '.join('?' * len(TASK_COLUMNS))})"
            done = 0
            for inst_rows, task_rows in gen.chunks():
                cur.executemany(isql, [tuple(_sqlite_dt(v) if n in DATETIME_INSTANCE else v for n, v in enumerate(r))
                                       for r in inst_rows])
                cur.executemany(tsql, [tuple(_sqlite_dt(v) if n in DATETIME_TASK else v for n, v in enumerate(r))
                                       for r in task_rows])
                done += len(task_rows)
                if progress:
                    progress(done)
            cur.execute("COMMIT")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
        else:
            pg = raw.driver_connection
            with pg.cursor() as cur:
                done = 0
                for inst_rows, task_rows in gen.chunks():
                    with cur.copy(f"COPY process_instance ({', '.join(INSTANCE_COLUMNS)}) FROM STDIN") as copy:
                        for r in inst_rows:
                            copy.write_row(r)
                    with cur.copy(f"COPY task_row ({', '.join(TASK_COLUMNS)}) FROM STDIN") as copy:
                        for r in task_rows:
                            copy.write_row(r)
                    done += len(task_rows)
                    if progress:
                        progress(done)
                cur.execute("SELECT setval(pg_get_serial_sequence('process_instance', 'id'), "
                            "(SELECT max(id) FROM process_instance))")
            pg.commit()
    finally:
        raw.close()
    gen.summary.seconds["insert"] = round(time.perf_counter() - t0, 1)
    t1 = time.perf_counter()
    with db.engine.begin() as conn:
        for idx in indexes:
            idx.create(conn)
    gen.summary.seconds["indexes"] = round(time.perf_counter() - t1, 1)
    t2 = time.perf_counter()
    if db.is_sqlite:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    else:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE task_row"))
            conn.execute(text("VACUUM ANALYZE process_instance"))
    gen.summary.seconds["analyze"] = round(time.perf_counter() - t2, 1)
    return gen.summary
