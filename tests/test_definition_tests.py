"""Definition tests (docs/definition-tests.md): test files as library data, the in-memory runner, deployment
refusing failing tests, the CLI and the API."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from tests.conftest import LIBRARY
from tests.samples import upload
from workflow_app.entrypoints import cli
from workflow_app.platform.modelling.definition_tests import run_tests
from workflow_app.platform.persistence.models import (
    OutboxMessage,
    ProcessInstance,
    ProcessVersion,
    RegistryFile,
    TaskRow,
    TimerRow,
)
from workflow_app.platform.processes import registry

DMN = "criminal_thresholds.dmn"


def shipped() -> dict[str, bytes]:
    return registry.library_files(LIBRARY)


def thresholds(t1: str = "10000", t10: str = "60000") -> bytes:
    text = shipped()[DMN].decode()
    text = text.replace("<text>10000</text>", f"<text>{t1}</text>").replace("<text>60000</text>", f"<text>{t10}</text>")
    return text.encode()


def with_files(**changes: bytes) -> dict[str, bytes]:
    files = shipped()
    files.update({name.replace("__", "."): content for name, content in changes.items()})
    return files


def as_json(test_document: dict) -> bytes:
    return json.dumps(test_document, ensure_ascii=False).encode()




# ------------------------------------------------------------------------------------------------
# the runner, in memory


def test_the_shipped_library_passes_and_tests_every_table_and_process():
    files = shipped()
    report = run_tests(files)
    assert report.passed, [r.message for r in report.failures] + report.problems
    decisions = {r.target for r in report.results if r.kind in ("decision", "check")}
    assert decisions == {"criminal_thresholds", "issue_catalog", "police_deadlines", "regulators",
                         "transfer_deadlines", "triage"}
    processes = {r.target for r in report.results if r.kind == "scenario"}
    assert processes == {"arbitration_case", "inspection_case", "intake_triage", "joint_hearing", "liaison_action",
                         "liaison_meeting", "police_transfer", "si_audit_case", "transfer_receive", "transfer_send"}
    per_process = {p: sum(1 for r in report.results if r.target == p) for p in processes}
    assert per_process["intake_triage"] >= 10 and per_process["police_transfer"] >= 5
    assert {"T1 在法定区间", "T10 在法定区间"} <= {r.name for r in report.results if r.kind == "check"}
    assert report.as_dict()["passed"] is True


@pytest.mark.parametrize("moment", ["2024-03-01T10:00:00+08:00", "2027-02-10T10:00:00+08:00",
                                    "2031-12-31T23:30:00+08:00"])
def test_the_shipped_tests_mean_the_same_on_any_day(freeze_clock, moment):
    """Scenario dates are relative ("$today-900"), so the library passes whatever day the clock says."""
    from datetime import datetime
    freeze_clock(datetime.fromisoformat(moment))
    report = run_tests(shipped())
    assert report.passed, [r.message for r in report.failures] + report.problems


def test_t1_outside_the_statutory_range_fails_the_check_naming_the_row():
    report = run_tests(with_files(criminal_thresholds__dmn=thresholds(t1="30000")))
    assert not report.passed
    check = next(r for r in report.results if r.name == "T1 在法定区间")
    assert not check.passed and check.kind == "check" and check.target == "criminal_thresholds"
    assert check.element == "criminal_thresholds_r1"
    assert "30000" in check.message and "[5000, 20000]" in check.message
    assert "超出区间" in check.message_zh and "T1 在法定区间" in check.message_zh
    assert next(r for r in report.results if r.name == "T10 在法定区间").passed
    # the triage scenarios fail too, at the script that refuses the value
    triage = [r for r in report.failures if r.kind == "scenario" and r.target == "intake_triage"]
    assert triage and all(r.element == "outcome" and r.step == 0 for r in triage)


def test_a_failing_decision_case_names_expected_and_actual():
    report = run_tests(with_files(criminal_thresholds__dmn=thresholds(t10="90000")))
    case = next(r for r in report.results if r.name == "区县及其上级均无本省标准：全国缺省标准")
    assert not case.passed and case.kind == "decision"
    assert "output t10: expected 60000, got 90000" in case.message
    assert "输出 t10 应为 60000，实际为 90000" in case.message_zh
    assert case.element == "criminal_thresholds_r1"
    assert next(r for r in report.results if r.name == "T10 在法定区间").passed  # 90000 is within the range


def scenario_file(expect_ready: list, final: dict) -> bytes:
    return as_json({"scenarios": [{
        "name": "退回重办", "process": "si_audit_case",
        "start": {"data": {"received_at": "$now", "employer_name": "测试公司"}},
        "steps": [
            {"complete": "accept", "data": {"accepted": True, "acceptance_opinion": "予以受理"}},
            {"complete": "audit", "data": {"findings": "少缴社保", "violation_found": True, "proposed_action": "penalty"},
             "expect": {"ready": expect_ready}},
        ],
        "expect": final}]})


def test_a_failing_scenario_names_the_scenario_and_the_step():
    files = with_files(extra__test__json=scenario_file(["accept"], {}))
    report = run_tests(files)
    result = next(r for r in report.results if r.file == "extra.test.json")
    assert not result.passed and result.kind == "scenario" and result.target == "si_audit_case"
    assert result.step == 2
    assert result.message.startswith("scenario '退回重办' failed, step 2 (complete audit): ")
    assert "ready tasks: expected accept, got approve_result" in result.message
    assert "场景“退回重办”未通过，第2步（办理 audit）" in result.message_zh
    assert "待办任务应为 accept，实际为 approve_result" in result.message_zh


def test_a_failing_final_expectation_is_named_at_the_end():
    files = with_files(extra__test__json=scenario_file(
        [{"task": "approve_result", "group": "si_audit/division_head"}],
        {"ended": True, "path": ["accept", "audit", "end_done"]}))
    result = next(r for r in run_tests(files).results if r.file == "extra.test.json")
    assert not result.passed and result.step is None
    assert "at the end: the process should have ended, it has not" in result.message
    assert "missing: end_done" in result.message


def test_form_data_that_the_task_page_would_refuse_fails_the_step():
    document = {"scenarios": [{"name": "表单不符", "process": "si_audit_case",
                               "start": {"data": {"received_at": "$now", "employer_name": "测试公司"}},
                               "steps": [{"complete": "accept", "data": {"accepted": "yes", "acceptance_opinion": "予以受理"}}]}]}
    result = next(r for r in run_tests(with_files(extra__test__json=as_json(document))).results
                  if r.file == "extra.test.json")
    assert not result.passed and result.step == 1 and result.element == "accept"
    assert "does not match form case_acceptance.json" in result.message and "accepted" in result.message


def test_a_step_on_a_task_that_is_not_ready_and_an_unknown_timer_are_named():
    document = {"scenarios": [
        {"name": "未到", "process": "si_audit_case", "start": {"data": {"received_at": "$now", "employer_name": "x"}},
         "steps": [{"complete": "audit", "data": {}}]},
        {"name": "定时器", "process": "si_audit_case", "start": {"data": {"received_at": "$now", "employer_name": "x"}},
         "steps": [{"complete": "accept", "data": {"accepted": True, "acceptance_opinion": "予以受理"}},
                   {"timer": "accept_deadline"}]}]}
    results = {r.name: r for r in run_tests(with_files(extra__test__json=as_json(document))).results
               if r.file == "extra.test.json"}
    assert "task audit is not ready (ready: accept)" in results["未到"].message
    assert results["定时器"].step == 2 and "timer accept_deadline is not waiting" in results["定时器"].message


def test_a_timer_fires_in_the_scenario_without_moving_the_clock():
    from workflow_app.platform import clock
    before = clock.now()
    report = run_tests(shipped())
    overdue = next(r for r in report.results if r.name == "受理期限届满：转科室负责人督办受理" and r.target == "si_audit_case")
    assert overdue.passed and clock.now() == before


@pytest.mark.parametrize("document,reason", [
    ({"scenarios": [{"name": "x", "process": "si_audit_case"}]}, "scenarios[0]: 'start' is a required property"),
    ({"checks": [{"name": "x", "decision": "criminal_thresholds", "output": "t1", "min": 1, "one_of": [1]}]},
     "checks[0]: give exactly one of its kinds"),
    ({"scenarios": [{"name": "x", "process": "si_audit_case", "start": {}, "steps": [{"complete": "accept", "timer": "t"}]}]},
     "scenarios[0].steps[0]: give exactly one of its kinds"),
    ({"decisions": [{"decision": "criminal_thresholds", "cases": [{"name": "x", "inputs": {}}]}]},
     "decisions[0].cases[0]"),
    ({"unknown": 1}, "Additional properties are not allowed ('unknown' was unexpected)"),
    ({"checks": [{"name": "x", "decision": "no_such_table", "default_row": True}]},
     "check 'x': decision 'no_such_table' does not exist"),
    ({"checks": [{"name": "x", "decision": "criminal_thresholds", "output": "t2", "min": 1}]},
     "decision 'criminal_thresholds' has no output 't2' (outputs: t1, t10)"),
    ({"scenarios": [{"name": "x", "process": "si_audit_case", "start": {}, "steps": [{"complete": "no_task"}]}]},
     "scenario 'x' step 1: 'no_task' is not a user task of process 'si_audit_case'"),
    ({"scenarios": [{"name": "x", "process": "no_process", "start": {}}]}, "process 'no_process' does not exist"),
    ({"scenarios": [{"name": "x", "process": "si_audit_case", "start": {}, "expect": {"path": ["nowhere"]}}]},
     "element 'nowhere' is not in process 'si_audit_case'"),
], ids=["missing-start", "two-check-kinds", "two-step-kinds", "case-without-expectation", "unknown-key",
        "unknown-decision", "unknown-output", "unknown-task", "unknown-process", "unknown-element"])
def test_a_malformed_test_file_is_refused_with_a_precise_error(document, reason):
    report = run_tests(with_files(bad__test__json=as_json(document)))
    assert not report.passed and report.results == []
    assert [p["file"] for p in report.problems] == ["bad.test.json"]
    assert reason in report.problems[0]["reason"], report.problems[0]["reason"]


def test_test_files_are_not_forms_and_not_json_garbage():
    report = run_tests(with_files(bad__test__json=b"{not json"))
    assert report.problems[0]["file"] == "bad.test.json" and "not valid JSON" in report.problems[0]["reason"]
    named_alike = run_tests(with_files(**{"x__test__json": as_json({"checks": [
        {"name": "缺省行", "decision": "regulators", "default_row": True}]})}))
    assert named_alike.passed and any(r.file == "x.test.json" for r in named_alike.results)


# ------------------------------------------------------------------------------------------------
# deployment refuses failing tests; nothing is stored


def counts(db) -> dict:
    with db.transaction() as s:
        return {model.__name__: s.scalar(select(func.count()).select_from(model))
                for model in (ProcessInstance, TaskRow, TimerRow, OutboxMessage, ProcessVersion, RegistryFile)}


def post_tests(client, files: dict[str, bytes]):
    data = {"files": [(io.BytesIO(content), name) for name, content in files.items()]}
    return client.post("/api/definition-tests", data=data, content_type="multipart/form-data")


def test_deploying_t1_30000_is_refused_naming_the_check_and_nothing_is_stored(as_user, db):
    owner = as_user("owner")
    before = counts(db)
    r = upload(owner, {DMN: thresholds(t1="30000")})
    assert r.status_code == 422, r.json
    assert r.json["message"].startswith("定义测试未通过")
    assert "T1 在法定区间" in r.json["message"]
    failing = {p["test"]: p for p in r.json["problems"]}
    assert failing["T1 在法定区间"]["file"] == "criminal_thresholds.test.json"
    assert failing["T1 在法定区间"]["element"] == "criminal_thresholds_r1"
    assert "30000" in failing["T1 在法定区间"]["reason"]
    assert "T1 在法定区间" in r.json["detail"]
    assert counts(db) == before
    with db.transaction() as s:
        stored = s.scalar(select(RegistryFile).where(RegistryFile.filename == DMN))
        assert b"<text>10000</text>" in stored.content


def test_a_valid_change_with_a_new_test_deploys_and_the_test_travels_with_the_library(as_user, db):
    owner = as_user("owner")
    new_test = as_json({"checks": [{"name": "T1 不高于 15000", "decision": "criminal_thresholds", "output": "t1",
                                       "max": 15000}]})
    # changing T1 means changing the case that pins it as well
    cases = shipped()["criminal_thresholds.test.json"].replace(b'"t1": 10000', b'"t1": 12000')
    r = upload(owner, {DMN: thresholds(t1="12000")})
    assert r.status_code == 422 and "输出 t1 应为 10000，实际为 12000" in r.json["message"]
    r = upload(owner, {"local.test.json": new_test, DMN: thresholds(t1="12000"), "criminal_thresholds.test.json": cases})
    assert r.status_code == 201, r.json
    created = {v["process_key"] for v in r.json["created"]}
    assert created == {"intake_triage", "police_transfer"}  # the processes using the table; tests are no bundle part
    with db.transaction() as s:
        assert s.scalar(select(RegistryFile.kind).where(RegistryFile.filename == "local.test.json")) == "test"
    # the stored test now guards later deployments
    r = upload(owner, {DMN: thresholds(t1="18000")})
    assert r.status_code == 422 and "T1 不高于 15000" in r.json["message"] + r.json["detail"]
    # a changed test alone creates no version
    r = upload(owner, {"local.test.json": as_json({"checks": [
        {"name": "T1 不高于 16000", "decision": "criminal_thresholds", "output": "t1", "max": 16000}]})})
    assert r.status_code == 201 and r.json["created"] == []


def test_the_api_runs_the_tests_of_the_merged_library_and_stores_nothing(as_user, db):
    owner = as_user("owner")
    before = counts(db)
    r = post_tests(owner, {DMN: thresholds(t1="30000")})
    assert r.status_code == 200, r.json
    assert r.json["passed"] is False and r.json["failed"] >= 1 and r.json["problems"] == []
    check = next(x for x in r.json["results"] if x["name"] == "T1 在法定区间")
    assert check == {**check, "passed": False, "kind": "check", "target": "criminal_thresholds",
                     "file": "criminal_thresholds.test.json", "element": "criminal_thresholds_r1"}
    assert "超出区间" in check["message_zh"] and "outside" in check["message"]
    assert counts(db) == before
    ok = post_tests(owner, {"more.test.json": as_json({"checks": [
        {"name": "有缺省行", "decision": "transfer_deadlines", "unique_inputs": True}]})})
    assert ok.status_code == 200 and ok.json["passed"] is True
    assert any(x["file"] == "more.test.json" for x in ok.json["results"])
    assert counts(db) == before


def test_the_api_reports_a_library_that_does_not_build_and_refuses_others(as_user):
    owner = as_user("owner")
    r = post_tests(owner, {"bad.test.json": b"[]"})
    assert r.status_code == 200 and r.json["passed"] is False and r.json["results"] == []
    assert r.json["problems"][0]["file"] == "bad.test.json"
    assert post_tests(owner, {"notes.txt": b"x"}).status_code == 422
    assert post_tests(as_user("clerk"), {"x.test.json": b"{}"}).status_code == 403
    assert post_tests(as_user(None), {"x.test.json": b"{}"}).status_code == 401


def test_the_api_documents_the_report(as_user):
    spec = as_user("owner").get("/api/openapi.json").json
    assert "/api/definition-tests" in spec["paths"]
    assert "DefinitionTestReport" in spec["components"]["schemas"]


# ------------------------------------------------------------------------------------------------
# the CLI


def test_cli_runs_the_tests_and_exits_1_on_failure(tmp_path, capsys):
    assert cli.main(["definitions", "test", *map(str, LIBRARY)]) == 0
    out = capsys.readouterr().out
    assert "0 项未通过" in out and "FAIL" not in out
    broken = tmp_path / "lib"
    broken.mkdir()
    for name, content in with_files(criminal_thresholds__dmn=thresholds(t1="30000")).items():
        (broken / name).write_bytes(content)
    assert cli.main(["definitions", "test", str(broken), "--english"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  criminal_thresholds.test.json  check  T1 在法定区间 [criminal_thresholds_r1]" in out
    assert "is outside [5000, 20000]" in out
    (broken / "bad.test.json").write_text("{}")
    assert cli.main(["definitions", "test", str(broken)]) == 1
    assert "PROBLEM  bad.test.json" in capsys.readouterr().out
    assert cli.main(["definitions", "test", str(tmp_path / "nowhere")]) == 2
