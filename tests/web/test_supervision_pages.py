"""The supervisors' pages (docs/ui.md "Team board") through the Flask test client, on both databases: the
team board and its filters, the reassignment with its confirmation step, refusals, the escalations, the
supervised cases, and who may not open them."""
from __future__ import annotations

import re
from datetime import datetime

import pytest

from tests.services import support
from tests.test_web import _login
from workflow_app.platform.clock import CHINA_TZ

ACCEPTED = {"accepted": True, "acceptance_opinion": "符合受理条件"}
#: Monday 2027-03-01 10:00 China time: the 60-working-day investigation clock started on 2026-11-20 has expired.
LATER = datetime(2027, 3, 1, 10, 0, tzinfo=CHINA_TZ)


@pytest.fixture
def late_task(db, freeze_clock):
    """The inspector's 立案调查 of a 金水区 case accepted on 2026-11-20, seen on 2027-03-01: the task has no
    due date of its own, the case's investigation clock is past its due date, so the task is overdue."""
    support.start(db, business_key="L00001", employer_name="郑州某超期测试有限公司")
    support.work(db, "inspector", "L00001", "受理审查", ACCEPTED)
    row = support.claim(db, "inspector", support.task(db, "L00001").id)
    freeze_clock(LATER)
    return row


def test_the_head_sees_the_overdue_task_of_the_team_with_counts(app, late_task, db):
    support.start(db, business_key="F00001", received_at="2027-02-26T09:00:00+08:00")  # due this Friday, unclaimed
    head, _ = _login(app, "head")
    page = head.get("/team")
    assert page.status_code == 200
    assert "L00001" in page.text and "F00001" in page.text and "张监察" in page.text
    counts = dict(re.findall(r'id="count-([a-z]+)">(\d+)<', page.text))
    assert counts == {"overdue": "1", "escalated": "0", "due": "1", "unassigned": "1"}
    overdue = head.get("/team?overdue=1").text
    assert "L00001" in overdue and "F00001" not in overdue
    unassigned = head.get("/team?unassigned=1").text
    assert "F00001" in unassigned and "L00001" not in unassigned
    mine = head.get("/team?person=inspector2").text
    assert "L00001" not in mine and "没有符合条件的任务" in mine
    assert 'id="nav-team-link"' in page.text


def test_reassigning_asks_for_confirmation_then_moves_the_task(app, late_task, db):
    head, csrf = _login(app, "head")
    form = head.get(f"/team/tasks/{late_task.id}/reassign")
    assert form.status_code == 200 and "赵监察" in form.text
    confirm = head.post(f"/team/tasks/{late_task.id}/reassign", data={
        "csrf_token": csrf, "step": "confirm", "username": "inspector2", "reason": "张监察出差，改由赵监察办理"})
    assert confirm.status_code == 200 and "确认改派" in confirm.text
    assert re.search(r'id="from">张监察<', confirm.text) and re.search(r'id="to">赵监察<', confirm.text)
    assert support.task(db, "L00001").assignee == "inspector"  # nothing changes before the confirmation
    version = re.search(r'name="row_version" value="(\d+)"', confirm.text).group(1)
    done = head.post(f"/team/tasks/{late_task.id}/reassign", data={
        "csrf_token": csrf, "step": "commit", "username": "inspector2", "reason": "张监察出差，改由赵监察办理",
        "row_version": version})
    assert done.status_code == 302 and "msg=reassigned" in done.headers["Location"]
    assert support.task(db, "L00001").assignee == "inspector2"
    assert "任务已改派" in head.get("/team?msg=reassigned").text


def test_a_refused_reassignment_says_why_in_chinese_and_changes_nothing(app, late_task, db):
    head, csrf = _login(app, "head")
    for data, message in (({"username": "auditor", "reason": "试试"}, "不在该任务的候选组中"),
                          ({"username": "inspector", "reason": "试试"}, "无需改派"),
                          ({"username": "inspector2", "reason": ""}, "请填写改派理由")):
        answer = head.post(f"/team/tasks/{late_task.id}/reassign", data={"csrf_token": csrf, "step": "confirm", **data})
        assert answer.status_code == 422 and message in answer.text, (data, answer.text[:200])
    assert support.task(db, "L00001").assignee == "inspector"
    assert head.get("/team/tasks/nonexistent/reassign").status_code == 404


def test_someone_who_supervises_nobody_may_not_open_the_team_pages(app, late_task):
    inspector, csrf = _login(app, "inspector")
    for path in ("/team", "/team/escalations", "/supervised-cases"):
        answer = inspector.get(path)
        assert answer.status_code == 403 and "只有科室负责人或局领导" in answer.text, path
    assert 'id="nav-team-link"' not in inspector.get("/inbox").text
    refused = inspector.post(f"/team/tasks/{late_task.id}/reassign", data={
        "csrf_token": csrf, "step": "commit", "username": "inspector2", "reason": "我想改派"})
    assert refused.status_code == 403 and "只有科室负责人或领导可以分派任务" in refused.text


def test_escalations_and_supervised_cases_pages_render(app, late_task, db):
    from workflow_app.platform.jobs import clock_alerts
    assert clock_alerts.escalate_due(db) >= 1  # the investigation clock expired: the worker escalates and tells
    head, _ = _login(app, "head")
    page = head.get("/team/escalations")
    assert page.status_code == 200 and "已上报" in page.text
    tasks, alerts = page.text.split('id="clock-alerts"')
    assert "L00001" in tasks and "立案调查" in tasks
    assert "L00001：调查期限已届满" in alerts and f'href="/cases/{late_task.instance_id}"' in alerts
    assert "L00001" in head.get("/team?escalated=1").text
    cases = head.get("/supervised-cases")
    assert cases.status_code == 200 and "没有挂牌督办的案件" in cases.text


def test_the_team_pages_speak_english(app, late_task):
    head, _ = _login(app, "head")
    head.set_cookie("caseflow_lang", "en")
    page = head.get("/team?overdue=1")
    assert page.status_code == 200 and "Team work" in page.text and "Workload per person" in page.text
    assert "Reassign a task" in head.get(f"/team/tasks/{late_task.id}/reassign").text
    assert "Escalated tasks" in head.get("/team/escalations").text
    assert "Cases under supervised handling" in head.get("/supervised-cases").text
