"""The process registry (``platform/processes/registry.py``): deployments, one immutable version per content
change, rejected definitions that change nothing, and instances pinned to their version."""
from __future__ import annotations

import pytest

from tests.conftest import LIBRARY
from tests.samples import FORM, form_bytes, process, simple, user_task
from tests.services import support
from workflow_app.platform.errors import DefinitionRejected, NotFound
from workflow_app.platform.processes import registry


def latest(db) -> dict[str, int]:
    with db.transaction() as s:
        return {v.process_key: v.version for v in registry.list_latest(s)}


def test_the_shipped_library_is_deployed_at_start_up(db):
    versions = latest(db)
    assert {"intake_triage", "inspection_case", "si_audit_case", "arbitration_case", "transfer_send"} <= set(versions)
    assert set(versions.values()) == {1}


def test_syncing_an_unchanged_library_creates_no_version(db):
    with db.transaction() as s:
        result = registry.sync_folders(s, LIBRARY)
    assert result.created == [] and result.deployment_id is None


def test_a_new_process_gets_version_one(db):
    result = support.deploy(db, {"t_proc.bpmn": simple()})
    assert [(v.process_key, v.version) for v in result.created] == [("t_proc", 1)]


def test_deploying_the_same_content_again_creates_no_version(db):
    support.deploy(db, {"t_proc.bpmn": simple()})
    again = support.deploy(db, {"t_proc.bpmn": simple()})
    assert again.created == [] and "t_proc" in again.unchanged


def test_changed_content_gets_the_next_version(db):
    support.deploy(db, {"t_proc.bpmn": simple()})
    result = support.deploy(db, {"t_proc.bpmn": simple(tasks=(("a", "第一步"), ("b", "第二步")))})
    assert [(v.process_key, v.version) for v in result.created] == [("t_proc", 2)]


def test_a_changed_form_is_a_new_version_of_every_process_that_uses_it(db):
    support.deploy(db, {"t_proc.bpmn": simple()})
    changed = form_bytes(dict(FORM, ui={"order": ["amount", "note"]}))
    result = support.deploy(db, {"t_form.json": changed}, with_test_form=False)
    assert [(v.process_key, v.version) for v in result.created] == [("t_proc", 2)]


def test_a_back_edge_loop_is_deployed_with_a_warning(db):
    body = ('<bpmn:startEvent id="s" />' + user_task("a", "循环任务") + '<bpmn:exclusiveGateway id="g" default="f3" />'
            '<bpmn:endEvent id="e" />')
    loop = process("t_loop", body, [("f1", "s", "a"), ("f2", "a", "g"), ("f3", "g", "e"),
                                    ("f4", "g", "a", "again == True")], lane_nodes=["a"])
    result = support.deploy(db, {"loop.bpmn": loop})
    assert any("back-edge loop" in warning for warning in result.warnings)


REJECTED = [
    ("not well-formed", {"bad.bpmn": "<bpmn:definitions"}, "bad.bpmn", "well-formed"),
    ("script import", {"imp.bpmn": simple(script="import os")}, "imp.bpmn", "import"),
    ("missing form", {"m.bpmn": simple(form="nope.json")}, "m.bpmn", "nope.json"),
    ("unknown body", {"g.bpmn": simple(lane="某机构 [nowhere/inspector]")}, "g.bpmn", "unknown body"),
    ("path in name", {"../x.bpmn": simple()}, "../x.bpmn", "plain name"),
]


@pytest.mark.parametrize("files,bad_file,reason", [r[1:] for r in REJECTED], ids=[r[0] for r in REJECTED])
def test_a_rejected_definition_names_its_file_and_reason(db, files, bad_file, reason):
    with pytest.raises(DefinitionRejected) as raised:
        support.deploy(db, files)
    problems = raised.value.extra["problems"]
    assert any(p["file"] == bad_file for p in problems), problems
    assert reason in " ".join(p["reason"] for p in problems)
    assert raised.value.message.startswith("流程定义校验未通过")


def test_a_rejected_deployment_stores_nothing_of_what_came_with_it(db):
    before = latest(db)
    with pytest.raises(DefinitionRejected):
        support.deploy(db, {"t_proc.bpmn": simple(), "bad.bpmn": "<bpmn:definitions"})
    assert latest(db) == before
    with pytest.raises(DefinitionRejected):  # the form uploaded beside the bad file was not stored either
        support.deploy(db, {"t_proc.bpmn": simple()}, with_test_form=False)


def test_an_empty_deployment_is_rejected(db):
    with pytest.raises(DefinitionRejected):
        support.deploy(db, {}, with_test_form=False)


def test_a_running_instance_stays_on_the_version_it_started_with(db):
    support.deploy(db, {"t_proc.bpmn": simple(tasks=(("a", "旧版第一步"),))})
    old = support.start(db, "t_proc", business_key="OLD")
    support.deploy(db, {"t_proc.bpmn": simple(tasks=(("a", "新版第一步"),))})
    new = support.start(db, "t_proc", business_key="NEW")
    assert (support.task(db, "OLD").name, support.task(db, "NEW").name) == ("旧版第一步", "新版第一步")
    support.work(db, "inspector", "OLD", "旧版第一步", {"note": "办结"})
    assert support.instance(db, old.id).status == "completed"
    assert old.process_version_id != new.process_version_id


def test_an_unknown_version_is_not_found(db):
    with pytest.raises(NotFound), db.transaction() as s:
        registry.get_version(s, "inspection_case", 99)
