"""The case beside a task (``domain/cases/case_file.case_context``) and the words of a case file's timeline
(docs/ui.md "Task page: the case beside the form", "Names, not codes")."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import FIXED_NOW
from tests.intake.helpers import claim
from tests.services import support
from workflow_app.domain.cases.case_file import case_context, case_file
from workflow_app.platform.errors import NotFound
from workflow_app.platform.organisation import group_label
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.tasks import inbox


def _inspection_case(db):
    cases = support.open_cases(db, claim("wage_arrears", amount=36000, months_unpaid=3), "dismissal_dispute")
    return cases["inspection"], cases["arbitration"]


def test_the_case_context_carries_parties_claims_clocks_and_linked_cases(db, who):
    inspection, arbitration = _inspection_case(db)
    ctx = in_transaction(db, lambda s: case_context(s, who("inspector"), inspection["instance_id"]))
    assert ctx["number"] == inspection["number"]
    assert ctx["parties"]["employer"]["name"] == inspection["employer_name"]
    assert ctx["parties"]["complainant"]["anonymous"] is False
    assert ctx["parties"]["complainant"]["phone"] and "*" in ctx["parties"]["complainant"]["phone"]  # masked
    assert [(c["code"], c["amount"], c["route_label"]) for c in ctx["claims"]] == [("wage_arrears", 36000.0, "劳动保障监察")]
    assert [c["label"] for c in ctx["clocks"]] and all(c["unit"] == "WD" for c in ctx["clocks"])
    assert [(item["kind"], item["number"]) for item in ctx["linked"]] == [("拆分案件", arbitration["number"])]


def test_the_case_context_lists_completed_tasks_and_comments_in_order(db, who, freeze_clock):
    inspection, _ = _inspection_case(db)
    row = support.tasks(db, inspection["number"])[0]
    support.claim(db, "inspector", row.id)
    in_transaction(db, lambda s: inbox.add_comment(s, who("inspector"), row.id, "证据齐全，建议受理"))
    freeze_clock(FIXED_NOW + timedelta(hours=1))
    support.complete(db, "inspector", row.id, {"accepted": True, "acceptance_opinion": "符合受理条件"})
    ctx = in_transaction(db, lambda s: case_context(s, who("inspector"), inspection["instance_id"]))
    assert [(o["kind"], o["by"], o["task_name"], o.get("body")) for o in ctx["opinions"]] == [
        ("comment", "inspector", row.name, "证据齐全，建议受理"), ("decision", "inspector", row.name, None)]


def test_the_case_context_is_not_found_for_someone_who_may_not_see_the_case(db, who):
    inspection, _ = _inspection_case(db)
    with pytest.raises(NotFound):
        in_transaction(db, lambda s: case_context(s, who("arbitrator"), inspection["instance_id"]))


def test_the_system_opens_a_case_on_the_triage_outcome_not_the_clerk(db, who):
    inspection, _ = _inspection_case(db)
    timeline = in_transaction(db, lambda s: case_file(s, who("inspector"), inspection["instance_id"]))["timeline"]
    opened = [e for e in timeline if e["action"] == "开案"]
    assert opened and {e["actor"] for e in opened} == {"system"}
    assert "complaint.triage" not in {e["action"] for e in timeline}


def test_a_group_key_reads_as_bureau_body_and_role():
    names = {"zz-jinshui": "金水区人力资源和社会保障局", "zz": "郑州市人力资源和社会保障局"}
    assert group_label("zz-jinshui/inspection/inspector", names) == "金水区人力资源和社会保障局·劳动保障监察·劳动保障监察员"
    assert group_label("zz/bureau/process_owner", names) == "郑州市人力资源和社会保障局·流程管理员"
    assert group_label("zz-jinshui/inspection/inspector", names, lambda t: {"劳动保障监察": "Labour inspection"}.get(t, t)) \
        == "金水区人力资源和社会保障局·Labour inspection·劳动保障监察员"
    assert group_label("not-a-group", names) == "not-a-group" and group_label(None, names) == ""


@pytest.mark.usefixtures("colleagues")
def test_a_transfers_task_carries_the_case_being_transferred(db, who):
    from tests.services.test_transfer_attachments import PACKAGE, request
    inspection, _ = _inspection_case(db)
    row = request(db, who, inspection)
    package = support.task(db, row.number, PACKAGE)
    ctx = in_transaction(db, lambda s: case_context(s, who("liaison"), package.instance_id))
    assert ctx["number"] == inspection["number"] and ctx["instance_id"] == inspection["instance_id"]
    assert [c["code"] for c in ctx["claims"]] == ["wage_arrears"]
    assert ctx["parties"]["employer"]["name"] == inspection["employer_name"]
