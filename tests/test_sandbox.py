"""Hostile diagram text: refused at deploy time, or failing the step safely at run time.

Every case goes through the public API (deploy, then start a case); the server must keep answering.
The limits are the worker process's own CPU time and memory (docs/sandbox.md): whatever a script catches
or calls, it cannot switch them off, and a loaded machine does not fail a legitimate rule.
"""
from __future__ import annotations

import json
import os
import signal
import threading
import time
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import select

from tests.samples import form_bytes, process, simple, upload, user_task
from workflow_app.platform.calendar import OfficialCalendar
from workflow_app.platform.engine import sandbox, sandbox_process, script_environment
from workflow_app.platform.persistence.models import Incident, ProcessInstance, TimerRow
from workflow_app.entrypoints.worker import Worker

CST = timezone(timedelta(hours=8))
#: The calendar of a database without loaded years (what the cases started in these tests compute with).
CALENDAR = OfficialCalendar.builtin().provisional()

ATTACKS = [
    # (label, script, expected phase, text expected in the reason)
    ("dunder walk to os", "x = ().__class__.__base__.__subclasses__()", "deploy", "__class__"),
    ("module internals", "x = date.__module__", "deploy", "__module__"),
    ("globals of a function", "x = parse_date.__globals__", "deploy", "__globals__"),
    ("import statement", "import os", "deploy", "import"),
    ("from import", "from os import system", "deploy", "import"),
    ("dunder import", "x = __import__('os')", "deploy", "__import__"),
    ("open", "x = open('/etc/passwd').read()", "deploy", "open"),
    ("exec", "exec('x = 1')", "deploy", "Exec"),
    ("eval", "x = eval('1 + 1')", "deploy", "Eval"),
    ("compile", "x = compile('1', 'f', 'eval')", "deploy", "compile"),
    ("getattr", "x = getattr(today, 'x')", "deploy", "getattr"),
    ("type", "x = type(1)", "deploy", "type"),
    ("class definition", "class A:\n    pass", "deploy", "Class"),
    ("f-string width", "x = f'{1:>999999999}'", "deploy", "width"),
    ("endless loop", "x = 0\nwhile True:\n    x += 1", "run", "time limit"),
    ("nested endless generator", "x = sum(1 for i in range(10**5) for j in range(10**5))", "run", "time limit"),
    # The list of 10**10 items hits the 64 MB memory limit long before the CPU limit.
    ("nested endless comprehension", "x = [i for i in range(10**5) for j in range(10**5)]", "run", "memory limit"),
    ("huge string", "x = 'a' * (10 ** 10)", "run", "size limit"),
    ("huge list", "x = [0] * (10 ** 9)", "run", "size limit"),
    ("huge augmented", "x = [0]\nx *= 10 ** 9", "run", "size limit"),
    ("huge power", "x = 10 ** (10 ** 10)", "run", "size limit"),
    ("huge shift", "x = 1 << (10 ** 9)", "run", "size limit"),
    ("huge range", "x = list(range(10 ** 9))", "run", "size limit"),
    ("percent width", "x = '%999999999d' % 1", "run", "too large"),
    ("str width method", "x = 'a'.ljust(10 ** 9)", "run", "not available"),
    ("format method", "x = '{0.__class__}'.format(1)", "run", "format"),
    ("deep recursion", "def f(n):\n    return f(n + 1)\nx = f(0)", "run", "recursion"),
    ("attribute write", "x = today()\nx.year = 1", "run", "cannot modify"),
    # issue 11: the limits hold whatever the script catches or calls
    ("caught limit then spin", "try:\n    while True:\n        pass\nexcept Exception:\n    pass\nwhile True:\n    pass",
     "run", "time limit"),
    ("one C call of 200 MB", "x = len(sum([[0] * 1000000] * 25, []))", "run", "limit"),
    ("one C call of 1.6 GB", "x = len(('a' * 40000).replace('a', 'a' * 40000))", "run", "memory limit"),
    ("endless C call", "x = sum(map(sum, [range(10**6)] * 10**5))", "run", "time limit"),
    ("20 MB of task data", "x = ''.join(['a' * 1000000] * 20)", "run", "larger than the limit"),
    ("reserved storage key", "x = {'nested': [{'typename': 'nope'}]}", "run", "reserved"),
    ("a set is not task data", "x = {1, 2}", "run", "cannot be task data"),
]


@pytest.mark.parametrize("label,script,phase,reason", ATTACKS, ids=[a[0] for a in ATTACKS])
def test_attack_is_refused_or_fails_safely(as_user, label, script, phase, reason):
    owner, admin = as_user("owner"), as_user("admin")
    r = upload(owner, {"t_proc.bpmn": simple(script=escape(script)), "t_form.json": form_bytes()})
    if phase == "deploy":
        assert r.status_code == 422, r.json
        assert reason in " ".join(p["reason"] for p in r.json["problems"])
        return
    assert r.status_code == 201, r.json
    r = admin.post("/api/instances", json={"process_key": "t_proc", "business_key": "A1", "jurisdiction": "zz-jinshui"})
    assert r.status_code == 422, r.json
    assert reason in r.json["detail"], r.json["detail"]
    assert admin.get("/api/instances").json["total"] == 0
    assert admin.get("/api/health").json == {"status": "ok"}


def test_curated_functions_work_in_scripts(as_user):
    script = "d = parse_date('2026-11-20') + timedelta(days=3)\ndue = d.isoformat()\ntotal = sum([1, 2, 3])"
    upload(as_user("owner"), {"t_proc.bpmn": simple(script=escape(script)), "t_form.json": form_bytes()})
    r = as_user("admin").post("/api/instances", json={"process_key": "t_proc", "business_key": "A1",
                                                      "jurisdiction": "zz-jinshui"})
    assert r.status_code == 201, r.json


def _deploy(as_user, files):
    r = upload(as_user("owner"), {"t_form.json": form_bytes(), **files})
    assert r.status_code == 201, r.json


def _start(as_user, key, business_key="A1", **variables):
    return as_user("admin").post("/api/instances", json={"process_key": key, "business_key": business_key,
                                                         "jurisdiction": "zz-jinshui", "variables": variables})


def test_scripts_see_the_application_clock_and_calendar(as_user, freeze_clock):
    """The worker process answers now()/today()/datetime.now() with the parent's (frozen) clock and computes
    deadlines with the parent's calendar."""
    freeze_clock(datetime(2026, 9, 30, 10, 0, tzinfo=CST))
    script = ("stamp = now().isoformat()\nday = today().isoformat()\nplain = datetime.now().isoformat()\n"
              "due = deadline('3WD', today()).isoformat()")
    summary = "stamp + '|' + plain + '|' + day + '|' + due"
    _deploy(as_user, {"t_proc.bpmn": simple(script=escape(script), extra_props=(
        f'<spiffworkflow:property name="summary" value="{escape(summary, {chr(39): "&apos;"})}" />'))})
    r = _start(as_user, "t_proc")
    assert r.status_code == 201, r.json
    assert r.json["tasks"][0]["summary"] == "2026-09-30T10:00:00+08:00|2026-09-30T10:00:00|2026-09-30|2026-10-10"
    # 3 working days after 30 September 2026: the National Day holiday (1-7 October) is skipped and
    # Saturday 10 October is a working day (weekends only would give 5 October)
    assert script_environment.evaluate("deadline('3WD', today()).isoformat()", {}, calendar=CALENDAR) == "2026-10-10"


def test_the_limit_is_cpu_time_not_wall_clock_time():
    """A worker that gets no CPU for 1.5 s (an overloaded machine: here it is stopped) still finishes a
    legitimate rule: only its own CPU time counts."""
    result = {}

    def run():
        started = time.monotonic()
        context = {"claim": {"group": "si_enforcement"}}
        script_environment.execute("total = 0\nfor i in range(200000):\n    total += i\n"
                        "hit = claim['group'] == 'si_enforcement'", context, calendar=CALENDAR)
        result["context"], result["wall"] = context, time.monotonic() - started

    script_environment.evaluate("1", {}, calendar=CALENDAR)  # a warm worker
    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 10
    while not sandbox_process.busy_pids() and time.monotonic() < deadline:
        time.sleep(0.001)
    (pid,) = sandbox_process.busy_pids()
    os.kill(pid, signal.SIGSTOP)
    time.sleep(1.5)
    os.kill(pid, signal.SIGCONT)
    thread.join(30)
    assert result["context"]["hit"] is True and result["context"]["total"] == sum(range(200000))
    assert result["wall"] > 1.5  # far beyond the 1 s limit in wall-clock time


SPIN = "try:\n    while True:\n        pass\nexcept Exception:\n    pass\nx = sum(map(sum, [range(10**6)] * 10**5))"


def test_a_runaway_script_does_not_block_other_requests(app, as_user, db_url):
    """One request runs an endless C-level call (in-process it would hold the interpreter lock); the
    server keeps answering and another case starts meanwhile."""
    _deploy(as_user, {"t_spin.bpmn": simple("t_spin", script=escape(SPIN)),
                      "t_ok.bpmn": simple("t_ok", script="x = 1")})
    outcome = {}

    def hostile():
        outcome["response"] = _start(as_user, "t_spin", "SPIN-1")
        outcome["done"] = time.monotonic()

    thread = threading.Thread(target=hostile)
    thread.start()
    deadline = time.monotonic() + 30
    while not sandbox_process.busy_pids() and time.monotonic() < deadline:
        time.sleep(0.005)
    assert sandbox_process.busy_pids(), "the hostile script never started"
    began = time.monotonic()
    assert as_user("admin").get("/api/health").json == {"status": "ok"}
    assert script_environment.evaluate("claim['group'] == 'si_enforcement'", {"claim": {"group": "si_enforcement"}},
                                      calendar=CALENDAR) is True
    answered = time.monotonic()
    r = _start(as_user, "t_ok", "OK-1")  # on SQLite this waits for the single writer, at most the limit
    finished = time.monotonic()
    thread.join(60)
    assert r.status_code == 201, r.json
    assert outcome["response"].status_code == 422 and "time limit" in outcome["response"].json["detail"]
    assert answered - began < 0.9 and answered < outcome["done"]
    if db_url.startswith("postgresql"):
        assert finished < outcome["done"]  # served while the runaway script was still running


TIMED_SPIN = process(
    "t_timed_spin",
    '<bpmn:startEvent id="s" />' + user_task("a", "等待")
    + '<bpmn:boundaryEvent id="t" attachedToRef="a" cancelActivity="true"><bpmn:timerEventDefinition>'
      '<bpmn:timeDate>"2025-02-01T00:00:00+08:00"</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
      f'<bpmn:scriptTask id="spin"><bpmn:script>{escape(SPIN)}</bpmn:script></bpmn:scriptTask>'
      '<bpmn:endEvent id="e1" /><bpmn:endEvent id="e2" />',
    [("f1", "s", "a"), ("f2", "a", "e1"), ("f3", "t", "spin"), ("f4", "spin", "e2")], lane_nodes=["a"])
TIMED_OK = TIMED_SPIN.replace("t_timed_spin", "t_timed_ok").replace(escape(SPIN), "done = True")


def test_a_runaway_script_after_a_timer_becomes_an_incident_and_never_blocks_the_worker(
        as_user, db, freeze_clock):
    frozen = freeze_clock(datetime(2025, 1, 24, 10, 0, tzinfo=CST))
    _deploy(as_user, {"spin.bpmn": TIMED_SPIN, "ok.bpmn": TIMED_OK})
    spin = _start(as_user, "t_timed_spin", "SPIN-1").json
    ok = _start(as_user, "t_timed_ok", "OK-1").json
    frozen.set(datetime(2025, 2, 2, 0, 0, tzinfo=CST))
    started = time.monotonic()
    Worker(db).run_until_idle()
    assert time.monotonic() - started < 30
    with db.transaction() as s:
        timers = {t.instance_id: t for t in s.scalars(select(TimerRow))}
        assert (timers[spin["id"]].attempts, timers[spin["id"]].status) == (1, "pending")
        assert "time limit" in timers[spin["id"]].last_error
        assert ok["id"] not in timers  # the same pass fired the other instance's timer ...
        assert s.get(ProcessInstance, ok["id"]).status == "completed"  # ... and its script ran
    for _ in range(2):  # retries with backoff; each a fresh worker, as after a restart
        frozen.advance(timedelta(minutes=5))
        Worker(db).run_until_idle()
    with db.transaction() as s:
        (incident,) = s.scalars(select(Incident)).all()
        assert incident.instance_id == spin["id"] and incident.attempts == 3 and "time limit" in incident.error
        assert s.get(TimerRow, timers[spin["id"]].id).status == "incident"
    frozen.advance(timedelta(hours=1))
    assert Worker(db).run_until_idle() == 0  # nothing left that is due: a restart does not spin again
    detail = as_user("admin").get(f"/api/instances/{spin['id']}").json
    assert [t["name"] for t in detail["tasks"] if t["status"] == "open"] == ["等待"]


STORE_FORM = {"schema": {"type": "object", "properties": {"note": {"type": "string"}, "extra": {"type": "object"},
                                                          "items": {"type": "array"}}}}


def test_every_entry_refuses_the_reserved_storage_key(as_user):
    """Start variables, form data and message payloads: a 422 naming the field; nothing is stored."""
    _deploy(as_user, {"t_store.bpmn": simple("t_store", form="t_store.json"),
                      "t_store.json": json.dumps(STORE_FORM).encode()})
    r = _start(as_user, "t_store", "S-1", v={"typename": "nope"})
    assert r.status_code == 422 and r.json["errors"] == {"variables.v.typename": r.json["errors"]["variables.v.typename"]}
    assert "reserved" in r.json["detail"] and "typename" in r.json["message"]
    assert as_user("admin").get("/api/instances").json["total"] == 0
    case = _start(as_user, "t_store", "S-2", v={"TypeName": 1, "kind": "typename"}).json  # ordinary data is fine
    task = case["tasks"][0]["id"]
    inspector = as_user("inspector")
    assert inspector.post(f"/api/tasks/{task}/claim").status_code == 200
    for body, field in (('{"data": {"extra": {"typename": "datetime", "value": "x"}}}', "data.extra.typename"),
                        ('{"data": {"items": [{"a": {"typename": "nope"}}]}}', "data.items[0].a.typename"),
                        ('{"data": {"items": [1.5, "a\\ud800"]}}', "data.items[1]")):  # a lone surrogate
        r = inspector.post(f"/api/tasks/{task}/complete", data=body, content_type="application/json")
        assert r.status_code == 422, r.json
        assert field in r.json["errors"], r.json
    assert inspector.get(f"/api/tasks/{task}").json["status"] == "open"
    r = as_user("admin").post("/api/messages", json={"name": "m", "correlation_key": "S-2",
                                                     "payload": {"v": {"typename": "nope"}}})
    assert r.status_code == 422 and "payload.v.typename" in r.json["errors"]
    r = inspector.post(f"/api/tasks/{task}/complete", json={"data": {"note": "好", "extra": {"a": 1}}})
    assert r.status_code == 200, r.json
