"""The case page's actions (``domain/cases/case_actions.py``): which collaboration actions a person may take on
a case, by role and by the case's state — hidden when the role can never take them, disabled with the
service's reason when the case's state forbids them (docs/ui.md "Case actions")."""
from __future__ import annotations

import pytest

from tests.services import support
from workflow_app.domain.cases import case_actions
from workflow_app.domain.collaboration import emergencies, transfers
from workflow_app.platform.errors import Conflict, Forbidden, NotFound
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.persistence.models import ProcessInstance

TRANSFER = {"to_body": "arbitration", "reason": "属于劳动争议，应由仲裁院处理", "materials": ["投诉登记表"]}



@pytest.fixture
def inspection_case(db):
    return support.open_cases(db, "wage_arrears")["inspection"]


@pytest.fixture
def arbitration_case(db):
    return support.open_cases(db, "dismissal_dispute", workers_affected=3)["arbitration"]


def bar(db, username, case) -> dict[str, case_actions.CaseAction]:
    who = support.principal(db, username)
    return {a.key: a for a in in_transaction(db, lambda s: case_actions.actions_for(s, who, case["instance_id"]))}


def start_transfer(db, case, username="inspector", **data):
    who = support.principal(db, username)
    return in_transaction(db, lambda s: transfers.create_transfer(s, who, case["id"], {**TRANSFER, **data}).number)


def test_the_inspector_may_take_every_action_of_an_inspection_case_but_supervision(db, inspection_case):
    actions = bar(db, "inspector", inspection_case)
    assert list(actions) == ["transfer", "notify", "assistance", "joint_hearing", "police_transfer", "emergency"]
    assert all(a.allowed for a in actions.values())
    assert actions["police_transfer"].path == "police-transfer/new"
    assert actions["joint_hearing"].path == "joint-hearing/new"


def test_police_transfers_are_not_offered_outside_inspection(db, arbitration_case):
    actions = bar(db, "arbitrator", arbitration_case)
    assert "police_transfer" not in actions
    assert {"transfer", "notify", "assistance", "joint_hearing", "emergency"} <= set(actions)


def test_a_running_transfer_disables_a_second_one_with_the_services_reason(db, inspection_case):
    start_transfer(db, inspection_case)
    actions = bar(db, "inspector", inspection_case)
    assert not actions["transfer"].allowed
    assert actions["transfer"].reason == "本案已有一件移送在办理中"
    assert actions["transfer"].reason_en == "This case already has a transfer in progress."
    assert actions["notify"].allowed and actions["assistance"].allowed  # only transfers are one at a time


def test_the_city_leadership_may_supervise_and_then_sees_it_disabled(db, inspection_case, city_leader):
    actions = bar(db, city_leader, inspection_case)
    assert set(actions) == {"emergency", "supervision"}  # a leader hands nothing over: no transfer buttons
    assert actions["supervision"].allowed
    who = support.principal(db, city_leader)
    in_transaction(db, lambda s: emergencies.supervise(s, who, inspection_case["id"], {"reason": "市局挂牌督办"}))
    actions = bar(db, city_leader, inspection_case)
    assert not actions["supervision"].allowed and actions["supervision"].reason == "本案已在挂牌督办中"


def test_the_district_leadership_declares_emergencies_but_does_not_supervise(db, inspection_case):
    assert set(bar(db, "leader", inspection_case)) == {"emergency"}


def test_a_liaison_officer_of_the_body_may_act_and_other_bodies_see_nothing(db, inspection_case):
    assert bar(db, "liaison", inspection_case)["transfer"].allowed
    with pytest.raises(NotFound):
        bar(db, "arbitrator", inspection_case)


def test_a_closed_case_shows_every_action_disabled_with_the_reason(db, inspection_case):
    def close(s):  # precondition: the case's procedure has ended (no service ends it early)
        s.get(ProcessInstance, inspection_case["instance_id"]).status = "completed"
    in_transaction(db, close)
    actions = bar(db, "inspector", inspection_case)
    assert actions and not any(a.allowed for a in actions.values())
    assert actions["transfer"].reason == "本案已办结，不能再发起案件移送"
    assert actions["emergency"].reason == "本案已办结，不能再认定应急突发案件"
    with pytest.raises(Conflict):  # the service refuses the same way
        start_transfer(db, inspection_case)


def test_require_raises_the_services_error(db, inspection_case):
    who = support.principal(db, "leader")
    with pytest.raises(Forbidden):
        in_transaction(db, lambda s: case_actions.require(s, who, inspection_case["instance_id"], "transfer"))
    assert in_transaction(db, lambda s: case_actions.may(s, who, inspection_case["instance_id"], "emergency"))


def test_the_receiving_bodies_are_the_bureau_trees_by_name_without_the_case_itself(db, inspection_case):
    who = support.principal(db, "inspector")

    def run(s):
        case = case_actions.case_of(s, who, inspection_case["instance_id"])
        return case_actions.target_bodies(s, case)
    targets = in_transaction(db, run)
    values = [t["value"] for t in targets]
    assert "zz-jinshui/inspection" not in values
    assert values[:2] == ["zz-jinshui/si_audit", "zz-jinshui/arbitration"]  # the case's own bureau first
    assert "zz-erqi/inspection" in values and "zz/arbitration" in values
    assert targets[0]["bureau_name"].startswith("金水区")


def test_the_case_page_collaboration_lists_the_transfer_and_the_supervision(db, inspection_case, city_leader):
    number = start_transfer(db, inspection_case)
    who = support.principal(db, city_leader)
    in_transaction(db, lambda s: emergencies.supervise(s, who, inspection_case["id"], {"reason": "市局挂牌督办"}))
    seen = in_transaction(db, lambda s: case_actions.collaboration_of(s, inspection_case["instance_id"]))
    assert [(t["number"], t["status_label"], t["to_body_label"]) for t in seen["transfers"]] == [
        (number, "待联络员审核", "劳动人事争议仲裁")]
    assert seen["supervision"]["status"] == "open" and seen["supervision"]["reason"] == "市局挂牌督办"
