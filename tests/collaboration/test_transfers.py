"""Transfers, notifications and assistance requests through the liaison officers; ledgers; the outbox."""
from __future__ import annotations

import io
from datetime import datetime, timedelta

from sqlalchemy import func, select

from tests.collaboration.conftest import find_task, ok, open_case, ready_data, run_worker, tasks, work
from tests.conftest import make_app
from workflow_app.platform import clock
from workflow_app.platform.persistence.models import (
    AuditEvent,
    CaseAccess,
    MessageReceipt,
    OutboxMessage,
    ProcessInstance,
)
from workflow_app.domain.intake.models import Case
from workflow_app.platform.messaging import outbox as messaging

PACKAGE, ACK, ACK_LATE = "联络员审核并制作移送函", "联络员签收移送函", "签收超期督办"
FOLLOWUP, REPLY = "查收退回或协助答复", "办理协助事项并答复"
LETTER = "兹将本案移送贵单位依法处理，请于三个工作日内签收。此致"


def request(as_user, case, user="inspector", **body):
    body = {"to_body": "arbitration", "reason": "经初步调查属于劳动争议，应由仲裁院处理", "materials": ["投诉登记表", "调查笔录"],
            **body}
    return ok(as_user(user).post(f"/api/cases/{case['id']}/transfers", json=body), 201)


def package(as_user, number, user="liaison", send=True, **extra):
    data = {"send": send, "materials": ["投诉登记表", "调查笔录"] if send else [], "letter": LETTER if send else "",
            "refusal_reason": "" if send else "材料不全，请补充后再报", **extra}
    work(as_user(user), number, PACKAGE, data)


def transfer(as_user, transfer_id, user="admin"):
    return ok(as_user(user).get(f"/api/transfers/{transfer_id}"))


def ledger(as_user, user, bureau="zz-jinshui", body="inspection", **query):
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return ok(as_user(user).get(f"/api/ledgers/{bureau}/{body}?{params}"))


def test_transfer_accepted_opens_the_receiving_case_with_materials_grants_and_ledgers(frozen, users, db):
    as_user = users
    case = open_case(as_user, "wage_arrears")["inspection"]
    t = request(as_user, case)
    assert t["number"] == "金水人社移〔2026〕00001号" and t["status"] == "requested"
    # the sending liaison officer packages it (the handler cannot: not in the liaison group)
    assert not [x for x in tasks(as_user("inspector"), business_key=t["number"], status="open") if x["name"] == PACKAGE]
    package(as_user, t["number"])
    assert transfer(as_user, t["id"])["status"] == "sent"
    with db.transaction() as s:  # the request waits in the outbox, written in the liaison's transaction
        assert s.scalar(select(OutboxMessage.status).where(OutboxMessage.message_name == "transfer_request")) == "pending"
    run_worker(db)
    receiving = t["number"] + "-收"
    task = find_task(as_user("arb_liaison"), receiving, ACK)
    assert task["due_at"] == "2026-11-25T15:59:59+00:00"  # 3 WD after Friday 20 Nov: Wednesday 25 Nov
    assert transfer(as_user, t["id"])["ack_due_at"] == "2026-11-25T15:59:59+00:00"
    # before acceptance the arbitration body does not see the inspection case
    assert as_user("arbitrator").get(f"/api/cases/{case['id']}").status_code == 404
    frozen.advance(timedelta(days=1))
    work(as_user("arb_liaison"), receiving, ACK, {"decision": "accept", "ack_note": "材料齐全，予以接收"})
    row = transfer(as_user, t["id"])
    assert (row["status"], row["acknowledged_by"], row["overdue"]) == ("accepted", "arb_liaison", False)
    assert row["acknowledged_at"] == "2026-11-21T02:00:00+00:00"
    # the receiving body's case: own number, own process, materials and letter as variables
    new_case = ok(as_user("arbitrator").get(f"/api/cases/{row['new_case_id']}"))
    assert new_case["number"] == "金水劳人仲案〔2026〕00001号" and new_case["source"] == "transfer"
    data = ready_data(db, new_case["instance_id"])
    assert data["transfer_materials"] == ["投诉登记表", "调查笔录"] and data["claims"][0]["code"] == "wage_arrears"
    assert data["transfer_letter"] == LETTER and data["transferred_from"] == case["number"]
    assert [x["name"] for x in tasks(as_user("arbitrator"), business_key=new_case["number"])] == ["受理审查"]
    # grants: the receiving body sees the original case, the sending body follows the new one
    assert as_user("arbitrator").get(f"/api/cases/{case['id']}").status_code == 200
    assert as_user("inspector").get(f"/api/cases/{new_case['id']}").status_code == 200
    # the answer goes back to the sender's instance through the outbox, which then completes
    run_worker(db)
    with db.transaction() as s:
        sender = s.get(ProcessInstance, row["instance_id"])
        assert sender.status == "completed"
        assert s.scalar(select(func.count()).select_from(CaseAccess).where(CaseAccess.kind == "transfer")) == 1
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "transfer.answered")) == 1
    # both ledgers list the same row
    out = ledger(as_user, "liaison", direction="out")
    inc = ledger(as_user, "arb_liaison", body="arbitration", direction="in")
    assert [r["number"] for r in out["items"]] == [r["number"] for r in inc["items"]] == [t["number"]]
    assert out["title"] == "移送台账" and out["items"][0]["status_label"] == "已接收"
    assert ledger(as_user, "arb_liaison", body="arbitration", direction="out")["total"] == 0


def test_transfer_returned_with_reasons_goes_back_to_the_sender(frozen, users, db):
    as_user = users
    case = open_case(as_user, "wage_arrears")["inspection"]
    t = request(as_user, case)
    package(as_user, t["number"])
    run_worker(db)
    r = as_user("arb_liaison")
    task = find_task(r, t["number"] + "-收", ACK)
    ok(r.post(f"/api/tasks/{task['id']}/claim"))
    bad = r.post(f"/api/tasks/{task['id']}/complete", json={"data": {"decision": "return", "ack_note": "退回"}})
    assert bad.status_code == 422  # a return needs its reasons
    ok(r.post(f"/api/tasks/{task['id']}/complete", json={"data": {
        "decision": "return", "return_reason": "不属于劳动争议仲裁受理范围", "ack_note": "退回"}}))
    row = transfer(as_user, t["id"])
    assert (row["status"], row["return_reason"], row["new_case_id"]) == ("returned", "不属于劳动争议仲裁受理范围", None)
    assert as_user("arbitrator").get(f"/api/cases/{case['id']}").status_code == 404  # no grant on a return
    run_worker(db)
    followup = find_task(as_user("liaison"), t["number"], FOLLOWUP)
    assert followup["summary"].startswith("移送被退回")
    work(as_user("liaison"), t["number"], FOLLOWUP, {"followup_note": "由本大队继续调查"})
    assert transfer(as_user, t["id"])["details"]["followup"] == "由本大队继续调查"
    # a new transfer of the same case is possible once the first was returned
    request(as_user, case, to_body="si_audit")


def test_liaison_officer_refuses_to_send(frozen, users, db):
    as_user = users
    case = open_case(as_user, "wage_arrears")["inspection"]
    t = request(as_user, case)
    bad = as_user("inspector").post(f"/api/cases/{case['id']}/transfers", json={
        "to_body": "si_audit", "reason": "重复移送", "materials": ["x"]})
    assert bad.status_code == 409  # one open transfer per case
    package(as_user, t["number"], send=False)
    row = transfer(as_user, t["id"])
    assert (row["status"], row["return_reason"]) == ("refused_by_liaison", "材料不全，请补充后再报")
    run_worker(db)
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert s.get(ProcessInstance, row["instance_id"]).status == "completed"


def test_acknowledgement_deadline_passed_escalates_to_the_division_head(frozen, users, db):
    as_user = users
    case = open_case(as_user, "wage_arrears")["inspection"]
    t = request(as_user, case)
    package(as_user, t["number"])
    run_worker(db)
    receiving = t["number"] + "-收"
    find_task(as_user("arb_liaison"), receiving, ACK)
    frozen.set(datetime(2026, 11, 25, 23, 59, tzinfo=clock.CHINA_TZ))
    run_worker(db)
    assert ledger(as_user, "liaison", overdue="false")["total"] == 1  # not yet
    frozen.set(datetime(2026, 11, 26, 0, 0, 1, tzinfo=clock.CHINA_TZ))
    run_worker(db)
    assert not [x for x in tasks(as_user("arb_liaison"), business_key=receiving, status="open")]
    late = find_task(as_user("arb_head"), receiving, ACK_LATE)
    assert late["candidate_group"] == "zz-jinshui/arbitration/division_head"
    row = transfer(as_user, t["id"])
    assert row["overdue"] is True and row["escalated_at"]
    assert [r["number"] for r in ledger(as_user, "liaison", overdue="true")["items"]] == [t["number"]]
    assert ledger(as_user, "liaison", overdue="false")["total"] == 0
    work(as_user("arb_head"), receiving, ACK_LATE, {"decision": "accept", "ack_note": "督办后接收"})
    assert transfer(as_user, t["id"])["status"] == "accepted"


def test_assistance_request_for_evidence_is_answered(frozen, users, db):
    as_user = users
    case = open_case(as_user, "dismissal_dispute")["arbitration"]
    bad = as_user("arbitrator").post(f"/api/cases/{case['id']}/transfers", json={
        "kind": "assistance", "to_body": "inspection", "reason": "请协助调取考勤记录", "materials": ["仲裁申请书"]})
    assert bad.status_code == 422 and "assist_type" in bad.json["errors"]
    t = request(as_user, case, user="arbitrator", kind="assistance", assist_type="evidence", to_body="inspection",
                reason="工伤认定需要考勤记录，用人单位拒不提供，请协助调查取证", materials=["仲裁申请书"])
    assert t["number"] == "金水人社协〔2026〕00001号" and t["kind_label"] == "协助请求（协助调查取证）"
    package(as_user, t["number"], user="arb_liaison", materials=["仲裁申请书"])
    run_worker(db)
    receiving = t["number"] + "-收"
    work(as_user("liaison"), receiving, ACK, {"decision": "accept", "ack_note": "同意协助"})
    assert transfer(as_user, t["id"])["status"] == "accepted"
    reply_task = find_task(as_user("inspector"), receiving, REPLY)
    assert reply_task["due_at"] == "2026-12-04T15:59:59+00:00"  # 10 WD (transfer_deadlines.dmn)
    work(as_user("inspector"), receiving, REPLY, {"reply": "已调取2026年1至6月考勤记录，随函附送"})
    row = transfer(as_user, t["id"])
    assert (row["status"], row["reply"]) == ("replied", "已调取2026年1至6月考勤记录，随函附送")
    run_worker(db)
    task = find_task(as_user("arb_liaison"), t["number"], FOLLOWUP)
    assert task["summary"].startswith("协助答复")
    # assistance requests are in the notification ledger (通报台账), not the transfer ledger
    assert ledger(as_user, "liaison", direction="in")["total"] == 0
    assert ledger(as_user, "liaison", direction="in", ledger="notification")["items"][0]["status"] == "replied"


def test_notification_is_acknowledged_and_refused_assistance_goes_back(frozen, users, db):
    as_user = users
    cases = open_case(as_user, "dismissal_dispute", "wage_arrears")
    t = request(as_user, cases["arbitration"], user="arbitrator", kind="notification", to_body="inspection",
                reason="仲裁中发现用人单位未足额支付工资，通报监察依法查处", materials=["庭审笔录"])
    package(as_user, t["number"], user="arb_liaison")
    run_worker(db)
    work(as_user("liaison"), t["number"] + "-收", ACK, {"decision": "accept", "ack_note": "已收悉"})
    assert transfer(as_user, t["id"])["status"] == "acknowledged"
    run_worker(db)
    with db.transaction() as s:
        assert s.get(ProcessInstance, t["instance_id"]).status == "completed"
    a = request(as_user, cases["arbitration"], user="arbitrator", kind="assistance", assist_type="service",
                to_body="inspection", reason="用人单位拒收，请协助送达开庭通知", materials=["开庭通知书"])
    package(as_user, a["number"], user="arb_liaison")
    run_worker(db)
    work(as_user("liaison"), a["number"] + "-收", ACK, {"decision": "return", "return_reason": "已另行邮寄送达", "ack_note": "退回"})
    run_worker(db)
    find_task(as_user("arb_liaison"), a["number"], FOLLOWUP)
    assert transfer(as_user, a["id"])["status"] == "returned"


def test_cross_bureau_transfer_resolves_the_receiving_liaison_in_that_bureau(frozen, users, db):
    as_user = users
    case = open_case(as_user, "wage_arrears")["inspection"]
    t = request(as_user, case, to_bureau="zz-erqi", reason="用工所在地在二七区")
    package(as_user, t["number"])
    run_worker(db)
    task = find_task(as_user("erqi_arb_liaison"), t["number"] + "-收", ACK)
    assert task["candidate_group"] == "zz-erqi/arbitration/liaison_officer"
    assert not tasks(as_user("arb_liaison"), business_key=t["number"] + "-收")
    work(as_user("erqi_arb_liaison"), t["number"] + "-收", ACK, {"decision": "accept", "ack_note": "接收"})
    row = transfer(as_user, t["id"])
    new_case = ok(as_user("erqi_arbitrator").get(f"/api/cases/{row['new_case_id']}"))
    assert new_case["jurisdiction"] == "zz-erqi" and new_case["number"] == "二七劳人仲案〔2026〕00001号"


def test_request_validation_and_access(frozen, users, db):
    as_user = users
    case = open_case(as_user, "wage_arrears")["inspection"]
    post = lambda user, body: as_user(user).post(f"/api/cases/{case['id']}/transfers", json=body)
    base = {"to_body": "arbitration", "reason": "理由充分", "materials": ["材料"]}
    assert post("inspector", {**base, "to_body": "police"}).status_code == 422
    assert post("inspector", {**base, "to_body": "inspection"}).status_code == 422  # not to itself
    assert post("inspector", {**base, "materials": []}).status_code == 422
    assert post("inspector", {**base, "to_bureau": "nowhere"}).status_code == 422
    assert post("inspector", {**base, "surprise": 1}).status_code == 422
    assert post("auditor", base).status_code == 404  # does not see the case
    assert post("leader", base).status_code == 403  # sees it, but is not the handling body
    assert as_user("auditor").get("/api/ledgers/zz-jinshui/inspection").status_code == 404
    assert as_user("leader").get("/api/ledgers/zz-jinshui/inspection").status_code == 200
    assert as_user("admin").get("/api/ledgers/zz-jinshui/inspection").status_code == 200
    assert as_user("inspector").get("/api/transfers/999").status_code == 404


def test_ledger_filters_and_xlsx_export_with_chinese_headers(frozen, users, db):
    from openpyxl import load_workbook
    as_user = users
    cases = open_case(as_user, "wage_arrears", "dismissal_dispute")
    t1 = request(as_user, cases["inspection"], reason="=HYPERLINK(\"http://x\")")
    package(as_user, t1["number"])
    frozen.advance(timedelta(days=3))
    t2 = request(as_user, cases["arbitration"], user="arbitrator", kind="notification", to_body="inspection",
                 reason="通报违法线索", materials=["庭审笔录"])
    run_worker(db)
    all_rows = ledger(as_user, "liaison")
    assert [r["number"] for r in all_rows["items"]] == [t1["number"]]
    assert ledger(as_user, "liaison", ledger="notification", direction="in")["items"][0]["number"] == t2["number"]
    assert ledger(as_user, "liaison", status="sent")["total"] == 1
    assert ledger(as_user, "liaison", status="accepted")["total"] == 0
    assert ledger(as_user, "liaison", date_from="2026-11-21")["total"] == 0
    assert ledger(as_user, "liaison", date_to="2026-11-20", q="建筑")["total"] == 1
    response = as_user("liaison").get("/api/ledgers/zz-jinshui/inspection/export.xlsx?direction=out")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.title == "移送台账"
    headers = [c.value for c in sheet[2]]
    assert headers[:6] == ["编号", "日期", "类型", "移送（通报）机构", "接收机构", "案件编号"]
    assert "是否逾期" in headers and "签收时间" in headers and "移送材料" in headers
    values = [c.value for c in sheet[3]]
    assert values[0] == t1["number"] and values[2] == "案件移送" and values[9] == "已发送待签收"
    assert values[7].startswith("'=")  # never a formula
    assert as_user("auditor").get("/api/ledgers/zz-jinshui/inspection/export.xlsx").status_code == 404


def test_crash_between_commit_and_delivery_delivers_once(frozen, users, db, db_url):
    as_user = users
    case = open_case(as_user, "wage_arrears")["inspection"]
    t = request(as_user, case)
    package(as_user, t["number"])  # committed: state + outbox row, and then the process "dies"
    db.dispose()
    restarted = make_app(db_url)  # a new process on the same database
    rdb = restarted.extensions["caseflow.db"]
    try:
        assert run_worker(rdb) >= 1
        with rdb.transaction() as s:
            message = s.scalar(select(OutboxMessage).where(OutboxMessage.message_name == "transfer_request"))
            assert message.status == "delivered"
            receivers = s.scalar(select(func.count()).select_from(ProcessInstance).where(
                ProcessInstance.process_key == "transfer_receive"))
            assert receivers == 1
            # crash after the receiver committed but before the outbox row was marked: redeliver
            message.status = "pending"
            message_id = message.id
        assert messaging.deliver(rdb, message_id) is True
        with rdb.transaction() as s:
            assert s.scalar(select(func.count()).select_from(ProcessInstance).where(
                ProcessInstance.process_key == "transfer_receive")) == 1
            assert s.scalar(select(func.count()).select_from(MessageReceipt).where(
                MessageReceipt.idempotency_key == s.get(OutboxMessage, message_id).idempotency_key)) == 1
        work(as_user("arb_liaison"), t["number"] + "-收", ACK, {"decision": "accept", "ack_note": "接收"})
        # the answer is redelivered too after a crash: the sender moves once
        assert run_worker(rdb) >= 1
        with rdb.transaction() as s:
            answer = s.scalar(select(OutboxMessage).where(OutboxMessage.message_name == "transfer_answer"))
            sender = s.get(ProcessInstance, t["instance_id"])
            version = sender.lock_version
            answer.status = "pending"
            answer_id = answer.id
        assert messaging.deliver(rdb, answer_id) is True
        with rdb.transaction() as s:
            assert s.get(ProcessInstance, t["instance_id"]).lock_version == version
            assert s.scalar(select(func.count()).select_from(Case).where(Case.source == "transfer")) == 1
    finally:
        rdb.dispose()
