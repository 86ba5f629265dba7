"""Statutory clocks, deadline timers, reminders, escalation, the worker, incidents — on an injected clock."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import ROOT, make_app
from tests.samples import APPROVE_FORM as SAMPLE_APPROVE_FORM
from tests.samples import INVESTIGATION, form_bytes, process, props, upload, user_task
from workflow_app.platform import clock
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.entrypoints import demo
from workflow_app.platform.persistence.models import AuditEvent, TaskRow, TimerRow
from workflow_app.entrypoints.worker import Worker

CST = timezone(timedelta(hours=8))
FIXTURE_2027 = ROOT / "tests" / "deadlines" / "fixtures" / "TEST_FIXTURE_calendar_2027.json"


@pytest.fixture
def frozen(freeze_clock):
    return freeze_clock(datetime(2025, 1, 24, 10, 0, tzinfo=CST))  # Friday before Spring Festival 2025


# Acceptance with a 5 WD statutory clock: a reminder 1 WD before (non-interrupting), the hard deadline
# (interrupting) escalating to the division head, and an extension path through an approval task.
ACCEPTANCE = process(
    "t_accept",
    '<bpmn:startEvent id="s" />'
    '<bpmn:scriptTask id="open_clock"><bpmn:extensionElements><spiffworkflow:properties>'
    + props(startClock="{'name': 'acceptance', 'label': '受理期限', 'rule': '5WD', 'start': received_at}")
    + '</spiffworkflow:properties></bpmn:extensionElements><bpmn:script>opened = True</bpmn:script></bpmn:scriptTask>'
    + user_task("accept", "受理审查", extra_props=props(dueDate="deadline('5WD', received_at)",
                                                      stopClock="'acceptance'"))
    + '<bpmn:boundaryEvent id="remind" attachedToRef="accept" cancelActivity="false">'
      '<bpmn:timerEventDefinition><bpmn:timeDate>reminder_at("5WD", received_at, 1)</bpmn:timeDate>'
      '</bpmn:timerEventDefinition></bpmn:boundaryEvent>'
      '<bpmn:intermediateThrowEvent id="remind_msg"><bpmn:messageEventDefinition messageRef="m_remind" />'
      '</bpmn:intermediateThrowEvent><bpmn:endEvent id="remind_end" />'
      '<bpmn:boundaryEvent id="hard" attachedToRef="accept" cancelActivity="true">'
      '<bpmn:timerEventDefinition><bpmn:timeDate>due_at("5WD", received_at)</bpmn:timeDate>'
      '</bpmn:timerEventDefinition></bpmn:boundaryEvent>'
    + user_task("overdue", "超期督办")
    + '<bpmn:endEvent id="e1" /><bpmn:endEvent id="e2" />',
    [("f1", "s", "open_clock"), ("f2", "open_clock", "accept"), ("f3", "accept", "e1"),
     ("f4", "remind", "remind_msg"), ("f5", "remind_msg", "remind_end"), ("f6", "hard", "overdue"),
     ("f7", "overdue", "e2")],
    lane_nodes=["accept"],
).replace('<bpmn:userTask id="overdue"', '<bpmn:userTask id="overdue"').replace(
    "</bpmn:process>",
    '<bpmn:laneSet id="ls2" />'
    "</bpmn:process>").replace("</bpmn:definitions>",
                               '<bpmn:message id="m_remind" name="task_reminder"><bpmn:extensionElements>'
                               "<spiffworkflow:messagePayload>{'task': 'accept', 'message': '受理期限将至'}"
                               "</spiffworkflow:messagePayload></bpmn:extensionElements></bpmn:message>"
                               "</bpmn:definitions>")
# the escalation task belongs to the division head: give it its own candidate group property
ACCEPTANCE = ACCEPTANCE.replace(
    '<bpmn:userTask id="overdue" name="超期督办"><bpmn:extensionElements><spiffworkflow:properties>',
    '<bpmn:userTask id="overdue" name="超期督办"><bpmn:extensionElements><spiffworkflow:properties>'
    '<spiffworkflow:property name="candidateGroup" value="inspection/division_head" />')

APPROVE_FORM = SAMPLE_APPROVE_FORM.encode()


def deploy(as_user, files):
    r = upload(as_user("owner"), {"t_form.json": form_bytes(), "t_approve.json": APPROVE_FORM, **files})
    assert r.status_code == 201, r.json
    return r.json


def start(as_user, key, business_key="C1", **variables):
    r = as_user("admin").post("/api/instances", json={"process_key": key, "business_key": business_key,
                                                      "jurisdiction": "zz-jinshui", "variables": variables})
    assert r.status_code == 201, r.json
    return r.json


def work(as_user, user, task_id, data):
    client = as_user(user)
    assert client.post(f"/api/tasks/{task_id}/claim").status_code == 200
    r = client.post(f"/api/tasks/{task_id}/complete", json={"data": data})
    assert r.status_code == 200, r.json
    return r


def open_tasks(as_user, instance_id):
    detail = as_user("admin").get(f"/api/instances/{instance_id}").json
    return [t for t in detail["tasks"] if t["status"] == "open"], detail


def test_acceptance_deadline_reminder_and_escalation(frozen, as_user, db):
    deploy(as_user, {"accept.bpmn": ACCEPTANCE})
    case = start(as_user, "t_accept", received_at="2025-01-24T10:00:00+08:00")
    (task,), detail = open_tasks(as_user, case["id"])
    # 5 WD from Fri 24 Jan 2025 across the Spring Festival: 26 Jan (Sun) is a working day, 28 Jan–4 Feb off
    assert task["due_at"] == "2025-02-07T15:59:59+00:00"
    clock_view = detail["clocks"][0]
    assert (clock_view["name"], clock_view["rule"], clock_view["status"]) == ("acceptance", "5WD", "running")
    assert clock_view["due_at"] == "2025-02-07T15:59:59+00:00" and clock_view["remaining"] == 5
    assert sorted(t["due_at"][:19] for t in detail["timers"]) == ["2025-02-06T01:00:00", "2025-02-07T15:59:59"]

    worker = Worker(db)
    assert worker.run_until_idle() == 0  # nothing due yet: no instance is loaded
    frozen.set(datetime(2025, 2, 6, 9, 30, tzinfo=CST))
    assert worker.run_until_idle() >= 1
    (task,), detail = open_tasks(as_user, case["id"])
    assert task["reminded_at"] and task["name"] == "受理审查"
    assert [t["due_at"][:19] for t in detail["timers"]] == ["2025-02-07T15:59:59"]
    assert detail["clocks"][0]["remaining"] == 1

    frozen.set(datetime(2025, 2, 8, 0, 0, 1, tzinfo=CST))
    worker.run_until_idle()
    tasks, detail = open_tasks(as_user, case["id"])
    assert [(t["name"], t["candidate_group"]) for t in tasks] == [("超期督办", "zz-jinshui/inspection/division_head")]
    assert [t["status"] for t in detail["tasks"] if t["name"] == "受理审查"] == ["cancelled"]
    assert detail["timers"] == []
    assert detail["clocks"][0]["overdue"] is True
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "timer.fire")) == 2
    assert as_user("head").get("/api/tasks?scope=group").json["total"] == 1


def test_overdue_tasks_are_escalated_and_filterable(frozen, as_user, db):
    deploy(as_user, {"accept.bpmn": ACCEPTANCE.replace("cancelActivity=\"true\"", "cancelActivity=\"false\"")})
    case = start(as_user, "t_accept", received_at="2025-01-24T10:00:00+08:00")
    head = as_user("head")
    assert head.get("/api/tasks?overdue=true").json["total"] == 0
    frozen.set(datetime(2025, 2, 10, 9, 0, tzinfo=CST))
    Worker(db).run_until_idle()
    overdue = head.get("/api/tasks?overdue=true").json["items"]
    # the late task, and the supervisors' 超期督办 it spawned: that one has a due date of its own still ahead,
    # but the case's acceptance clock has expired, so its row shows 已超期 and the filter finds it too
    assert sorted(t["name"] for t in overdue) == ["受理审查", "超期督办"]
    escalated = head.get("/api/tasks?escalated=true").json["items"]
    assert escalated[0]["escalation_group"] == "zz-jinshui/inspection/division_head"
    events = as_user("admin").get(f"/api/audit?instance_id={case['id']}").json["items"]
    assert [e["action"] for e in events].count("task.escalate") == 1


def test_clock_extension_suspension_and_resumption(frozen, as_user):
    deploy(as_user, {"inv.bpmn": INVESTIGATION})
    case = start(as_user, "t_investigate")
    frozen.set(datetime(2025, 3, 3, 9, 0, tzinfo=CST))
    (task,), _ = open_tasks(as_user, case["id"])
    work(as_user, "inspector", task["id"], {"note": "立案"})
    _, detail = open_tasks(as_user, case["id"])
    inv = detail["clocks"][0]
    assert inv["due_at"].startswith("2025-05-29")  # 60 WD from 3 Mar 2025 (Qingming, Labour Day, Dragon Boat)
    frozen.set(datetime(2025, 3, 10, 9, 0, tzinfo=CST))
    (task,), _ = open_tasks(as_user, case["id"])
    work(as_user, "inspector", task["id"], {"note": "中止"})
    _, detail = open_tasks(as_user, case["id"])
    assert detail["clocks"][0]["status"] == "suspended" and detail["clocks"][0]["due_at"] is None
    frozen_remaining = detail["clocks"][0]["remaining"]
    frozen.set(datetime(2025, 3, 17, 9, 0, tzinfo=CST))  # one week later: the clock did not run
    (task,), detail = open_tasks(as_user, case["id"])
    assert detail["clocks"][0]["remaining"] == frozen_remaining
    work(as_user, "inspector", task["id"], {"note": "恢复"})
    _, detail = open_tasks(as_user, case["id"])
    assert detail["clocks"][0]["status"] == "running"
    assert detail["clocks"][0]["due_at"].startswith("2025-06-06")  # shifted by the 5 working days suspended
    (task,), _ = open_tasks(as_user, case["id"])
    work(as_user, "head", task["id"], {"approved": True})
    _, detail = open_tasks(as_user, case["id"])
    inv = detail["clocks"][0]
    assert inv["extensions"][0]["approved_by"] == "head" and inv["extensions"][0]["extra"] == 30
    assert inv["length"] == 90 and inv["due_at"] > "2025-07"


def _timers(detail):
    return sorted((t["due_at"][:19], t["due_provisional"]) for t in detail["timers"])


def load_2027(as_user):
    r = as_user("admin").post("/api/calendar/years", json=json.loads(FIXTURE_2027.read_text()))
    assert r.status_code == 201, r.json
    return r


def notes(as_user, username):
    return as_user(username).get("/api/notifications").json["items"]


def test_a_deadline_in_a_year_without_calendar_data_is_provisional_until_the_year_is_loaded(freeze_clock, as_user,
                                                                                           db):
    # Issue 11 part 2: a 5 WD deadline from Monday 28 Dec 2026 reaches into 2027, which has no data yet.
    freeze_clock(datetime(2026, 12, 28, 10, 0, tzinfo=CST))
    deploy(as_user, {"accept.bpmn": ACCEPTANCE})
    case = start(as_user, "t_accept", business_key="Y26", received_at="2026-12-28T10:00:00+08:00")
    (task,), detail = open_tasks(as_user, case["id"])
    # weekends only: 29, 30, 31 Dec, Fri 1 Jan, Mon 4 Jan
    assert (task["due_at"], task["due_provisional"]) == ("2027-01-04T15:59:59+00:00", True)
    assert _timers(detail) == [("2027-01-01T01:00:00", True), ("2027-01-04T15:59:59", True)]
    assert [(c["name"], c["due_provisional"]) for c in detail["clocks"]] == [("acceptance", True)]
    r = as_user("admin").post("/api/instances", json={"process_key": "t_accept", "business_key": "Y27",
                                                      "jurisdiction": "zz-jinshui",
                                                      "variables": {"received_at": "2027-03-01T09:00:00+08:00"}})
    assert r.status_code == 201, r.json  # never "缺少2027年的法定节假日数据"
    # loading the year: administrators only, validated, versioned
    document = json.loads(FIXTURE_2027.read_text())
    assert as_user("clerk").post("/api/calendar/years", json=document).status_code == 403
    r = as_user("admin").post("/api/calendar/years", json=document)
    assert r.status_code == 201 and r.json["year"] == 2027
    assert as_user("admin").post("/api/calendar/years", json=document).status_code == 409  # same version
    assert as_user("admin").post("/api/calendar/years", json={**document, "holidays": []}).status_code == 422
    years = as_user("clerk").get("/api/calendar/years").json
    assert {(y["year"], y["version"]) for y in years} >= {(2026, 0), (2027, 1)}
    assert Worker(db).run_until_idle() >= 2  # one recompute job per instance with provisional dates
    (task,), detail = open_tasks(as_user, case["id"])
    # the fixture's 元旦 (1–3 Jan) moves the deadline to Tuesday 5 Jan and the reminder to Monday 4 Jan
    assert (task["due_at"], task["due_provisional"]) == ("2027-01-05T15:59:59+00:00", False)
    assert _timers(detail) == [("2027-01-04T01:00:00", False), ("2027-01-05T15:59:59", False)]
    assert [(c["due_at"], c["due_provisional"]) for c in detail["clocks"]] == [("2027-01-05T15:59:59+00:00", False)]
    # the holders of the task (unclaimed: its candidate group) are told
    moved = [n for n in notes(as_user, "inspector") if n["kind"] == "deadline.moved" and n["business_key"] == "Y26"]
    assert len(moved) == 1 and moved[0]["link"] == f"/tasks/{task['id']}" and "2027-01-05" in moved[0]["body"]
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "deadline.recompute", AuditEvent.instance_id == case["id"])) == 1
    assert Worker(db).run_until_idle() == 0  # done once


def test_a_timer_on_a_provisional_date_fires_on_it_and_says_so(freeze_clock, as_user, db):
    frozen = freeze_clock(datetime(2027, 9, 24, 10, 0, tzinfo=CST))  # 2027 without data (the real date may be any)
    deploy(as_user, {"accept.bpmn": ACCEPTANCE})
    case = start(as_user, "t_accept", received_at="2027-09-24T10:00:00+08:00")
    (task,), detail = open_tasks(as_user, case["id"])
    assert (task["due_at"], task["due_provisional"]) == ("2027-10-01T15:59:59+00:00", True)
    frozen.set(datetime(2027, 9, 30, 9, 30, tzinfo=CST))  # the provisional reminder instant has passed
    Worker(db).run_until_idle()
    (task,), detail = open_tasks(as_user, case["id"])
    assert task["reminded_at"] is not None  # fired on its provisional date, not later
    with db.transaction() as s:
        fired = s.scalars(select(AuditEvent.after).where(AuditEvent.action == "timer.fire")).all()
    assert [(f["due_at"][:19], f["provisional"]) for f in fired] == [("2027-09-30T01:00:00", True)]  # 09:00 China time
    assert "timer.provisional" in {n["kind"] for n in notes(as_user, "inspector")}


def test_a_timer_whose_recomputed_date_is_already_past_fires_at_once_flagged_late(freeze_clock, as_user, db):
    # The fixture makes Sunday 26 Sep 2027 a working day (调休): the real 5 WD deadline from Friday 24 Sep is
    # Thursday 30 Sep, one day earlier than the weekends-only one, and the reminder 29 Sep instead of 30 Sep.
    frozen = freeze_clock(datetime(2027, 9, 24, 10, 0, tzinfo=CST))
    deploy(as_user, {"accept.bpmn": ACCEPTANCE})
    case = start(as_user, "t_accept", received_at="2027-09-24T10:00:00+08:00")
    _, detail = open_tasks(as_user, case["id"])
    assert _timers(detail) == [("2027-09-30T01:00:00", True), ("2027-10-01T15:59:59", True)]
    frozen.set(datetime(2027, 9, 29, 12, 0, tzinfo=CST))
    worker = Worker(db)
    worker.run_until_idle()
    (task,), _ = open_tasks(as_user, case["id"])
    assert task["reminded_at"] is None  # the provisional reminder is still ahead
    load_2027(as_user)
    worker.run_until_idle()
    (task,), detail = open_tasks(as_user, case["id"])
    assert task["reminded_at"] is not None  # fired at once on the recomputation, not silently skipped
    assert (task["due_at"], task["due_provisional"]) == ("2027-09-30T15:59:59+00:00", False)
    assert _timers(detail) == [("2027-09-30T15:59:59", False)]
    with db.transaction() as s:
        fired = s.scalars(select(AuditEvent.after).where(AuditEvent.action == "timer.fire")).all()
    assert len(fired) == 1 and fired[0]["late"] is True and fired[0]["due_at"].startswith("2027-09-29T01:00")  # 09:00 China time
    assert "earlier than the provisional" in fired[0]["reason"]
    kinds = [n["kind"] for n in notes(as_user, "inspector")]
    assert kinds.count("timer.late") == 1 and "deadline.moved" in kinds
    assert worker.run_until_idle() == 0


def test_timers_due_while_stopped_fire_on_next_start(frozen, db_url, as_user, db):
    deploy(as_user, {"accept.bpmn": ACCEPTANCE})
    case = start(as_user, "t_accept", received_at="2025-01-24T10:00:00+08:00")
    db.dispose()  # everything stops
    frozen.set(datetime(2025, 3, 1, 9, 0, tzinfo=CST))  # both timers fell due meanwhile
    app = make_app(db_url)
    Worker(app.extensions["caseflow.db"]).run_until_idle()
    tasks, detail = open_tasks(lambda u: __import__("tests.conftest", fromlist=["ApiClient"]).ApiClient(app, u),
                               case["id"])
    assert [t["name"] for t in tasks] == ["超期督办"]
    assert detail["timers"] == []
    app.extensions["caseflow.db"].dispose()


FAILING = process(
    "t_fail",
    '<bpmn:startEvent id="s" />' + user_task("a", "等待")
    + '<bpmn:boundaryEvent id="t" attachedToRef="a" cancelActivity="true"><bpmn:timerEventDefinition>'
      '<bpmn:timeDate>"2025-02-01T00:00:00+08:00"</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
      '<bpmn:scriptTask id="boom"><bpmn:script>x = 1 / zero</bpmn:script></bpmn:scriptTask>'
      '<bpmn:endEvent id="e1" /><bpmn:endEvent id="e2" />',
    [("f1", "s", "a"), ("f2", "a", "e1"), ("f3", "t", "boom"), ("f4", "boom", "e2")], lane_nodes=["a"])


def test_failing_timer_retries_with_backoff_then_becomes_an_incident(frozen, as_user, db):
    deploy(as_user, {"fail.bpmn": FAILING})
    case = start(as_user, "t_fail", zero=0)
    worker = Worker(db)
    frozen.set(datetime(2025, 2, 2, 0, 0, tzinfo=CST))
    worker.run_until_idle()
    with db.transaction() as s:
        timer = s.scalar(select(TimerRow))
        assert (timer.attempts, timer.status) == (1, "pending") and "ZeroDivisionError" in timer.last_error
    worker.run_until_idle()  # backing off: not retried yet
    with db.transaction() as s:
        assert s.scalar(select(TimerRow.attempts)) == 1
    for _ in range(2):
        frozen.advance(timedelta(minutes=5))
        worker.run_until_idle()
    incidents = as_user("admin").get("/api/incidents").json
    assert len(incidents) == 1 and incidents[0]["instance_id"] == case["id"] and incidents[0]["attempts"] == 3
    assert as_user("clerk").get("/api/incidents").status_code == 403
    (task,), _ = open_tasks(as_user, case["id"])  # the instance is untouched: still waiting
    assert task["name"] == "等待"
    # the administrator fixes the cause (here: the data) and retries
    r = as_user("admin").post(f"/api/incidents/{incidents[0]['id']}/retry")
    assert r.status_code == 200 and r.json["resolved_by"] == "admin"
    assert as_user("admin").post(f"/api/incidents/{incidents[0]['id']}/retry").status_code == 409
    assert as_user("admin").post("/api/incidents/999/retry").status_code == 404
    with db.transaction() as s:
        assert s.scalar(select(TimerRow.status)) == "pending"


MANY = process(
    "t_many",
    '<bpmn:startEvent id="s" />' + user_task("a", "等待")
    + '<bpmn:boundaryEvent id="t" attachedToRef="a" cancelActivity="true"><bpmn:timerEventDefinition>'
      '<bpmn:timeDate>"2025-06-01T00:00:00+08:00"</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
    + user_task("b", "已超期") + '<bpmn:endEvent id="e1" /><bpmn:endEvent id="e2" />',
    [("f1", "s", "a"), ("f2", "a", "e1"), ("f3", "t", "b"), ("f4", "b", "e2")], lane_nodes=["a", "b"])

WORKER_SCRIPT = """
import sys
from workflow_app.entrypoints.app import create_app
from workflow_app.entrypoints.config import Settings
from workflow_app.entrypoints.worker import Worker
app = create_app(Settings(database_url=sys.argv[1], library_folders=[]))
print(Worker(app.extensions["caseflow.db"], batch=20).run_until_idle())
"""


@pytest.mark.slow
def test_three_workers_fire_500_timers_exactly_once(frozen, db_url, app, db):
    from workflow_app.platform.processes import registry
    from workflow_app.platform.runtime import instances as runtime
    from workflow_app.platform.identity.directory import Principal
    files = {"many.bpmn": MANY.encode(), "t_form.json": form_bytes()}
    in_transaction(db, lambda s: registry.deploy(s, files, "owner"))
    admin = Principal("admin", "admin", frozenset({"zz/bureau/administrator"}))
    for batch in range(10):
        def start_batch(s, batch=batch):
            for n in range(50):
                runtime.start_instance(s, admin, "t_many", f"M{batch * 50 + n:04d}", "zz-jinshui", {})
        in_transaction(db, start_batch)
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(TimerRow).where(TimerRow.status == "pending")) == 500
    # The workers run on the real clock (2026): every timer (June 2025) is due.
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen([sys.executable, "-c", WORKER_SCRIPT, db_url], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env, cwd=str(ROOT)) for _ in range(3)]
    outputs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outputs]
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(TimerRow)) == 0
        fired = s.execute(select(AuditEvent.instance_id, func.count()).where(AuditEvent.action == "timer.fire")
                          .group_by(AuditEvent.instance_id)).all()
        assert len(fired) == 500 and all(count == 1 for _, count in fired)
        late = s.execute(select(TaskRow.instance_id, func.count()).where(TaskRow.name == "已超期")
                         .group_by(TaskRow.instance_id)).all()
        assert len(late) == 500 and all(count == 1 for _, count in late)
    work_done = [int(o[0].strip().splitlines()[-1]) for o in outputs]
    assert sum(work_done) >= 500


def test_cli_loads_a_calendar_year_and_runs_the_worker(db_url, app, capsys):
    from workflow_app.entrypoints import cli
    base = ["--database-url", db_url]
    assert cli.main(base + ["calendar", "load", str(FIXTURE_2027)]) == 0
    assert "national 2027 version 1" in capsys.readouterr().out
    assert cli.main(base + ["calendar", "load", str(FIXTURE_2027)]) == 2  # same version again
    assert "版本" in capsys.readouterr().err
    assert cli.main(base + ["calendar", "list"]) == 0
    assert "2027  v1" in capsys.readouterr().out
    assert cli.main(base + ["worker", "--once"]) == 0
    assert "work done: 0" in capsys.readouterr().out


def test_regional_override_changes_working_days(frozen, as_user, db):
    region = {"region": "zz-jinshui", "year": 2025, "version": 1, "source": "某地民族节日（测试）",
              "holidays": [{"date": "2025-01-27", "name": "地方节日"}], "adjusted_workdays": []}
    r = as_user("admin").post("/api/calendar/years", json=region)
    assert r.status_code == 201 and r.json["region"] == "zz-jinshui"
    from datetime import date
    from workflow_app.platform.deadlines import diagram_functions
    from workflow_app.platform.deadlines import calendar_years as calendar
    with db.transaction() as s:
        cal = calendar.current(s, force=True)
    # Nationally 26 Jan (adjusted Sunday) and 27 Jan are working days before the Spring Festival;
    # the region's local holiday on 27 Jan pushes the 2nd working day past the festival.
    assert diagram_functions.working_days_after(cal, "2025-01-24", 2) == date(2025, 1, 27)
    assert diagram_functions.working_days_after(cal, "2025-01-24", 2, region="zz-jinshui") == date(2025, 2, 5)
    assert diagram_functions.is_working_day(cal, "2025-01-27") and not diagram_functions.is_working_day(cal, "2025-01-27", "zz-jinshui")


REQUESTER = process(
    "t_request",
    '<bpmn:startEvent id="s" /><bpmn:intermediateThrowEvent id="ask"><bpmn:messageEventDefinition messageRef="m_req" />'
    '</bpmn:intermediateThrowEvent><bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="m_rep" />'
    '</bpmn:intermediateCatchEvent>' + user_task("use", "使用回复") + '<bpmn:endEvent id="e" />',
    [("f1", "s", "ask"), ("f2", "ask", "wait"), ("f3", "wait", "use"), ("f4", "use", "e")], lane_nodes=["use"],
).replace("</bpmn:definitions>",
          '<bpmn:message id="m_req" name="evidence_request"><bpmn:extensionElements><spiffworkflow:messagePayload>'
          "{'business_key': business_key + '-R', 'jurisdiction': jurisdiction, 'reply_to': business_key, 'question': question}"
          '</spiffworkflow:messagePayload></bpmn:extensionElements></bpmn:message>'
          '<bpmn:message id="m_rep" name="evidence_reply" /></bpmn:definitions>')

RESPONDER = process(
    "t_respond",
    '<bpmn:startEvent id="s"><bpmn:messageEventDefinition messageRef="m_req2" /></bpmn:startEvent>'
    + user_task("answer", "答复协查") + '<bpmn:intermediateThrowEvent id="reply"><bpmn:messageEventDefinition messageRef="m_rep2" />'
    '</bpmn:intermediateThrowEvent><bpmn:endEvent id="e" />',
    [("f1", "s", "answer"), ("f2", "answer", "reply"), ("f3", "reply", "e")], lane_nodes=["answer"],
).replace("</bpmn:definitions>",
          '<bpmn:message id="m_req2" name="evidence_request" />'
          '<bpmn:message id="m_rep2" name="evidence_reply"><bpmn:extensionElements><spiffworkflow:messagePayload>'
          "{'to': reply_to, 'answer': note}</spiffworkflow:messagePayload></bpmn:extensionElements></bpmn:message>"
          "</bpmn:definitions>")


def test_messages_between_instances_start_correlate_and_deliver_once(as_user, db):
    from workflow_app.platform.persistence.models import MessageReceipt, OutboxMessage
    from workflow_app.platform.messaging import outbox as messaging
    deploy(as_user, {"req.bpmn": REQUESTER, "resp.bpmn": RESPONDER})
    asker = start(as_user, "t_request", business_key="ARB-1", question="请协助调取考勤记录")
    worker = Worker(db)
    worker.run_until_idle()  # the request starts the responder through its message start event
    inbox = as_user("inspector").get("/api/tasks?business_key=ARB-1-R").json["items"]
    assert [t["name"] for t in inbox] == ["答复协查"]
    work(as_user, "inspector", inbox[0]["id"], {"note": "考勤记录已调取"})
    worker.run_until_idle()  # the reply goes back to ARB-1, matched by correlation key
    tasks, detail = open_tasks(as_user, asker["id"])
    assert [t["name"] for t in tasks] == ["使用回复"]
    assert detail["subscriptions"] == []
    # a crash after delivery but before the outbox row was marked: redelivery changes nothing
    with db.transaction() as s:
        reply = s.scalar(select(OutboxMessage).where(OutboxMessage.message_name == "evidence_reply"))
        reply.status = "pending"
        reply_id = reply.id
    assert messaging.deliver(db, reply_id) is True
    tasks, again = open_tasks(as_user, asker["id"])
    assert again["lock_version"] == detail["lock_version"] and [t["name"] for t in tasks] == ["使用回复"]
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(MessageReceipt)) == 2


def test_message_waiting_for_a_receiver_retries_then_is_an_incident(frozen, as_user, db):
    assert as_user("clerk").post("/api/messages", json={"name": "x"}).status_code == 403
    r = as_user("liaison").post("/api/messages", json={"name": "police_receipt", "correlation_key": "NOPE-1",
                                                       "payload": {"receipt_no": "公回〔2025〕1号"}})
    assert r.status_code == 202, r.json
    worker = Worker(db)
    for _ in range(8):
        worker.run_until_idle()
        frozen.advance(timedelta(hours=1))
    incidents = as_user("admin").get("/api/incidents").json
    assert [(i["kind"], i["attempts"]) for i in incidents] == [("outbox", 6)]
    assert "NOPE-1" in incidents[0]["error"]


@pytest.mark.parametrize("process_key,body", [("inspection_case", "inspection"), ("si_audit_case", "si_audit"),
                                              ("arbitration_case", "arbitration")])
def test_library_acceptance_tasks_carry_clock_reminder_and_deadline(frozen, as_user, db, process_key, body):
    case = start(as_user, process_key, received_at="2025-01-24T10:00:00+08:00", employer_name="某公司")
    (task,), detail = open_tasks(as_user, case["id"])
    assert task["name"] == "受理审查" and task["due_at"] == "2025-02-07T15:59:59+00:00"
    assert [(c["name"], c["status"]) for c in detail["clocks"]] == [("acceptance", "running")]
    assert len(detail["timers"]) == 2
    worker = Worker(db)
    frozen.set(datetime(2025, 2, 6, 9, 1, tzinfo=CST))
    worker.run_until_idle()
    (task,), _ = open_tasks(as_user, case["id"])
    assert task["reminded_at"] is not None
    frozen.set(datetime(2025, 2, 8, 8, 0, tzinfo=CST))
    worker.run_until_idle()
    (task,), detail = open_tasks(as_user, case["id"])
    assert (task["name"], task["candidate_group"]) == ("超期受理督办", f"zz-jinshui/{body}/division_head")
    assert detail["clocks"][0]["overdue"] is True


@pytest.mark.parametrize("process_key,clock_name,rule,due", [
    ("inspection_case", "investigation", "60WD", "2025-04-28"),  # 60 WD from Mon 27 Jan 2025 across the festival
    ("arbitration_case", "award", "45CD", "2025-03-13"),         # 27 Jan + 45 days = Thu 13 Mar, a working day
])
def test_accepting_a_case_starts_its_procedure_clock(frozen, as_user, process_key, clock_name, rule, due):
    case = start(as_user, process_key, received_at="2025-01-24T10:00:00+08:00", employer_name="某公司")
    (task,), _ = open_tasks(as_user, case["id"])
    user = "inspector" if process_key == "inspection_case" else "arbitrator"
    frozen.set(datetime(2025, 1, 27, 9, 30, tzinfo=CST))
    work(as_user, user, task["id"], {"accepted": True, "acceptance_opinion": "符合受理条件"})
    _, detail = open_tasks(as_user, case["id"])
    clocks = {c["name"]: c for c in detail["clocks"]}
    assert clocks["acceptance"]["status"] == "stopped"
    assert (clocks[clock_name]["rule"], clocks[clock_name]["status"]) == (rule, "running")
    assert clocks[clock_name]["due_at"] == f"{due}T15:59:59+00:00"  # end of that day, China time


def test_a_clock_reaching_into_a_year_without_calendar_data_runs_provisionally_until_the_year_is_loaded(
        freeze_clock, as_user, db):
    freeze_clock(datetime(2026, 11, 23, 9, 30, tzinfo=CST))  # 60 WD from here end in 2027
    case = start(as_user, "inspection_case", received_at="2026-11-20T10:00:00+08:00", employer_name="某公司")
    (task,), _ = open_tasks(as_user, case["id"])
    work(as_user, "inspector", task["id"], {"accepted": True, "acceptance_opinion": "符合受理条件"})  # not blocked
    _, detail = open_tasks(as_user, case["id"])
    investigation = next(c for c in detail["clocks"] if c["name"] == "investigation")
    # weekends only: 60 working days after Mon 23 Nov 2026 are Mon 15 Feb 2027, marked provisional
    assert investigation["status"] == "running" and investigation["due_at"] == "2027-02-15T15:59:59+00:00"
    assert investigation["due_provisional"] is True and "error" not in investigation
    load_2027(as_user)
    Worker(db).run_until_idle()
    _, detail = open_tasks(as_user, case["id"])
    investigation = next(c for c in detail["clocks"] if c["name"] == "investigation")
    # the fixture's 元旦 (1 Jan) and 春节 (8–12 Feb) push it by six working days, the adjusted Saturday
    # 20 Feb pulls it back by one
    assert investigation["due_at"] == "2027-02-22T15:59:59+00:00" and investigation["due_provisional"] is False


@pytest.mark.parametrize("process_key,clock_name,user,remind,due", [
    # 60 WD from Mon 27 Jan 2025 end Mon 28 Apr; the working day before is Sunday 27 Apr (调休上班日)
    ("inspection_case", "investigation", "inspector", "2025-04-27", "2025-04-28"),
    # 45 CD from 27 Jan 2025 end Thu 13 Mar; reminded Wed 12 Mar
    ("arbitration_case", "award", "arbitrator", "2025-03-12", "2025-03-13"),
])
def test_long_clocks_remind_the_holders_then_escalate_to_the_division_head(frozen, as_user, db, process_key,
                                                                          clock_name, user, remind, due):
    case = start(as_user, process_key, received_at="2025-01-24T10:00:00+08:00", employer_name="某公司")
    (task,), _ = open_tasks(as_user, case["id"])
    frozen.set(datetime(2025, 1, 27, 9, 30, tzinfo=CST))
    work(as_user, user, task["id"], {"accepted": True, "acceptance_opinion": "符合受理条件"})
    _, detail = open_tasks(as_user, case["id"])
    long_clock = next(c for c in detail["clocks"] if c["name"] == clock_name)
    assert long_clock["remind_at"] == f"{remind}T01:00:00+00:00"  # 09:00 China time
    worker = Worker(db)
    # the day before the reminder: nothing
    y, m, d = map(int, remind.split("-"))
    frozen.set(datetime(y, m, d, 8, 59, tzinfo=CST))
    worker.run_until_idle()

    def events(action):
        with db.transaction() as s:
            return s.scalars(select(AuditEvent.after).where(AuditEvent.action == action,
                                                            AuditEvent.instance_id == case["id"])).all()
    assert [e for e in events("clock.remind") if e["name"] == clock_name] == []
    frozen.set(datetime(y, m, d, 9, 1, tzinfo=CST))
    worker.run_until_idle()
    worker.run_until_idle()  # exactly once
    assert len([e for e in events("clock.remind") if e["name"] == clock_name]) == 1
    tasks, _ = open_tasks(as_user, case["id"])
    from workflow_app.platform.persistence.models import Notification
    from workflow_app.platform.notifications import inbox as notifications
    with db.transaction() as s:
        expected = {u for t in s.scalars(select(TaskRow).where(TaskRow.instance_id == case["id"],
                                                               TaskRow.status == "open"))
                    for u in notifications.holders_of(s, t)}
        reminded = set(s.scalars(select(Notification.username).where(Notification.kind == "clock.remind",
                                                                     Notification.instance_id == case["id"])))
    assert expected and reminded == expected  # the holders of the case's open tasks
    assert not any(t["escalated_at"] for t in tasks)
    # at the due instant: the case's open tasks go to the division head, who is told
    y, m, d = map(int, due.split("-"))
    frozen.set(datetime(y, m, d, 23, 59, 58, tzinfo=CST))
    worker.run_until_idle()
    assert [e for e in events("clock.escalate") if e["name"] == clock_name] == []
    frozen.set(datetime(y, m, d + 1, 0, 0, 1, tzinfo=CST))
    worker.run_until_idle()
    worker.run_until_idle()
    escalations = [e for e in events("clock.escalate") if e["name"] == clock_name]
    assert len(escalations) == 1
    body = "inspection" if process_key == "inspection_case" else "arbitration"
    assert escalations[0]["to"] == [f"zz-jinshui/{body}/division_head"]
    tasks, _ = open_tasks(as_user, case["id"])
    assert tasks and all(t["escalation_group"] == f"zz-jinshui/{body}/division_head" for t in tasks)
    if body == "inspection":  # the demo's division head sits in 金水区 inspection
        assert "clock.escalate" in {n["kind"] for n in notes(as_user, "head")}


def test_a_clock_found_past_due_is_escalated_without_a_due_soon_reminder(frozen, as_user, db):
    """A worker that was stopped past a clock's due instant escalates it; it does not say "即将届满"."""
    case = start(as_user, "inspection_case", received_at="2025-01-24T10:00:00+08:00", employer_name="某公司")
    (task,), _ = open_tasks(as_user, case["id"])
    frozen.set(datetime(2025, 1, 27, 9, 30, tzinfo=CST))
    work(as_user, "inspector", task["id"], {"accepted": True, "acceptance_opinion": "符合受理条件"})
    frozen.set(datetime(2025, 4, 30, 10, 0, tzinfo=CST))  # the 60 WD clock ended on 28 April
    Worker(db).run_until_idle()
    from workflow_app.platform.persistence.models import Notification
    with db.transaction() as s:
        kinds = set(s.scalars(select(Notification.kind).where(Notification.instance_id == case["id"])))
        escalated = s.scalars(select(AuditEvent.after).where(AuditEvent.action == "clock.escalate",
                                                             AuditEvent.instance_id == case["id"])).all()
    assert [e["name"] for e in escalated if e["name"] == "investigation"] == ["investigation"]
    assert "clock.escalate" in kinds and "clock.remind" not in kinds


def test_a_clock_reminder_follows_suspension_and_extension(frozen, as_user, db):
    deploy(as_user, {"inv.bpmn": INVESTIGATION})
    case = start(as_user, "t_investigate")
    frozen.set(datetime(2025, 3, 3, 9, 0, tzinfo=CST))
    (task,), _ = open_tasks(as_user, case["id"])
    work(as_user, "inspector", task["id"], {"note": "立案"})
    _, detail = open_tasks(as_user, case["id"])
    assert detail["clocks"][0]["remind_at"] == "2025-05-28T01:00:00+00:00"  # the working day before 29 May
    (task,), _ = open_tasks(as_user, case["id"])
    work(as_user, "inspector", task["id"], {"note": "中止"})
    _, detail = open_tasks(as_user, case["id"])
    assert detail["clocks"][0]["remind_at"] is None  # a suspended clock neither reminds nor escalates
    frozen.set(datetime(2025, 3, 10, 9, 0, tzinfo=CST))
    (task,), _ = open_tasks(as_user, case["id"])
    work(as_user, "inspector", task["id"], {"note": "恢复"})
    _, detail = open_tasks(as_user, case["id"])
    assert detail["clocks"][0]["remind_at"] == "2025-06-05T01:00:00+00:00"  # due Fri 6 Jun after 5 WD suspended
    (task,), _ = open_tasks(as_user, case["id"])
    work(as_user, "head", task["id"], {"approved": True})
    _, detail = open_tasks(as_user, case["id"])
    assert detail["clocks"][0]["remind_at"] > "2025-07" and detail["clocks"][0]["reminded_at"] is None


def test_a_start_clock_remind_must_be_a_small_whole_number(frozen, as_user):
    bad = INVESTIGATION.replace("'start': '2025-03-03'}", "'start': '2025-03-03', 'remind': 'soon'}")
    deploy(as_user, {"inv.bpmn": bad})
    case = start(as_user, "t_investigate")
    (task,), _ = open_tasks(as_user, case["id"])
    client = as_user("inspector")
    assert client.post(f"/api/tasks/{task['id']}/claim").status_code == 200
    r = client.post(f"/api/tasks/{task['id']}/complete", json={"data": {"note": "立案"}})
    assert r.status_code == 422 and "remind" in r.json["detail"]
