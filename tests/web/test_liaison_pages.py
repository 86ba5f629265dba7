"""The liaison pages (entrypoints/web/liaison.py): the desk, the ledgers with their filters, paging and the
.xlsx export, the police tracker and its detail, and the start of a police transfer from a case: the
eligibility check, a refusal that says why and changes nothing, and a forbidden user."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.services import support
from tests.test_web import _login
from workflow_app.domain.collaboration import police, transfers
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.persistence.database import in_transaction

FACTS = {"order_served": True, "order_deadline": "2026-11-10", "paid": False, "evasion": True,
         "workers": [{"amount": 12000, "months_unpaid": 4}], "reason": "逾期拒不支付劳动报酬，法定代表人失联"}
FORM = {"order_served": "true", "evasion": "true", "order_deadline": "2026-11-10", "worker_amount": "12000",
        "worker_months": "4", "reason": "逾期拒不支付劳动报酬，法定代表人失联"}


@pytest.fixture
def case(db):
    return support.open_cases(db, "wage_arrears")["inspection"]


def send(db, case, kind="transfer", to_body="arbitration"):
    def run(s):
        return transfers.create_transfer(s, identity.principal_by_username(s, "inspector"), case["id"], {
            "kind": kind, "to_body": to_body, "reason": "属于劳动争议，应由仲裁院处理", "materials": ["=HYPERLINK(1)"]}).number
    return in_transaction(db, run)


def test_the_desk_lists_the_transfer_with_its_task_link(as_user, db, case):
    number = send(db, case)
    page = as_user("liaison").get("/liaison")
    assert page.status_code == 200
    assert number in page.text and "联络员审核并制作移送函" in page.text and "/tasks/" in page.text
    assert "联络工作" in page.text and "台账" in page.text  # the nav links


def test_leadership_is_offered_the_ledgers_not_the_bodies_desk(as_user):
    page = as_user("leader").get("/police-transfers")
    assert page.status_code == 200
    assert 'href="/ledgers"' in page.text and 'href="/liaison"' not in page.text  # the desk would refuse them
    assert as_user("leader").get("/liaison").status_code == 403


def test_the_ledgers_index_no_longer_404s_and_a_single_ledger_redirects(as_user):
    answer = as_user("liaison").get("/ledgers")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/ledgers/zz-jinshui/inspection")
    index = as_user("leader").get("/ledgers")
    assert index.status_code == 200 and "/ledgers/zz-jinshui/arbitration" in index.text


def test_the_ledger_filters_and_pages(as_user, db, case):
    number = send(db, case)
    liaison = as_user("liaison")
    page = liaison.get("/ledgers/zz-jinshui/inspection?ledger=transfer&direction=out")
    assert page.status_code == 200 and number in page.text and "共 1 条" in page.text
    assert number not in liaison.get("/ledgers/zz-jinshui/inspection?direction=in").text
    assert number not in liaison.get("/ledgers/zz-jinshui/inspection?ledger=notification").text
    assert number not in liaison.get("/ledgers/zz-jinshui/inspection?status=accepted").text
    assert number in liaison.get("/ledgers/zz-jinshui/inspection?date_from=2026-11-20&date_to=2026-11-20").text
    assert number not in liaison.get("/ledgers/zz-jinshui/inspection?date_from=2026-11-21").text
    bad = liaison.get("/ledgers/zz-jinshui/inspection?date_from=tomorrow&page=x")
    assert bad.status_code == 422 and "日期应为" in bad.text


def test_the_export_is_a_real_workbook_with_the_filtered_rows(as_user, db, case):
    number = send(db, case)
    send(db, case, kind="notification")
    answer = as_user("liaison").get("/ledgers/zz-jinshui/inspection/export.xlsx?ledger=transfer&direction=out")
    assert answer.status_code == 200 and answer.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(answer.data)).active
    assert sheet.title == "移送台账" and sheet["A2"].value == "编号"
    rows = [row for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert [r[0] for r in rows] == [number]
    assert rows[0][8] == "'=HYPERLINK(1)"  # never a formula


def test_a_ledger_of_another_body_is_not_shown(as_user):
    answer = as_user("arbitrator").get("/ledgers/zz-jinshui/inspection")
    assert answer.status_code == 404 and "台账不存在或无权查看" in answer.text
    assert as_user("arbitrator").get("/ledgers/zz-jinshui/inspection/export.xlsx").status_code == 404


def test_the_police_tracker_filters_by_step_and_the_detail_shows_the_step(as_user, db, case):
    row = in_transaction(db, lambda s: police.start(s, identity.principal_by_username(s, "inspector"), case["id"], FACTS))
    inspector = as_user("inspector")
    page = inspector.get("/police-transfers")
    assert row.number in page.text and "组成专案组、撰写移送报告" in page.text and "人社（劳动保障监察）" in page.text
    assert row.number in inspector.get("/police-transfers?step=report").text
    assert row.number not in inspector.get("/police-transfers?step=receipt").text
    detail = inspector.get(f"/police-transfers/{row.id}")
    assert detail.status_code == 200 and 'id="step-form"' in detail.text and "专案组成员" in detail.text
    assert as_user("arbitrator").get(f"/police-transfers/{row.id}").status_code == 404
    assert as_user("police").get(f"/police-transfers/{row.id}").status_code == 404  # not handed over
    assert as_user("inspector").get("/police-transfers/999999").status_code == 404


def test_recording_a_step_with_errors_shows_them_and_changes_nothing(app, db, case):
    row = in_transaction(db, lambda s: police.start(s, identity.principal_by_username(s, "inspector"), case["id"], FACTS))
    client, csrf = _login(app, "inspector")
    task = support.task(db, row.number, username="inspector")
    answer = client.post(f"/police-transfers/{row.id}/record", data={"csrf_token": csrf, "task_id": task.id, "report": "短"})
    assert answer.status_code == 422 and "表单填写有误" in answer.text
    assert support.task(db, row.number, username="inspector").status == "open"
    wrong = client.post(f"/police-transfers/{row.id}/record", data={"csrf_token": csrf, "task_id": "nope"})
    assert wrong.status_code == 404


def test_the_new_police_transfer_page_checks_then_starts(app, db, case):
    client, csrf = _login(app, "inspector")
    url = f"/cases/{case['instance_id']}/police-transfer/new"
    page = client.get(url)
    assert page.status_code == 200 and "10000" in page.text and "60000" in page.text
    check = client.post(url, data={**FORM, "csrf_token": csrf, "action": "check"})
    assert check.status_code == 200 and "符合移送条件" in check.text
    started = client.post(url, data={**FORM, "csrf_token": csrf, "action": "start"})
    assert started.status_code == 302 and "/police-transfers/" in started.headers["Location"]
    assert "组成专案组、撰写移送报告" in client.get(started.headers["Location"]).text


def test_a_refusal_says_why_and_changes_nothing(app, as_user, db, case):
    client, csrf = _login(app, "inspector")
    url = f"/cases/{case['instance_id']}/police-transfer/new"
    answer = client.post(url, data={**FORM, "order_deadline": "2026-11-25", "csrf_token": csrf, "action": "start"})
    assert answer.status_code == 422 and "不符合移送条件，未发起移送" in answer.text and "期限尚未届满" in answer.text
    assert "暂无移送公安的案件" in as_user("inspector").get("/police-transfers").text
    bad = client.post(url, data={**FORM, "worker_amount": "abc", "reason": "", "csrf_token": csrf, "action": "check"})
    assert bad.status_code == 422 and "移送事由应为2至2000字" in bad.text


def test_a_forbidden_user_gets_a_chinese_message(as_user, case):
    answer = as_user("leader").get(f"/cases/{case['instance_id']}/police-transfer/new")
    assert answer.status_code == 403 and "只有劳动保障监察的工作人员才能发起移送公安" in answer.text
    assert as_user("arbitrator").get(f"/cases/{case['instance_id']}/police-transfer/new").status_code == 404
    assert as_user("admin").get("/liaison").status_code == 403
    assert as_user("clerk").get("/police-transfers").status_code in (200, 403)


def test_a_case_with_a_running_police_transfer_cannot_start_another(as_user, db, case):
    in_transaction(db, lambda s: police.start(s, identity.principal_by_username(s, "inspector"), case["id"], FACTS))
    answer = as_user("inspector").get(f"/cases/{case['instance_id']}/police-transfer/new")
    assert answer.status_code == 409 and "本案已有移送公安程序在办理中" in answer.text
