"""Police transfer (docs/collaboration.md §3): thresholds, preconditions, team, approval, handover, police records,
reconsideration and procuratorate supervision — every waiting step answered in time and overdue."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.collaboration.conftest import find_task, ok, open_case, run_worker, tasks, work
from tests.conftest import ROOT
from tests.intake.helpers import id_number
from tests.samples import upload
from workflow_app.domain.collaboration.models import InterAgencyTransfer

CHECKLIST = ["移送书", "调查报告", "涉案物品清单", "检验鉴定结论", "责令支付文书", "送达证明", "工资支付记录和劳动者陈述"]
FACTS = {"order_served": True, "order_deadline": "2026-11-10", "paid": False, "evasion": True,
         "workers": [{"amount": 12000, "months_unpaid": 4}], "reason": "逾期拒不支付劳动报酬，法定代表人失联"}

# (user, task name, data); the escalation of a step is "<name>（超期督办）" for the second user
REPORT = ("inspector", "组成专案组、撰写移送报告", {"team": ["inspector", "inspector2"], "report": "经调查，该公司拖欠工资十二万元，逾期拒不支付。"})
STEPS = {
    "approve": ("head", "leader", "负责人审批移送", {"approved": True, "approval_opinion": "同意移送公安机关"}),
    "handover": ("liaison", "head", "移送公安机关", {"checklist": CHECKLIST, "police_unit": "郑州市公安局金水分局"}),
    "receipt": ("police", "head", "记录公安机关回执", {"receipt_no": "金公回〔2026〕18号", "forwarded_to": None}),
    "filing": ("police", "head", "记录公安立案决定", {"filing_decision": "not_filed", "decision_note": "金公不立〔2026〕3号"}),
    "reconsider_request": ("head", "leader", "决定是否提请复议", {"request_reconsideration": True, "request_note": "证据充分"}),
    "reconsider_decision": ("police", "head", "记录公安复议决定", {"reconsider_result": "upheld", "reconsider_note": "维持"}),
    "supervision": ("head", "leader", "决定是否建议检察院立案监督", {"propose_supervision": True, "supervision_note": "建议监督"}),
    "explain": ("police", "head", "记录公安向检察院说明理由", {"procuratorate_result": "must_file", "explain_note": "通知立案"}),
    "ordered_filing": ("police", "leader", "记录公安按检察院通知立案", {"filed_after_supervision": True, "ordered_note": "已立案"}),
}
ORDER = list(STEPS)
ITEMS = ("liaison", "head", "移交涉案物品", {"items_note": "涉案账册三本已移交"})
#: status of the ledger row after each step
STATUS_AFTER = {"approve": "approved", "handover": "transferred", "receipt": "received", "filing": "not_filed",
                "reconsider_request": "reconsideration", "reconsider_decision": "reconsideration",
                "supervision": "supervision", "explain": "supervision", "ordered_filing": "supervision"}
NEXT_TASK = {"approve": "移送公安机关", "handover": "记录公安机关回执", "receipt": "记录公安立案决定",
             "filing": "决定是否提请复议", "reconsider_request": "记录公安复议决定",
             "reconsider_decision": "决定是否建议检察院立案监督", "supervision": "记录公安向检察院说明理由",
             "explain": "记录公安按检察院通知立案", "ordered_filing": "移交涉案物品"}


def start(as_user, case, **facts):
    return as_user("inspector").post(f"/api/cases/{case['id']}/police-transfers", json={**FACTS, **facts})


def row(db, number) -> InterAgencyTransfer:
    from sqlalchemy import select
    with db.transaction() as s:
        r = s.scalar(select(InterAgencyTransfer).where(InterAgencyTransfer.number == number))
        s.expunge(r)
        return r


def begin(as_user, complainant=1):
    case = open_case(as_user, "wage_arrears", complainant={"id_number": id_number(complainant)})["inspection"]
    t = ok(start(as_user, case), 201)
    assert t["number"] == "金水人社移公〔2026〕00001号" and t["status"] == "reporting"
    work(as_user(REPORT[0]), t["number"], REPORT[1], REPORT[2])
    return case, t


def do(as_user, number, step):
    user, _, name, data = STEPS[step]
    work(as_user(user), number, name, data)


def test_not_eligible_below_threshold_or_before_the_deadline(frozen, users, db):
    as_user = users
    case = open_case(as_user, "wage_arrears")["inspection"]
    t = ok(start(as_user, case, order_deadline="2026-11-25", workers=[{"amount": 9000, "months_unpaid": 4}],
                 order_served=False), 201)
    assert t["status"] == "not_eligible"
    reasons = t["details"]["reasons"]
    assert any("期限尚未届满" in r for r in reasons) and any("10000" in r for r in reasons)
    assert any("未送达" in r for r in reasons)
    # ten workers over T10 in total qualify even when each is under T1; posted order counts as served
    t2 = ok(start(as_user, case, order_served=False, order_posted=True,
                  workers=[{"amount": 6000, "months_unpaid": 2}] * 10), 201)
    assert t2["status"] == "reporting"
    # 2-9 workers: the one-worker test applies to each
    case2 = open_case(as_user, "wage_arrears", complainant={"id_number": id_number(2)})["inspection"]
    t3 = ok(start(as_user, case2, workers=[{"amount": 9999, "months_unpaid": 5}] * 9), 201)
    assert t3["status"] == "not_eligible"
    assert start(as_user, case).status_code == 409  # one open police transfer per case
    assert start(as_user, case2, workers=[]).status_code == 422
    assert start(as_user, case2, order_deadline="soon").status_code == 422
    assert as_user("arbitrator").post(f"/api/cases/{case['id']}/police-transfers", json=FACTS).status_code == 404


def test_thresholds_and_deadlines_are_decision_tables(frozen, users, db):
    as_user = users
    owner = as_user("owner")
    text = (ROOT / "bpmn" / "dmn" / "criminal_thresholds.dmn").read_text(encoding="utf-8")
    province = ('      <rule id="criminal_thresholds_zz"><description>本省标准</description>'
                '<inputEntry id="zz_i1"><text>"zz" in ?</text></inputEntry>'
                '<outputEntry id="zz_o1"><text>5000</text></outputEntry>'
                '<outputEntry id="zz_o2"><text>30000</text></outputEntry></rule>\n')
    text = text.replace('      <rule id="criminal_thresholds_r1">', province + '      <rule id="criminal_thresholds_r1">')
    deadlines = (ROOT / "bpmn" / "dmn" / "police_deadlines.dmn").read_text(encoding="utf-8")
    deadlines = deadlines.replace('<text>"3D"</text></outputEntry>', '<text>"3WD"</text></outputEntry>', 1)
    # the table's own test pins the default deadlines: a local change updates it too (docs/definition-tests.md)
    cases = (ROOT / "bpmn" / "tests" / "police_deadlines.test.json").read_text(encoding="utf-8")
    cases = cases.replace('"approval_rule": "3D"', '"approval_rule": "3WD"', 1)
    assert ok(upload(owner, {"criminal_thresholds.dmn": text, "police_deadlines.dmn": deadlines,
                             "police_deadlines.test.json": cases}), 201)
    case = open_case(as_user, "wage_arrears")["inspection"]
    t = ok(start(as_user, case, workers=[{"amount": 6000, "months_unpaid": 3}]), 201)
    assert t["status"] == "reporting"  # 6000 >= T1 of this province (5000)
    work(as_user(REPORT[0]), t["number"], REPORT[1], REPORT[2])
    # approval in 3 WD instead of 3 CD: Friday 20 Nov -> Wednesday 25 Nov
    assert find_task(as_user("head"), t["number"], "负责人审批移送")["due_at"] == "2026-11-25T15:59:59+00:00"


def test_special_team_needs_two_certified_officers(frozen, users, db):
    as_user = users
    case = open_case(as_user, "wage_arrears")["inspection"]
    t = ok(start(as_user, case), 201)
    task = find_task(as_user("inspector"), t["number"], REPORT[1])
    client = as_user("inspector")
    ok(client.post(f"/api/tasks/{task['id']}/claim"))
    r = client.post(f"/api/tasks/{task['id']}/complete", json={"data": {"team": ["inspector"], "report": "移送报告正文内容：拖欠工资逾期不付"}})
    assert r.status_code == 422  # the form: at least two
    r = client.post(f"/api/tasks/{task['id']}/complete",
                    json={"data": {"team": ["inspector", "liaison"], "report": "移送报告正文内容：拖欠工资逾期不付"}})
    assert r.status_code == 422 and "执法证" in r.json["message"]  # the liaison officer holds no certificate
    assert row(db, t["number"]).status == "reporting"
    ok(client.post(f"/api/tasks/{task['id']}/complete", json={"data": REPORT[2]}))
    r = row(db, t["number"])
    assert r.status == "reported" and r.details["team"] == ["inspector", "inspector2"]


def test_filed_by_the_police_hands_over_the_items(frozen, users, db):
    as_user = users
    case, t = begin(as_user)
    # approval due 3 days (calendar, rolled) after the report: Friday -> Monday 23 Nov
    assert find_task(as_user("head"), t["number"], "负责人审批移送")["due_at"] == "2026-11-23T15:59:59+00:00"
    do(as_user, t["number"], "approve")
    # the handover within 24 h (clock hours)
    assert find_task(as_user("liaison"), t["number"], "移送公安机关")["due_at"] == "2026-11-21T02:00:00+00:00"
    assert as_user("police").get(f"/api/cases/{case['id']}").status_code == 404  # not before the handover
    assert not tasks(as_user("police"), business_key=t["number"], status="open")
    bad = as_user("liaison")
    task = find_task(bad, t["number"], "移送公安机关")
    ok(bad.post(f"/api/tasks/{task['id']}/claim"))
    r = bad.post(f"/api/tasks/{task['id']}/complete", json={"data": {"checklist": CHECKLIST[:3], "police_unit": "金水分局"}})
    assert r.status_code == 422  # the dossier checklist must be complete
    ok(bad.post(f"/api/tasks/{task['id']}/complete", json={"data": STEPS["handover"][3]}))
    assert as_user("police").get(f"/api/cases/{case['id']}").status_code == 200  # police_transfer grant
    do(as_user, t["number"], "receipt")
    assert row(db, t["number"]).details["receipt_no"] == "金公回〔2026〕18号"
    work(as_user("police"), t["number"], "记录公安立案决定", {"filing_decision": "filed", "decision_note": "金公立〔2026〕9号"})
    assert row(db, t["number"]).status == "filed"
    work(as_user(ITEMS[0]), t["number"], ITEMS[2], ITEMS[3])
    r = row(db, t["number"])
    assert r.status == "items_handed_over" and not tasks(as_user("admin"), business_key=t["number"], status="open")
    ledger = ok(as_user("liaison").get("/api/ledgers/zz-jinshui/inspection?kind=police"))
    assert ledger["items"][0]["to_label"].endswith("公安机关") and ledger["items"][0]["status_label"] == "已移交涉案物品"
    assert ok(as_user("police").get("/api/ledgers/zz-jinshui/police?direction=in"))["total"] == 1


def test_head_refuses_with_reasons_on_file(frozen, users, db):
    as_user = users
    _, t = begin(as_user)
    work(as_user("head"), t["number"], "负责人审批移送", {"approved": False, "approval_opinion": "证据不足，继续调查"})
    r = row(db, t["number"])
    assert r.status == "refused" and r.details["approval"]["opinion"] == "证据不足，继续调查"


def test_not_prosecuted_returns_to_administrative_handling(frozen, users, db):
    as_user = users
    _, t = begin(as_user)
    for step in ("approve", "handover", "receipt", "filing", "reconsider_request", "reconsider_decision", "supervision"):
        do(as_user, t["number"], step)
    work(as_user("police"), t["number"], "记录公安向检察院说明理由",
         {"procuratorate_result": "reasons_accepted", "explain_note": "检察院认为不立案理由成立"})
    work(as_user("inspector"), t["number"], "转回行政处理", {"admin_note": "申请法院强制执行并列入失信名单"})
    assert row(db, t["number"]).status == "returned_to_admin"


def test_no_reconsideration_requested_returns_to_administrative_handling(frozen, users, db):
    as_user = users
    _, t = begin(as_user)
    for step in ("approve", "handover", "receipt", "filing"):
        do(as_user, t["number"], step)
    work(as_user("head"), t["number"], "决定是否提请复议", {"request_reconsideration": False, "request_note": "不提请"})
    find_task(as_user("inspector"), t["number"], "转回行政处理")


@pytest.mark.parametrize("mode", ["answered", "overdue"])
@pytest.mark.parametrize("step", ORDER)
def test_each_police_step_has_its_timer_and_escalation(frozen, users, db, step, mode):
    as_user = users
    _, t = begin(as_user)
    for earlier in ORDER[:ORDER.index(step)]:
        do(as_user, t["number"], earlier)
        frozen.advance(timedelta(hours=1))
    user, supervisor, name, data = STEPS[step]
    task = find_task(as_user(user), t["number"], name)
    due = datetime.fromisoformat(task["due_at"])
    if mode == "answered":
        frozen.set(due - timedelta(minutes=1))
        run_worker(db)
        work(as_user(user), t["number"], name, data)
        frozen.set(due + timedelta(hours=1))
        run_worker(db)  # the timer went with the task: nothing escalates
        assert not [x for x in tasks(as_user("admin"), business_key=t["number"]) if "超期督办" in x["name"]]
        assert row(db, t["number"]).escalated_at is None
    else:
        frozen.set(due + timedelta(seconds=1))
        run_worker(db)
        open_names = [x["name"] for x in tasks(as_user("admin"), business_key=t["number"], status="open")]
        assert open_names == [f"{name}（超期督办）"]
        escalation = find_task(as_user(supervisor), t["number"], f"{name}（超期督办）")
        assert escalation["candidate_group"].split("/")[1:] == (
            ["leadership", "leadership"] if supervisor == "leader" else ["inspection", "division_head"])
        r = row(db, t["number"])
        assert r.escalated_at is not None and r.details["escalations"][-1]["step"] == step
        work(as_user(supervisor), t["number"], f"{name}（超期督办）", data)
    assert row(db, t["number"]).status == STATUS_AFTER[step]
    find_task(as_user("admin"), t["number"], NEXT_TASK[step])
