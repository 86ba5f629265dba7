"""Demo data: one city with three districts, every body at both levels, one user per role,
and a few dozen cases at different stages. Used by ``caseflow demo`` (SQLite) and by the tests.
"""
from __future__ import annotations

import random
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import select

from workflow_app.domain.collaboration import emergencies, meetings, police, transfers
from workflow_app.domain.collaboration.models import InterAgencyTransfer, JointHearing
from workflow_app.domain.intake import registration
from workflow_app.domain.intake.models import Case, Complaint, ComplaintClaim
from workflow_app.platform import clock
from workflow_app.platform.identifiers.validation import id_check_digit, org_code_check_char, uscc_check_char
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.identity import certificates, passwords
from workflow_app.platform.identity.directory import BUREAU_WIDE, Principal
from workflow_app.platform.messaging import outbox
from workflow_app.platform.organisation import BODIES
from workflow_app.platform.persistence.database import Database, in_transaction
from workflow_app.platform.persistence.models import Bureau, Group, Membership, TaskRow, User
from workflow_app.platform.runtime import instances as runtime
from workflow_app.platform.tasks import inbox

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
    "police": ["liaison_officer"],  # police-side liaison records: visible only for transferred dossiers
}
BUREAU_ROLES = ["process_owner", "administrator"]

DEMO_PASSWORD = "Demo2026-caseflow"
#: (username, display name, group key) — at least one demo user per role of every body in 金水区 (the city's
#: triage room at 郑州市), and the bureau-wide process owners and administrator. README "Demo users" lists them.
DEMO_USERS = [
    ("clerk", "王受理", "zz-jinshui/intake/intake_clerk"),
    ("intake_liaison", "冯联络", "zz-jinshui/intake/liaison_officer"),
    ("intake_head", "蒋科长", "zz-jinshui/intake/division_head"),
    ("triage", "李分理", "zz/triage_room/triage_reviewer"),
    ("triage_head", "沈主任", "zz/triage_room/division_head"),
    ("inspector", "张监察", "zz-jinshui/inspection/inspector"),
    ("inspector2", "赵监察", "zz-jinshui/inspection/inspector"),
    ("liaison", "杨联络", "zz-jinshui/inspection/liaison_officer"),
    ("head", "周科长", "zz-jinshui/inspection/division_head"),
    ("auditor", "刘稽核", "zz-jinshui/si_audit/auditor"),
    ("auditor2", "何稽核", "zz-jinshui/si_audit/auditor"),
    ("si_liaison", "高联络", "zz-jinshui/si_audit/liaison_officer"),
    ("si_head", "林科长", "zz-jinshui/si_audit/division_head"),
    ("arbitrator", "陈仲裁", "zz-jinshui/arbitration/arbitrator"),
    ("arbitrator2", "罗仲裁", "zz-jinshui/arbitration/arbitrator"),
    ("arb_liaison", "梁联络", "zz-jinshui/arbitration/liaison_officer"),
    ("arb_head", "宋院长", "zz-jinshui/arbitration/division_head"),
    ("leader", "吴局长", "zz-jinshui/leadership/leadership"),
    ("leader_city", "马局长", "zz/leadership/leadership"),  # 挂牌督办 is decided one level up
    ("legal", "郑法制", "zz-jinshui/legal_review/legal_reviewer"),
    ("police", "孟联络", "zz-jinshui/police/liaison_officer"),
    ("owner", "孙流程", "zz/bureau/process_owner"),
    ("owner2", "韩流程", "zz/bureau/process_owner"),
    ("admin", "钱管理", "zz/bureau/administrator"),
]
#: Enforcement certificates (行政执法证) of the demo officers: (username, number); valid 2024-01-01..2029-12-31.
DEMO_CERTIFICATES = [("inspector", "豫人社执字410105001"), ("inspector2", "豫人社执字410105002"),
                     ("auditor", "豫人社执字410105003"), ("head", "豫人社执字410105004"),
                     ("auditor2", "豫人社执字410105005"), ("si_head", "豫人社执字410105006")]

EMPLOYERS = ["河南某建筑工程有限公司", "郑州某餐饮管理有限公司", "某物流有限公司郑州分公司", "郑州某电子科技有限公司",
             "某保安服务有限公司", "郑州某服装加工厂", "某房地产开发有限公司", "郑州某商贸有限公司",
             "某家政服务有限公司", "郑州某汽车销售服务有限公司", "某劳务派遣有限公司", "郑州某印刷有限公司"]


@lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    # One argon2 hash for all demo users (they share the demo password): seeding stays fast.
    return passwords.hash_password(DEMO_PASSWORD)


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
        for username, number in DEMO_CERTIFICATES:
            certificates.add_certificate(s, username, number, date(2024, 1, 1), date(2029, 12, 31), "郑州市人民政府")
    in_transaction(db, run)


#: Demo registrations: (claims, extra facts). Claims are issue codes, or (code, {field: value}).
_SCENARIOS = [
    ([("wage_arrears", {"amount": 18600, "months_unpaid": 2})], {"workers_affected": 3}),                    # T5
    ([("wage_arrears", {"amount": 9000, "months_unpaid": 1}), "si_contribution_arrears"], {}),             # T3
    (["si_contribution_arrears", "si_not_registered"], {}),                                                 # T4
    (["si_fraud"], {"kind": "report"}),                                                                     # T4
    ([("wage_arrears", {"amount": 12000, "months_unpaid": 2}), "double_wages"], {}),                        # T5 + T6
    ([("wage_arrears", {"amount": 7000, "months_unpaid": 2}), "dismissal_dispute"],
     {"relationship_disputed": True}),                                                                      # T2
    (["overtime_violation", "workplace_safety"], {"workers_affected": 6}),                                  # T5 + T7
    ([("double_wages", {"proceedings": "arbitration"}), "overtime_violation"], {}),                          # T0 + T5
    ([("wage_arrears", {"amount": 26000, "months_unpaid": 5}), "severance_compensation"],
     {"dispute_major": True, "facts_clear": False, "evidence_sufficient": False}),                          # T1
    ([("wage_arrears", {"amount": 8000, "months_unpaid": 2, "violation_ended_on": "-3y"}),
      ("overtime_violation", {"violation_ended_on": "-30d"})], {"violation_ongoing": False}),                # T8 + T5
    ([("wage_arrears", {"amount": 236000, "months_unpaid": 4}), "severance_compensation"],
     {"workers_affected": 15, "employer_absconded": True,
      "project": {"name": "某安置房二期项目", "type": "housing_construction"}}),                               # F1 F2 F3
    (["child_labor"], {"media_exposure": True, "kind": "report"}),                                          # F1
]
_NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周杰", "吴霞", "徐强", "孙丽"]


def _demo_uscc(n: int) -> str:
    body8 = f"MA{n:06d}"
    first17 = "91410100" + body8 + org_code_check_char(body8)
    return first17 + uscc_check_char(first17)


def _demo_id_number(n: int) -> str:
    first17 = f"4101{n % 90 + 2:02d}19{70 + n % 30:02d}0{n % 9 + 1}1{n % 9:1d}{n % 1000:03d}"
    return first17 + id_check_digit(first17)


def _demo_registration(n: int, received, rng: random.Random) -> dict:
    claims_spec, facts = _SCENARIOS[n % len(_SCENARIOS)]
    received_on = received.astimezone(clock.CHINA_TZ).date()
    claims = []
    for item in claims_spec:
        code, extra = (item, {}) if isinstance(item, str) else item
        extra = dict(extra)
        if extra.get("violation_ended_on") == "-3y":
            extra["violation_ended_on"] = received_on.replace(year=received_on.year - 3).isoformat()
        elif extra.get("violation_ended_on") == "-30d":
            extra["violation_ended_on"] = (received_on - timedelta(days=30)).isoformat()
        claims.append({"code": code, **extra})
    facts = dict(facts)
    kind = facts.pop("kind", "complaint")
    project = facts.pop("project", None)
    employer_no = n % len(EMPLOYERS)
    employer = {"name": EMPLOYERS[employer_no], "uscc": _demo_uscc(employer_no + 1),
                "district": DISTRICTS[n % len(DISTRICTS)][0], "address": "郑州市某路" + str(10 + n) + "号"}
    if project:
        employer["project"] = project
    complainant = {"name": _NAMES[n % len(_NAMES)], "id_number": _demo_id_number(n), "phone": f"1380371{n:04d}"}
    data = {"kind": kind, "channel": ["window", "phone_12333", "online", "wage_platform"][n % 4],
            "received_at": received.isoformat(), "complainant": complainant, "employer": employer,
            "workers_affected": facts.pop("workers_affected", rng.randint(1, 9)), "claims": claims,
            "violation_ongoing": facts.pop("violation_ongoing", True), "employment_ongoing": n % 3 != 0,
            "description": "投诉人反映用人单位存在上述问题，请求依法处理。", **facts}
    if not data["employment_ongoing"]:
        data["employment_ended_on"] = (received_on - timedelta(days=20 + n)).isoformat()
    return data


def seed_cases(db: Database, count: int = 24, seed: int = 20261121) -> None:
    """Register ``count`` complaints at the 金水区 window, as a clerk would, and move the cases they open to
    different stages. Triage routes them (one case per body, in the employer's district), so the demo shows
    every outcome: inspection, audit, arbitration, referral, the triage room, the inform and refusal steps,
    flags, and a duplicate registration linked to an open case."""
    rng = random.Random(seed)
    now = clock.now()
    numbers: list[str] = []
    for n in range(count):
        received = now - timedelta(days=rng.randint(0, 12), hours=rng.randint(0, 8))
        data = _demo_registration(n, received, rng)

        def run(s, data=data):
            clerk = identity.principal_by_username(s, "clerk")
            complaint = registration.register(s, clerk, data)
            s.flush()
            return complaint.number, [c.number for c in s.scalars(select(Case).where(Case.complaint_id == complaint.id)
                                                                  .order_by(Case.id))]
        number, cases = in_transaction(db, run)
        numbers.append(number)
        for index, case_number in enumerate(cases):
            stage = (n + index) % 4  # 0: waiting for a claim, 1: claimed, 2: one step done, 3: two steps done
            for _ in range(max(0, stage - 1)):
                _advance(db, case_number, accepted=((n + index) % 5 != 0))
            if stage >= 1:
                _claim_first(db, case_number)
        if n % 2 == 1:  # the window works some inform steps, the triage room some reviews
            _advance(db, number, accepted=True)
    # A complainant comes back about the same claim while the case is open: linked, not opened again.
    if count:
        def again(s):
            first = s.scalar(select(Complaint).where(Complaint.number == numbers[0]))
            data = _demo_registration(0, first.received_at + timedelta(hours=1), rng)
            data["channel"] = "phone_12333"
            registration.register(s, identity.principal_by_username(s, "clerk"), data)
        in_transaction(db, again)


def _open_task(session, business_key):
    return session.scalar(select(TaskRow).where(TaskRow.business_key == business_key, TaskRow.status == "open")
                          .order_by(TaskRow.created_at))


def _actor_for(session, row) -> Principal | None:
    """A member of the task's group works it. Where the demo has nobody in that group (the bodies of
    二七区 and 中原区), the task waits: the administrator never stands in for a case officer."""
    username = session.scalar(select(User.username).join(Membership, Membership.user_id == User.id)
                              .join(Group, Group.id == Membership.group_id)
                              .where(Group.key == row.candidate_group).order_by(User.username).limit(1))
    return identity.principal_by_username(session, username) if username else None


def _claim_first(db, business_key):
    def run(s):
        row = _open_task(s, business_key)
        actor = _actor_for(s, row) if row is not None and row.assignee is None else None
        if actor is not None:
            inbox.claim(s, actor, row.id)
    in_transaction(db, run)


def _today() -> str:
    return clock.today_local().isoformat()


_SAMPLE_DATA = {
    "case_acceptance.json": lambda ok: {"accepted": ok, "acceptance_opinion": "材料齐全，符合受理条件" if ok else "不符合受理条件",
                                        **({} if ok else {"refusal_reason": "用人单位已于投诉前支付"})},
    "case_investigation.json": lambda ok: {"findings": "经调查，存在拖欠工资情况", "violation_found": True,
                                           "proposed_action": "order_to_correct"},
    "approval.json": lambda ok: {"approved": True, "approval_opinion": "同意"},
    "refusal_notice.json": lambda ok: {"notice_number": "不受字〔2026〕1号", "served_on": _today()},
    "limitation_refusal.json": lambda ok: {"notice_number": "人社监不受〔2026〕1号", "issued_on": _today(),
                                           "advice": "违法行为终了已超过两年，劳动保障监察不再查处；可依法申请劳动人事争议仲裁"},
    "inform_complainant.json": lambda ok: {"informed_on": _today(), "inform_method": "on_site",
                                           "inform_content": "相关诉求已在仲裁程序中，请按原程序继续办理"},
}
#: The triage room's demo routing: claims go to the body of their group.
_ROOM_BODY = {"si_audit": "si_audit", "labour_dispute": "arbitration"}


def _room_routing(session, row) -> dict:
    complaint = session.scalar(select(Complaint).where(Complaint.number == row.business_key))
    waiting = session.scalars(select(ComplaintClaim).where(ComplaintClaim.complaint_id == complaint.id,
                                                           ComplaintClaim.route == "triage_room"))
    return {"room_decision": "route", "room_opinion": "经分理审查，按诉求性质分送办理",
            "room_routes": [{"code": c.code, "body": _ROOM_BODY.get(c.group, "inspection")} for c in waiting]}


def _advance(db, business_key, accepted: bool):
    def run(s):
        row = _open_task(s, business_key)
        if row is None:
            return
        actor = _actor_for(s, row)
        if actor is None:
            return
        if row.assignee is None:
            inbox.claim(s, actor, row.id)
        data = _room_routing(s, row) if row.form == "triage_room_review.json" else _SAMPLE_DATA[row.form](accepted)
        runtime.complete_task(s, actor, row.id, data)
    in_transaction(db, run)


def is_seeded(db: Database) -> bool:
    with db.transaction() as s:
        return s.scalar(select(Bureau.id).limit(1)) is not None


def seed_meeting_schedules(db: Database) -> None:
    """Quarterly liaison meetings for the city and 金水区 (enabled by the process owner), one past 金水区
    meeting with its minutes and an open action item, and this quarter's meeting that carries it over."""
    def run(s):
        owner = identity.principal_by_username(s, "owner")
        for bureau in (CITY[0], "zz-jinshui"):
            meetings.set_schedule(s, owner, bureau, True)
        today = clock.today_local()
        year, q = meetings.quarter_of(today)
        previous = f"{year - 1}Q4" if q == 1 else f"{year}Q{q - 1}"
        past = meetings.start_meeting(s, identity.SYSTEM, "zz-jinshui", "quarterly", previous)
        for title, data in (("准备会议议程", {"agenda_note": "按系统汇总议题逐项通报"}),
                            ("会议纪要与议定事项", {
                                "minutes_text": "会议通报了上季度移送和欠薪案件办理情况，各机构汇报了在办疑难案件进展。",
                                "decisions": ["逾期未签收的移送限期签收"],
                                "action_items": [{"title": "督促仲裁院签收逾期移送案件", "owner_body": "inspection",
                                                  "owner": "head", "due_on": (today + timedelta(days=7)).isoformat()}],
                                "closed_items": []})):
            row = s.scalar(select(TaskRow).where(TaskRow.instance_id == past.instance_id, TaskRow.status == "open",
                                                 TaskRow.name == title))
            actor = _actor_for(s, row)
            inbox.claim(s, actor, row.id)
            runtime.complete_task(s, actor, row.id, data)
        meetings.start_meeting(s, identity.SYSTEM, "zz-jinshui", "quarterly", f"{year}Q{q}")
    in_transaction(db, run)


# ------------------------------------------------------------------------------------------------
# Collaboration work (移送、通报、协助、移送公安、联合会商、应急、挂牌督办) in 金水区
# ------------------------------------------------------------------------------------------------

#: The handover checklist of a police transfer (移送公安机关), as the inspection liaison officer lists it.
_POLICE_CHECKLIST = ["移送书", "调查报告", "涉案物品清单", "检验鉴定结论", "责令支付文书", "送达证明", "工资支付记录和劳动者陈述"]
_LETTER = "兹将本案移送贵单位依法处理，请于三个工作日内签收。此致"


class _DemoTimeline:
    """The collaboration work happened over the last three days, step by step, so that the clocks and the
    leadership dashboard's acknowledgement times show hours, not seconds: a frozen clock installed for the
    seeding walks forward from ``start`` (taken from ``clock.now()``) and the previous clock comes back after."""

    def __init__(self, start):
        self._start = start

    def __enter__(self):
        self._frozen = clock.FrozenClock(self._start)
        self._previous = clock.set_clock(self._frozen)
        return self

    def at(self, hours: float) -> None:
        """Move to ``hours`` after the start (never backwards)."""
        moment = self._start + timedelta(hours=hours)
        if moment > self._frozen.now():
            self._frozen.set(moment)

    def __exit__(self, *exc):
        clock.set_clock(self._previous)


def _jinshui_registration(n: int, claims: list, **facts) -> dict:
    """A complaint at the 金水区 window about a 金水区 employer, received now (the collaboration cases)."""
    employer_no = n % len(EMPLOYERS)
    return {"kind": "complaint", "channel": "window", "received_at": clock.now().isoformat(),
            "complainant": {"name": _NAMES[n % len(_NAMES)], "id_number": _demo_id_number(n), "phone": f"1380371{n:04d}"},
            "employer": {"name": EMPLOYERS[employer_no], "uscc": _demo_uscc(employer_no + 1), "district": "zz-jinshui",
                         "address": f"郑州市金水区某路{n}号"},
            "workers_affected": 3, "claims": [{"code": c} if isinstance(c, str) else c for c in claims],
            "violation_ongoing": True, "employment_ongoing": True,
            "description": "投诉人反映用人单位存在上述问题，请求依法处理。", **facts}


def _register_case(db, n: int, claims: list, body: str | None, **facts) -> tuple[str, int | None]:
    """Register as the clerk; returns the complaint's number and the id of its case at ``body``."""
    def run(s):
        complaint = registration.register(s, identity.principal_by_username(s, "clerk"),
                                          _jinshui_registration(n, claims, **facts))
        s.flush()
        case_id = s.scalar(select(Case.id).where(Case.complaint_id == complaint.id, Case.body == body)) if body else None
        return complaint.number, case_id
    return in_transaction(db, run)


def _work(db, username: str, business_key: str, name: str, data: dict) -> None:
    """``username`` claims the open task ``name`` of ``business_key`` offered to one of its groups and completes it."""
    def run(s):
        actor = identity.principal_by_username(s, username)
        row = s.scalar(select(TaskRow).where(TaskRow.business_key == business_key, TaskRow.name == name,
                                             TaskRow.status == "open",
                                             TaskRow.candidate_group.in_(sorted(actor.groups)))
                       .order_by(TaskRow.created_at))
        if row is None:
            raise RuntimeError(f"demo: {username} has no open task {name!r} of {business_key}")
        if row.assignee is None:
            inbox.claim(s, actor, row.id)
        runtime.complete_task(s, actor, row.id, data)
    in_transaction(db, run)
    _deliver(db)


def _deliver(db) -> None:
    """Deliver the outbox now, as the worker would after the commit (the requests reach the receivers)."""
    for _ in range(10):
        ids = in_transaction(db, lambda s: outbox.pending_ids(s, 50))
        if not sum(1 for message_id in ids if outbox.deliver(db, message_id)):
            return


def _as(db, username: str, action):
    """Run ``action(session, principal)`` as the demo user ``username`` in one unit of work."""
    result = in_transaction(db, lambda s: action(s, identity.principal_by_username(s, username)))
    _deliver(db)
    return result


def _request(db, username: str, case_id: int, **data) -> str:
    return _as(db, username, lambda s, p: transfers.create_transfer(s, p, case_id, data).number)


def _send(db, liaison: str, number: str, materials: list[str]) -> None:
    _work(db, liaison, number, "联络员审核并制作移送函",
          {"send": True, "materials": materials, "letter": _LETTER, "refusal_reason": ""})


def _acknowledge(db, liaison: str, number: str, note: str) -> None:
    _work(db, liaison, f"{number}-收", "联络员签收移送函", {"decision": "accept", "ack_note": note})


def _police_start(db, case_id: int, reason: str, workers: list[dict]) -> str:
    facts = {"order_served": True, "order_deadline": (clock.today_local() - timedelta(days=10)).isoformat(),
             "paid": False, "evasion": True, "able_to_pay": True, "workers": workers, "reason": reason}
    number = _as(db, "inspector", lambda s, p: police.start(s, p, case_id, facts).number)
    _work(db, "inspector", number, "组成专案组、撰写移送报告", {
        "team": ["inspector", "inspector2"],
        "report": f"经调查，用人单位拖欠{len(workers)}名劳动者工资，经责令限期支付逾期仍不支付。{reason}"})
    return number


def seed_collaboration(db: Database) -> None:
    """Collaboration work in 金水区 over the last three days, through the services and as the demo users who
    do each step (never the administrator): transfers between the bodies (one waiting for arbitration's
    acknowledgement, one accepted), a notification to the audit, an assistance request from arbitration,
    two police transfers (one at the head's approval, one with the police for their filing decision), a
    joint hearing collecting opinions, an emergency (fast track) and a case supervised by the city.
    README "What the demo contains" lists who walks each journey."""
    with _DemoTimeline(clock.now() - timedelta(hours=72)) as timeline:
        def case_of(n, claims, body, **facts):
            timeline.at((n - 100) * 0.2)
            return _register_case(db, n, claims, body, **facts)[1]
        accepted = case_of(100, [{"code": "wage_arrears", "amount": 15000, "months_unpaid": 2}], "inspection")
        notified = case_of(101, [{"code": "wage_arrears", "amount": 9800, "months_unpaid": 1}], "inspection")
        emergency = case_of(102, ["dismissal_dispute"], "arbitration")
        handed_over = case_of(103, [{"code": "wage_arrears", "amount": 186000, "months_unpaid": 4}], "inspection",
                              workers_affected=12)
        supervised = case_of(104, [{"code": "wage_arrears", "amount": 236000, "months_unpaid": 5}], "inspection",
                             workers_affected=15)
        hearing_complaint, _ = _register_case(db, 105, [{"code": "wage_arrears", "amount": 26000, "months_unpaid": 5},
                                                        "severance_compensation"], None,
                                              dispute_major=True, facts_clear=False, evidence_sufficient=False)
        awaiting_approval = case_of(106, [{"code": "wage_arrears", "amount": 64000, "months_unpaid": 3}],
                                    "inspection", workers_affected=5)
        assisted = case_of(107, ["dismissal_dispute"], "arbitration")
        waiting = case_of(108, [{"code": "wage_arrears", "amount": 7200, "months_unpaid": 2}], "inspection")

        # A transfer inspection → arbitration, accepted after 19 hours: the arbitrator has the new case.
        timeline.at(2)
        transfer = _request(db, "inspector", accepted, to_body="arbitration",
                            reason="经初步调查，双方对劳动关系解除存在争议，属劳动争议仲裁受理范围",
                            materials=["投诉登记表", "调查询问笔录"])
        timeline.at(3)
        _send(db, "liaison", transfer, ["投诉登记表", "调查询问笔录"])

        # A notification inspection → audit (unpaid social insurance found on inspection), acknowledged in 7 hours.
        timeline.at(4)
        number = _request(db, "inspector", notified, kind="notification", to_body="si_audit",
                          reason="监察中发现用人单位未依法为劳动者缴纳社会保险费，通报稽核依法处理", materials=["工资支付记录"])
        timeline.at(5)
        _send(db, "liaison", number, ["工资支付记录"])
        timeline.at(12)
        _acknowledge(db, "si_liaison", number, "已签收，列入稽核计划")

        # The arbitration liaison officer accepts the transfer: the arbitrator has the new case.
        timeline.at(22)
        _acknowledge(db, "arb_liaison", transfer, "材料齐全，予以接收")
        timeline.at(23)
        new_case = in_transaction(db, lambda s: s.scalar(select(Case.number).join(
            InterAgencyTransfer, InterAgencyTransfer.new_case_id == Case.id).where(InterAgencyTransfer.number == transfer)))
        _claim_first(db, new_case)  # the arbitrator's acceptance review

        # An emergency (media exposure) on an arbitration case: fast track, and inspection intervenes first.
        timeline.at(24)
        first = _as(db, "leader", lambda s, p: emergencies.declare(s, p, emergency, {
            "kind": "media_exposure", "description": "多名劳动者在网络平台反映被集体辞退，引发媒体关注"})["first_intervention"])
        timeline.at(25)
        _send(db, "arb_liaison", first, ["应急情况说明"])
        timeline.at(26.5)
        _acknowledge(db, "liaison", first, "已签收，监察大队先期介入")

        # A police transfer handed over to the police, who gave their receipt and owe the filing decision.
        timeline.at(27)
        number = _police_start(db, handed_over, "用人单位以转移财产方式逃避支付劳动报酬",
                               [{"amount": 15500, "months_unpaid": 4}] * 12)
        timeline.at(41)
        _work(db, "head", number, "负责人审批移送", {"approved": True, "approval_opinion": "同意移送公安机关"})
        timeline.at(44)
        _work(db, "liaison", number, "移送公安机关", {"checklist": _POLICE_CHECKLIST, "police_unit": "郑州市公安局金水分局"})
        timeline.at(47)
        _work(db, "police", number, "记录公安机关回执", {"receipt_no": "金公（经）受字〔2026〕0127号", "forwarded_to": None})

        # The city supervises (挂牌督办) a large wage arrears case of 金水区.
        timeline.at(48)
        _as(db, "leader_city", lambda s, p: emergencies.supervise(s, p, supervised, {
            "reason": "拖欠15名劳动者工资23.6万元，群体性讨薪风险高，市局挂牌督办", "deadline_rule": "30WD"}))

        # The triage room asks for a joint hearing of a difficult registration; arbitration gave its opinion.
        timeline.at(52)
        _work(db, "triage", hearing_complaint, "分理室审查分流", {
            "room_decision": "joint_hearing", "room_opinion": "劳动关系及解除争议较大，事实不清",
            "hearing_reason": "欠薪与经济补偿交织，需监察、稽核、仲裁共同会商确定办理机构"})
        hearing = in_transaction(db, lambda s: s.scalar(select(JointHearing.number).join(
            Complaint, Complaint.id == JointHearing.complaint_id).where(Complaint.number == hearing_complaint)))
        timeline.at(60)
        _work(db, "arbitrator", hearing, "出具书面意见", {
            "opinion": "经济补偿金争议属劳动争议仲裁受理范围，建议由仲裁院办理", "proposed_body": "arbitration"})

        # A police transfer at the inspection head's approval.
        timeline.at(66)
        _police_start(db, awaiting_approval, "经责令限期支付，用人单位有能力支付而拒不支付",
                      [{"amount": 12800, "months_unpaid": 3}] * 5)

        # An assistance request (evidence) arbitration → inspection, waiting for the inspection liaison officer.
        timeline.at(68)
        number = _request(db, "arbitrator", assisted, kind="assistance", assist_type="evidence", to_body="inspection",
                          reason="申请人主张的加班事实需调取用人单位考勤记录，请协助调查取证", materials=["仲裁申请书"])
        timeline.at(69)
        _send(db, "arb_liaison", number, ["仲裁申请书"])

        # A transfer inspection → arbitration, sent an hour ago: waiting for arbitration's acknowledgement.
        timeline.at(70)
        number = _request(db, "inspector", waiting, to_body="arbitration",
                          reason="投诉人主张解除劳动合同经济补偿，属劳动争议，移送仲裁院处理", materials=["投诉登记表"])
        timeline.at(71)
        _send(db, "liaison", number, ["投诉登记表"])
