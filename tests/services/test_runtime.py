"""Durable execution (``platform/runtime/instances.py``): starting a case, completing its tasks, form
validation, optimistic concurrency, and failures that change nothing."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.samples import process, simple, user_task
from tests.services import support
from workflow_app.platform.errors import Conflict, Forbidden, Invalid, NotFound, ProcessFailed
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.runtime import instances as runtime

ACCEPTED = {"accepted": True, "acceptance_opinion": "符合受理条件"}

PARALLEL = process(
    "t_parallel",
    '<bpmn:startEvent id="s" /><bpmn:parallelGateway id="split" />'
    + user_task("left", "左分支") + user_task("right", "右分支")
    + '<bpmn:parallelGateway id="join" />' + user_task("after", "汇合后") + '<bpmn:endEvent id="e" />',
    [("f1", "s", "split"), ("f2", "split", "left"), ("f3", "split", "right"), ("f4", "left", "join"),
     ("f5", "right", "join"), ("f6", "join", "after"), ("f7", "after", "e")],
    lane_nodes=["left", "right", "after"])


def start(db, who, username="admin", process_key="inspection_case", jurisdiction="zz-jinshui", **variables):
    with db.transaction() as s:
        return runtime.start_instance(s, who(username), process_key, "R00001", jurisdiction,
                                      {"urgent": False, "received_at": support.RECEIVED_AT,
                                       "employer_name": "测试用人单位", **variables})


def test_starting_a_case_runs_its_process_to_the_first_user_task(db, who):
    instance = start(db, who)
    assert (instance.status, instance.business_key, instance.started_by) == ("running", "R00001", "admin")
    assert [t.name for t in support.tasks(db, "R00001")] == ["受理审查"]


def test_starting_an_unknown_process_is_not_found(db, who):
    with pytest.raises(NotFound), db.transaction() as s:
        runtime.start_instance(s, who("admin"), "no_such_process", "R1", "zz-jinshui", {})


def test_starting_in_an_unknown_jurisdiction_is_invalid(db, who):
    with pytest.raises(Invalid) as raised:
        start(db, who, jurisdiction="mars")
    assert raised.value.extra["errors"] == {"jurisdiction": "辖区不存在"}


def test_variable_names_must_be_plain_identifiers(db, who):
    with pytest.raises(Invalid) as raised, db.transaction() as s:
        runtime.start_instance(s, who("admin"), "inspection_case", "R1", "zz-jinshui", {"__class__": 1})
    assert "variables" in raised.value.extra["errors"]


def test_a_clerk_cannot_start_a_case_in_another_district(db, who):
    with pytest.raises(Forbidden):
        start(db, who, username="clerk", process_key="intake_triage", jurisdiction="zz-erqi")


def test_a_task_must_be_claimed_before_it_is_completed(db, who):
    start(db, who)
    row = support.task(db, "R00001")
    with pytest.raises(Conflict) as raised, db.transaction() as s:
        runtime.complete_task(s, who("inspector"), row.id, ACCEPTED)
    assert "认领" in raised.value.message


def test_only_the_assignee_completes_a_task(db, who):
    start(db, who)
    row = support.claim(db, "inspector", support.task(db, "R00001").id)
    with pytest.raises(Forbidden), db.transaction() as s:
        runtime.complete_task(s, who("inspector2"), row.id, ACCEPTED)


def test_completing_a_task_validates_its_form_with_a_chinese_message_per_field(db, who):
    start(db, who)
    row = support.claim(db, "inspector", support.task(db, "R00001").id)
    with pytest.raises(Invalid) as raised, db.transaction() as s:
        runtime.complete_task(s, who("inspector"), row.id,
                              {"accepted": "yes", "acceptance_opinion": "x", "jurisdiction": "zz-erqi"})
    assert raised.value.extra["errors"] == {"accepted": "是否受理应为是/否", "acceptance_opinion": "受理意见至少2个字",
                                            "jurisdiction": "表单中没有字段“jurisdiction”"}


def test_a_form_rule_that_depends_on_another_field_is_checked(db, who):
    start(db, who)
    row = support.claim(db, "inspector", support.task(db, "R00001").id)
    with pytest.raises(Invalid) as raised, db.transaction() as s:
        runtime.complete_task(s, who("inspector"), row.id, {"accepted": False, "acceptance_opinion": "不符合"})
    assert raised.value.extra["errors"] == {"refusal_reason": "请填写不予受理理由"}


def test_a_refused_completion_leaves_the_case_as_it_was(db, who):
    started = start(db, who)
    row = support.claim(db, "inspector", support.task(db, "R00001").id)
    with pytest.raises(Invalid), db.transaction() as s:
        runtime.complete_task(s, who("inspector"), row.id, {})
    assert support.instance(db, started.id).lock_version == started.lock_version
    assert support.task(db, "R00001").status == "open"


def test_completing_a_task_moves_the_case_to_its_next_step(db, who):
    start(db, who)
    row = support.claim(db, "inspector", support.task(db, "R00001").id)
    with db.transaction() as s:
        done = runtime.complete_task(s, who("inspector"), row.id, ACCEPTED)
    assert (done.status, done.completed_by) == ("completed", "inspector")
    assert [t.name for t in support.tasks(db, "R00001")] == ["立案调查"]


def test_a_completed_task_cannot_be_completed_again(db, who):
    start(db, who)
    row = support.claim(db, "inspector", support.task(db, "R00001").id)
    support.complete(db, "inspector", row.id, ACCEPTED)
    with pytest.raises(Conflict), db.transaction() as s:
        runtime.complete_task(s, who("inspector"), row.id, ACCEPTED)


def test_the_last_task_completes_the_instance(db, who):
    support.deploy(db, {"t_proc.bpmn": simple()})
    instance = support.start(db, "t_proc", business_key="ONE")
    support.work(db, "inspector", "ONE", "第一步", {"note": "办结"})
    assert support.instance(db, instance.id).status == "completed"


def test_a_failing_script_is_a_process_error_and_stores_nothing(db, who):
    support.deploy(db, {"t_proc.bpmn": simple(script="x = missing_name + 1")})
    with pytest.raises(ProcessFailed):
        support.start(db, "t_proc", business_key="FAILS")
    assert support.tasks(db, "FAILS", status=None) == []


def test_concurrent_completions_of_parallel_branches_both_reach_the_join(db, who):
    support.deploy(db, {"par.bpmn": PARALLEL})
    instance = support.start(db, "t_parallel", business_key="PAR")
    branches = {t.name: t.id for t in support.tasks(db, "PAR")}
    pairs = [("inspector", branches["左分支"]), ("inspector2", branches["右分支"])]
    for username, task_id in pairs:
        support.claim(db, username, task_id)
    barrier = threading.Barrier(2)

    def complete(pair):
        username, task_id = pair
        principal = who(username)
        barrier.wait()
        # in_transaction replays the step that lost the optimistic race on the instance's lock_version
        return in_transaction(db, lambda s: runtime.complete_task(s, principal, task_id, {"note": "分支完成"})).status

    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(complete, pairs)) == ["completed", "completed"]
    assert [t.name for t in support.tasks(db, "PAR")] == ["汇合后"]
    assert support.instance(db, instance.id).lock_version == instance.lock_version + 2


def test_a_write_from_a_stale_view_of_a_case_is_refused_as_a_conflict(db, who):
    stale = start(db, who)  # the instance as read before someone else's step
    support.work(db, "inspector", "R00001", "受理审查", ACCEPTED)
    with pytest.raises(Conflict) as raised:
        in_transaction(db, lambda s: s.merge(stale))  # optimistic lock_version check, replayed, then 409
    assert raised.value.message == "案件正被他人同时修改，请刷新后重试"
