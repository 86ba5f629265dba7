"""Durable execution: state without spec, projections, optimistic concurrency, guards, crash safety."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from tests.conftest import ROOT
from tests.samples import form_bytes, process, simple, upload, user_task
from workflow_app.platform.persistence.models import MessageSubscription, ProcessInstance, TaskRow, TimerRow


def deploy(as_user, files):
    r = upload(as_user("owner"), {"t_form.json": form_bytes(), **files})
    assert r.status_code == 201, r.json
    return r.json


def start(as_user, key, business_key="C1", **variables):
    return as_user("admin").post("/api/instances", json={"process_key": key, "business_key": business_key,
                                                         "jurisdiction": "zz-jinshui", "variables": variables})


PARALLEL = process(
    "t_parallel",
    '<bpmn:startEvent id="s" /><bpmn:parallelGateway id="split" />'
    + user_task("left", "左分支") + user_task("right", "右分支")
    + '<bpmn:parallelGateway id="join" /><bpmn:scriptTask id="merge"><bpmn:script>merged = True</bpmn:script>'
      '</bpmn:scriptTask>' + user_task("after", "汇合后") + '<bpmn:endEvent id="e" />',
    [("f1", "s", "split"), ("f2", "split", "left"), ("f3", "split", "right"), ("f4", "left", "join"),
     ("f5", "right", "join"), ("f6", "join", "merge"), ("f7", "merge", "after"), ("f8", "after", "e")],
    lane_nodes=["left", "right", "after"])


def test_state_is_stored_without_the_spec_and_loads_without_replay(as_user, db):
    deploy(as_user, {"p.bpmn": simple(tasks=(("a", "一"), ("b", "二")))})
    case = start(as_user, "t_proc").json
    with db.transaction() as s:
        instance = s.get(ProcessInstance, case["id"])
        state = json.loads(instance.state)
    assert "spec" not in state and "subprocess_specs" not in state
    assert state["serializer_version"]
    inspector = as_user("inspector")
    task = case["tasks"][0]["id"]
    inspector.post(f"/api/tasks/{task}/claim")
    assert inspector.post(f"/api/tasks/{task}/complete", json={"data": {"note": "第一步完成"}}).status_code == 200
    detail = as_user("admin").get(f"/api/instances/{case['id']}").json
    assert [t["name"] for t in detail["tasks"]] == ["一", "二"]
    assert detail["lock_version"] == case["lock_version"] + 1


def test_concurrent_completions_in_one_instance_lose_no_write(app, as_user):
    deploy(as_user, {"par.bpmn": PARALLEL})
    for round_ in range(3):
        case = start(as_user, "t_parallel", business_key=f"P{round_}").json
        ids = [t["id"] for t in case["tasks"]]
        assert len(ids) == 2
        users = ["inspector", "inspector2"]
        for user, task in zip(users, ids):
            assert as_user(user).post(f"/api/tasks/{task}/claim").status_code == 200
        barrier = threading.Barrier(2)

        def complete(pair):
            user, task = pair
            client = as_user(user)
            barrier.wait()
            return client.post(f"/api/tasks/{task}/complete", json={"data": {"note": f"{user} 完成"}}).status_code

        with ThreadPoolExecutor(2) as pool:
            codes = list(pool.map(complete, zip(users, ids)))
        assert codes == [200, 200]
        detail = as_user("admin").get(f"/api/instances/{case['id']}").json
        open_names = [t["name"] for t in detail["tasks"] if t["status"] == "open"]
        assert open_names == ["汇合后"], detail["tasks"]  # the join saw both branches
        assert detail["lock_version"] == case["lock_version"] + 2


def test_timers_and_message_subscriptions_are_projected(as_user, db):
    body = ('<bpmn:startEvent id="s" />' + user_task("a", "限时任务")
            + '<bpmn:boundaryEvent id="deadline" attachedToRef="a" cancelActivity="true">'
              '<bpmn:timerEventDefinition><bpmn:timeDate>"2030-01-02T03:04:05+08:00"</bpmn:timeDate>'
              '</bpmn:timerEventDefinition></bpmn:boundaryEvent>'
              '<bpmn:endEvent id="e1" /><bpmn:endEvent id="e2" />')
    deploy(as_user, {"timer.bpmn": process("t_timer", body, [("f1", "s", "a"), ("f2", "a", "e1"),
                                                               ("f3", "deadline", "e2")], lane_nodes=["a"])})
    case = start(as_user, "t_timer").json
    assert len(case["timers"]) == 1
    assert case["timers"][0]["due_at"].startswith("2030-01-01T19:04:05")  # absolute, UTC
    msg = ('<bpmn:message id="m_reply" name="police_reply" />')
    body = ('<bpmn:startEvent id="s" /><bpmn:intermediateCatchEvent id="wait">'
            '<bpmn:messageEventDefinition messageRef="m_reply" /></bpmn:intermediateCatchEvent><bpmn:endEvent id="e" />')
    xml = process("t_msg", body, [("f1", "s", "wait"), ("f2", "wait", "e")]).replace("</bpmn:definitions>", msg + "</bpmn:definitions>")
    deploy(as_user, {"msg.bpmn": xml})
    case = start(as_user, "t_msg", business_key="M1").json
    assert [s["message_name"] for s in case["subscriptions"]] == ["police_reply"]
    with db.transaction() as s:
        assert s.scalar(select(MessageSubscription.message_name)) == "police_reply"
        assert s.scalar(select(TimerRow.status)) == "pending"


def test_script_failure_at_run_time_changes_nothing(as_user, db):
    deploy(as_user, {"slow.bpmn": simple(script="x = 0\nwhile True:\n    x += 1")})
    r = start(as_user, "t_proc")
    assert r.status_code == 422 and r.json["type"] == "process-error"
    assert "time limit" in r.json["detail"]
    deploy(as_user, {"slow.bpmn": simple(script="x = 'a' * (10 ** 9)")})
    r = start(as_user, "t_proc")
    assert r.status_code == 422 and "size limit" in r.json["detail"]
    with db.transaction() as s:
        assert s.scalar(select(ProcessInstance.id)) is None and s.scalar(select(TaskRow.id)) is None
    assert as_user("admin").get("/api/health").status_code == 200


def test_depth_guard_refuses_a_runaway_back_edge_loop(as_user, db):
    body = ('<bpmn:startEvent id="s" /><bpmn:scriptTask id="inc"><bpmn:script>n = n + 1</bpmn:script></bpmn:scriptTask>'
            '<bpmn:exclusiveGateway id="g" default="f4" />' + user_task("a", "完成") + '<bpmn:endEvent id="e" />')
    xml = process("t_runaway", body, [("f1", "s", "inc"), ("f2", "inc", "g"), ("f3", "g", "inc", "n &lt; 2000"),
                                        ("f4", "g", "a"), ("f5", "a", "e")], lane_nodes=["a"])
    result = deploy(as_user, {"loop.bpmn": xml})
    assert any("back-edge" in w for w in result["warnings"])
    r = start(as_user, "t_runaway", n=0)
    assert r.status_code == 422 and "depth" in r.json["detail"]
    ok = start(as_user, "t_runaway", business_key="OK", n=1990)  # a short loop is fine
    assert ok.status_code == 201 and ok.json["tasks"][0]["name"] == "完成"


def test_unknown_process_jurisdiction_and_bad_variables(as_user):
    admin = as_user("admin")
    r = admin.post("/api/instances", json={"process_key": "nope", "business_key": "X", "jurisdiction": "zz-jinshui"})
    assert r.status_code == 404
    r = admin.post("/api/instances", json={"process_key": "inspection_case", "business_key": "X", "jurisdiction": "mars"})
    assert r.status_code == 422 and "jurisdiction" in r.json["errors"]
    r = admin.post("/api/instances", json={"process_key": "inspection_case", "business_key": "X",
                                           "jurisdiction": "zz-jinshui", "variables": {"__class__": 1}})
    assert r.status_code == 422
    r = admin.post("/api/instances", json={"business_key": "X"})
    assert r.status_code == 422 and set(r.json["errors"]) >= {"process_key", "jurisdiction"}
    # a clerk of 金水区 cannot start a case in 二七区
    r = as_user("clerk").post("/api/instances", json={"process_key": "intake_triage", "business_key": "X",
                                                      "jurisdiction": "zz-erqi"})
    assert r.status_code == 403


CRASHER = r'''
import os, sys
from workflow_app.entrypoints.app import create_app
from workflow_app.entrypoints.config import Settings
from workflow_app.platform.engine import sandbox
app = create_app(Settings(database_url=sys.argv[1], library_folders=[]))
client = app.test_client()
print("ready", flush=True)
# the completion below runs a script that spins until this process is killed mid-transaction
client.post(f"/api/tasks/{sys.argv[2]}/complete", json={"data": {"note": "会被中断"}},
            headers={"Authorization": "Bearer " + sys.argv[3]})
print("finished", flush=True)
'''


def test_a_worker_killed_mid_step_leaves_the_instance_consistent(db_url, as_user, db):
    from workflow_app.entrypoints import demo
    body = ('<bpmn:startEvent id="s" />' + user_task("a", "第一步")
            + '<bpmn:scriptTask id="spin"><bpmn:script>x = 0\nwhile x &gt;= 0:\n    x += 1</bpmn:script></bpmn:scriptTask>'
            + user_task("b", "第二步") + '<bpmn:endEvent id="e" />')
    deploy(as_user, {"spin.bpmn": process("t_spin", body, [("f1", "s", "a"), ("f2", "a", "spin"),
                                                            ("f3", "spin", "b"), ("f4", "b", "e")], lane_nodes=["a", "b"])})
    case = start(as_user, "t_spin").json
    task = case["tasks"][0]["id"]
    inspector = as_user("inspector")
    inspector.post(f"/api/tasks/{task}/claim")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", CRASHER, db_url, task, demo.demo_token("inspector")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=str(ROOT))
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(0.5)  # inside the transaction: task row marked 'completing', engine spinning
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    detail = as_user("admin").get(f"/api/instances/{case['id']}").json
    assert detail["lock_version"] == case["lock_version"]
    assert [(t["name"], t["status"], t["assignee"]) for t in detail["tasks"]] == [("第一步", "open", "inspector")]
    # The instance still loads and runs: the spinning script now fails cleanly under the time limit.
    r = inspector.post(f"/api/tasks/{task}/complete", json={"data": {"note": "再次办理"}})
    assert r.status_code == 422 and "time limit" in r.json["detail"]
    assert inspector.get(f"/api/tasks/{task}").json["status"] == "open"


THROW = process(
    "t_throw",
    '<bpmn:startEvent id="s" /><bpmn:intermediateThrowEvent id="notify">'
    '<bpmn:messageEventDefinition messageRef="m_note" /></bpmn:intermediateThrowEvent>'
    + user_task("a", "后续") + '<bpmn:endEvent id="e" />',
    [("f1", "s", "notify"), ("f2", "notify", "a"), ("f3", "a", "e")], lane_nodes=["a"],
).replace("</bpmn:definitions>",
          '<bpmn:message id="m_note" name="case_note"><bpmn:extensionElements>'
          '<spiffworkflow:messagePayload>{"case": business_key, "n": 1}</spiffworkflow:messagePayload>'
          '</bpmn:extensionElements></bpmn:message></bpmn:definitions>')


def test_thrown_messages_go_to_the_outbox_or_a_registered_handler(as_user, db):
    from workflow_app.platform.persistence.models import OutboxMessage
    from workflow_app.platform.runtime import instances as runtime
    deploy(as_user, {"throw.bpmn": THROW})
    case = start(as_user, "t_throw", business_key="OUT1").json
    with db.transaction() as s:
        rows = s.scalars(select(OutboxMessage)).all()
        assert [(r.message_name, json.loads(r.payload), r.status) for r in rows] == [
            ("case_note", {"case": "OUT1", "n": 1}, "pending")]
    seen = []
    runtime.register_event_handler("case_note", lambda s, inst, payload, who: seen.append((inst.business_key, payload)))
    try:
        start(as_user, "t_throw", business_key="OUT2")
    finally:
        runtime._EVENT_HANDLERS.pop("case_note")
    assert seen == [("OUT2", {"case": "OUT2", "n": 1})]
    with db.transaction() as s:
        assert len(s.scalars(select(OutboxMessage)).all()) == 1
