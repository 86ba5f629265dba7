"""The caseflow command and the demo data set."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from tests.conftest import make_app
from workflow_app.entrypoints import cli, demo
from workflow_app.platform import clock
from workflow_app.platform.persistence.models import Body, Bureau, Group, ProcessInstance, TaskRow


def test_cli_creates_organisation_users_groups_and_tokens(db_url, capsys):
    app = make_app(db_url)
    base = ["--database-url", db_url]
    assert cli.main(base + ["bureau", "kf", "开封市人社局", "--level", "city"]) == 0
    assert cli.main(base + ["bureau", "kf-gulou", "鼓楼区人社局", "--level", "district", "--parent", "kf"]) == 0
    assert cli.main(base + ["body", "kf-gulou", "inspection", "劳动保障监察大队"]) == 0
    assert cli.main(base + ["group", "kf-gulou", "inspection", "inspector"]) == 0
    assert cli.main(base + ["user", "li", "李监察", "--password", "secret-pass-2026",
                            "--group", "kf-gulou/inspection/inspector"]) == 0
    capsys.readouterr()
    assert cli.main(base + ["token", "create", "li", "--name", "script"]) == 0
    secret = capsys.readouterr().out.strip()
    client = app.test_client()
    assert client.get("/api/tasks", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert cli.main(base + ["token", "revoke", secret[:10]]) == 0
    assert client.get("/api/tasks", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    # bad input is a clear message and exit code 2, not a traceback
    assert cli.main(base + ["user", "li", "重复"]) == 2
    assert "已存在" in capsys.readouterr().err
    assert cli.main(base + ["user", "wang", "王", "--password", "short"]) == 2
    assert cli.main(base + ["group", "kf-gulou", "inspection", "wizard"]) == 2
    app.extensions["caseflow.db"].dispose()


def test_cli_deploy_reports_file_line_and_reason(db_url, tmp_path, capsys):
    make_app(db_url).extensions["caseflow.db"].dispose()
    bad = tmp_path / "bad.bpmn"
    bad.write_text("<bpmn:definitions>\n<oops")
    assert cli.main(["--database-url", db_url, "deploy", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.bpmn:" in err and "well-formed" in err


@pytest.mark.parametrize("moment", [None, datetime(2027, 2, 10, 10, 0, tzinfo=clock.CHINA_TZ),
                                    datetime(2026, 12, 1, 10, 0, tzinfo=clock.CHINA_TZ)],
                         ids=["fixed", "2027-02-10", "2026-12-01"])
def test_demo_data_set(db_url, freeze_clock, moment):
    # Issue 11 part 2: the demo builds its data on any date, also when its deadlines reach (or lie in) a
    # year without calendar data (2027: provisional dates).
    if moment is not None:
        freeze_clock(moment)
    app = make_app(db_url)
    db = app.extensions["caseflow.db"]
    demo.seed_organisation(db)
    demo.seed_cases(db)
    with db.transaction() as s:
        districts = s.scalars(select(Bureau.code).where(Bureau.level == "district")).all()
        assert len(districts) >= 3
        for kind in ("intake", "triage_room", "inspection", "si_audit", "arbitration", "leadership", "legal_review"):
            assert s.scalar(select(func.count()).select_from(Body).where(Body.kind == kind)) == 4  # city + 3 districts
        roles = set(s.scalars(select(Group.role)))
        assert roles >= {"intake_clerk", "triage_reviewer", "inspector", "auditor", "arbitrator", "liaison_officer",
                         "division_head", "leadership", "legal_reviewer", "process_owner", "administrator"}
        assert s.scalar(select(func.count()).select_from(ProcessInstance)) >= 30
        assert set(s.scalars(select(ProcessInstance.process_key))) == {
            "intake_triage", "inspection_case", "si_audit_case", "arbitration_case"}
        statuses = set(s.scalars(select(ProcessInstance.status)))
        assert statuses == {"running", "completed"}
        assert s.scalar(select(func.count()).select_from(TaskRow).where(TaskRow.assignee.is_not(None),
                                                                        TaskRow.status == "open")) > 0
        assert s.scalar(select(func.count()).select_from(TaskRow).where(TaskRow.status == "completed")) > 0
    users = {u for u, _, _ in demo.DEMO_USERS}
    client = app.test_client()
    for username in users:
        r = client.get("/api/tasks", headers={"Authorization": f"Bearer {demo.demo_token(username)}"})
        assert r.status_code == 200
    db.dispose()
