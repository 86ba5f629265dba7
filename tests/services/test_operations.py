"""Operations on deployed processes (docs/operations.md): migrating running instances between versions, and
the live view's figures per element.

The test process is built here, in three versions, so each test shows exactly what changes between them:
v1  start -> fork -> 受理 (starts a statutory clock) -> 审核 -> join -> end, beside a 10-day timer and a
    message wait on parallel branches;
v2  a new task 补充材料 between 受理 and 审核, and 审核 with another form (a changed element);
v3  受理 removed.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.samples import FORM, form_bytes, process, props, user_task
from tests.services import support
from workflow_app.platform import clock
from workflow_app.platform.deadlines import statutory_clocks
from workflow_app.platform.errors import Forbidden, Invalid, NotFound
from workflow_app.platform.messaging import outbox
from workflow_app.platform.operations import live_view, migration
from workflow_app.platform.persistence.database import in_transaction

KEY = "t_mig"
CLOCK = props(startClock="{'name': 'handling', 'label': '办理期限', 'rule': '60WD', 'start': '2026-11-20'}")
FORM2 = {**FORM, "ui": {**FORM["ui"], "labels": {"note": "审核意见", "amount": "金额"}}}


def diagram(added: bool = False, b_form: str = "t_form.json", without_a: bool = False) -> str:
    body = '<bpmn:startEvent id="start" /><bpmn:parallelGateway id="fork" /><bpmn:parallelGateway id="join" />'
    flows = [("f0", "start", "fork")]
    lane = []
    if not without_a:
        body += user_task("a", "受理", extra_props=CLOCK)
        flows.append(("f1", "fork", "a"))
        lane.append("a")
        previous = "a"
    else:
        previous = "fork"
    if added:
        body += user_task("n", "补充材料")
        flows.append(("f2", previous, "n"))
        lane.append("n")
        previous = "n"
    body += user_task("b", "审核", form=b_form)
    flows += [("f3", previous, "b"), ("f4", "b", "join")]
    lane.append("b")
    body += ('<bpmn:intermediateCatchEvent id="wait" name="等待十日"><bpmn:timerEventDefinition>'
             '<bpmn:timeDuration>"P10D"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
             '<bpmn:intermediateCatchEvent id="reply" name="等待回函"><bpmn:messageEventDefinition messageRef="m_reply" />'
             '</bpmn:intermediateCatchEvent><bpmn:endEvent id="end" />')
    flows += [("f5", "fork", "wait"), ("f6", "wait", "join"), ("f7", "fork", "reply"), ("f8", "reply", "join"),
              ("f9", "join", "end")]
    xml = process(KEY, body, flows, lane_nodes=lane, name="迁移测试流程")
    return xml.replace("</bpmn:definitions>", '<bpmn:message id="m_reply" name="t_mig_reply" /></bpmn:definitions>')


def deploy(db, xml: str):
    return support.deploy(db, {"t_mig.bpmn": xml, "t_form2.json": form_bytes(FORM2)})


@pytest.fixture
def v1_cases(db):
    """v1 deployed; M1 waits at 受理, M2 (受理 done: its clock runs) at 审核."""
    deploy(db, diagram())
    first = support.start(db, KEY, business_key="M1")
    second = support.start(db, KEY, business_key="M2")
    support.work(db, "inspector", "M2", "受理", {"note": "受理完毕"})
    return first, second


def owner(who):
    return who("owner")


def run(db, use_case):
    return in_transaction(db, use_case)


def test_dry_run_lists_which_instances_can_move_and_why_not(db, who, v1_cases):
    deploy(db, diagram(added=True, b_form="t_form2.json"))  # v2
    deploy(db, diagram(without_a=True))  # v3
    to_v2 = run(db, lambda s: migration.dry_run(s, owner(who), KEY, 1, 2))
    assert [(c.business_key, c.movable) for c in to_v2.candidates] == [("M1", True), ("M2", True)]
    assert to_v2.candidates[0].resets == []
    # 审核 has another form in v2: M2's open task there is reset on the new element
    assert [r["element"] for r in to_v2.candidates[1].resets] == ["b"]

    to_v3 = run(db, lambda s: migration.dry_run(s, owner(who), KEY, 1, 3))
    by_key = {c.business_key: c for c in to_v3.candidates}
    assert not by_key["M1"].movable and by_key["M1"].obstacles[0]["code"] == "removed_active"
    assert "受理" in by_key["M1"].obstacles[0]["message_zh"]
    assert by_key["M2"].obstacles[0]["code"] == "removed_history"
    # a dry run changes nothing
    assert support.instance(db, v1_cases[0].id).process_version_id == to_v3.source.id


def test_migrated_instances_keep_their_tasks_timers_subscriptions_and_clocks(db, who, v1_cases):
    first, second = v1_cases
    before_a = support.task(db, "M1", "受理")
    before_b = support.task(db, "M2", "审核")
    clocks_before = run(db, lambda s: statutory_clocks.for_instance(s, second.id))
    v1_view = run(db, lambda s: live_view.live_view(s, owner(who), KEY, 1))
    assert v1_view["elements"]["wait"]["timers"] == 2 and v1_view["elements"]["reply"]["messages"] == 2
    timers_before = run(db, lambda s: live_view.instances_at(s, owner(who), KEY, 1, "wait"))["items"]
    deploy(db, diagram(added=True, b_form="t_form2.json"))

    result = run(db, lambda s: migration.migrate(s, owner(who), KEY, 1, 2, [first.id, second.id], batch_size=1))
    assert (result.status, result.migrated, result.failed, result.total) == ("finished", 2, 0, 2)
    run_, results = run(db, lambda s: migration.get_run(s, owner(who), result.id))
    assert [(r.business_key, r.status, r.batch) for r in results] == [("M1", "migrated", 1), ("M2", "migrated", 2)]

    # the same task rows, now of v2; the changed element's row takes the new form
    after_a, after_b = support.task(db, "M1", "受理"), support.task(db, "M2", "审核")
    assert after_a.id == before_a.id and after_b.id == before_b.id
    v2 = support.instance(db, first.id).process_version_id
    assert after_a.process_version_id == v2 and after_b.form == "t_form2.json"
    # timers keep their due time, subscriptions and clocks stay
    v2_view = run(db, lambda s: live_view.live_view(s, owner(who), KEY, 2))
    assert v2_view["elements"]["wait"]["timers"] == 2 and v2_view["elements"]["reply"]["messages"] == 2
    assert v2_view["elements"]["a"]["tasks"] == 1 and v2_view["elements"]["b"]["tasks"] == 1
    timers_after = run(db, lambda s: live_view.instances_at(s, owner(who), KEY, 2, "wait"))["items"]
    assert sorted((t["business_key"], t["due_at"]) for t in timers_after) == \
        sorted((t["business_key"], t["due_at"]) for t in timers_before)
    assert run(db, lambda s: statutory_clocks.for_instance(s, second.id)) == clocks_before
    assert run(db, lambda s: live_view.live_view(s, owner(who), KEY, 1))["running"] == 0


def test_a_migrated_instance_runs_on_to_the_new_task_and_its_waits_still_fire(db, who, v1_cases, freeze_clock):
    first, _ = v1_cases
    deploy(db, diagram(added=True, b_form="t_form2.json"))
    run(db, lambda s: migration.migrate(s, owner(who), KEY, 1, 2, [first.id]))
    support.work(db, "inspector", "M1", "受理", {"note": "受理完毕"})
    support.work(db, "inspector", "M1", "补充材料", {"note": "材料已补"})  # the task v2 added
    assert support.task(db, "M1", "审核").form == "t_form2.json"
    support.work(db, "inspector", "M1", "审核", {"note": "审核通过"})
    # the message wait survived: the reply is delivered to it
    run(db, lambda s: outbox.send(s, who("admin"), "t_mig_reply", "M1", {"answer": "ok"}))
    assert support.deliver_messages(db) == 1
    # and so did the timer: ten days on, the worker fires it and the case completes
    from workflow_app.platform.jobs import timers
    freeze_clock(clock.now() + timedelta(days=11))
    assert first.id in run(db, lambda s: timers.due_instances(s, 10))
    timers.fire_instance_timers(db, first.id)
    assert support.instance(db, first.id).status == "completed"


def test_a_failed_instance_stays_on_its_version_untouched(db, who, v1_cases):
    first, second = v1_cases
    before = support.task(db, "M1", "受理")
    deploy(db, diagram(added=True))  # v2
    deploy(db, diagram(without_a=True))  # v3: 受理 removed, where M1 waits
    result = run(db, lambda s: migration.migrate(s, owner(who), KEY, 1, 3, [first.id]))
    assert (result.migrated, result.failed) == (0, 1)
    _run, results = run(db, lambda s: migration.get_run(s, owner(who), result.id))
    assert results[0].status == "failed" and "受理" in results[0].reason and "removed" in results[0].detail
    instance = support.instance(db, first.id)
    assert instance.process_version_id == second.process_version_id  # still v1
    after = support.task(db, "M1", "受理")
    assert (after.id, after.process_version_id) == (before.id, before.process_version_id)
    # it still runs on v1
    support.work(db, "inspector", "M1", "受理", {"note": "受理完毕"})
    assert support.task(db, "M1", "审核").process_version_id == before.process_version_id


def test_a_run_in_batches_moves_one_batch_per_call(db, who, v1_cases):
    deploy(db, diagram(added=True))
    started = run(db, lambda s: migration.start_run(s, owner(who), KEY, 1, 2, None, batch_size=1))
    assert (started.status, started.total, started.migrated) == ("running", 2, 0)
    once = run(db, lambda s: migration.run_batch(s, owner(who), started.id))
    assert (once.status, once.migrated) == ("running", 1)
    twice = run(db, lambda s: migration.run_batch(s, owner(who), started.id))
    assert (twice.status, twice.migrated) == ("finished", 2)
    assert [r.id for r in run(db, lambda s: migration.list_runs(s, owner(who), KEY))] == [started.id]


def test_migration_refuses_bad_input_and_people_without_deploy_rights(db, who, v1_cases):
    deploy(db, diagram(added=True))
    with pytest.raises(Forbidden):
        run(db, lambda s: migration.dry_run(s, who("inspector"), KEY, 1, 2))
    with pytest.raises(Forbidden):
        run(db, lambda s: migration.migrate(s, who("admin"), KEY, 1, 2))
    with pytest.raises(Invalid):
        run(db, lambda s: migration.migrate(s, owner(who), KEY, 2, 2))
    with pytest.raises(NotFound):
        run(db, lambda s: migration.dry_run(s, owner(who), KEY, 1, 9))
    with pytest.raises(Invalid):
        run(db, lambda s: migration.start_run(s, owner(who), KEY, 1, 2, [999999]))
    with pytest.raises(Invalid):
        run(db, lambda s: migration.start_run(s, owner(who), KEY, 1, 2, None, batch_size=0))
    assert run(db, lambda s: migration.list_runs(s, owner(who), KEY)) == []


def test_live_view_counts_tokens_overdue_tasks_and_incidents_per_element(db, who, v1_cases, freeze_clock):
    listing = run(db, lambda s: live_view.process_list(s, owner(who)))
    mine = next(p for p in listing if p["key"] == KEY)
    assert (mine["latest"], mine["running"], mine["incidents"]) == (1, 2, 0)
    assert mine["versions"][0]["running"] == 2
    view = run(db, lambda s: live_view.live_view(s, owner(who), KEY))
    assert view["version"] == 1
    assert view["elements"]["a"] == {"tasks": 1, "overdue": 0, "timers": 0, "messages": 0, "incidents": 0}
    assert view["elements"]["b"]["tasks"] == 1
    at_a = run(db, lambda s: live_view.instances_at(s, owner(who), KEY, 1, "a"))["items"]
    assert [(i["business_key"], i["kind"]) for i in at_a] == [("M1", "task")]
    # M2's clock runs 60 working days: past it, its open task counts as overdue (the inbox's rule)
    freeze_clock(clock.now() + timedelta(days=120))
    view = run(db, lambda s: live_view.live_view(s, owner(who), KEY, 1))
    assert view["elements"]["b"]["overdue"] == 1 and view["elements"]["a"]["overdue"] == 0
    with pytest.raises(Forbidden):
        run(db, lambda s: live_view.process_list(s, who("inspector")))
