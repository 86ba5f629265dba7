"""Emergencies and supervised handling (``domain/collaboration/emergencies.py``): an emergency makes a case
urgent (arbitration: fast track) and calls inspection in first; the higher level supervises a case with its
own deadline (docs/collaboration.md §4, §6)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.services import support
from workflow_app.domain.collaboration import emergencies
from workflow_app.platform.errors import Conflict, Forbidden, Invalid, NotFound

pytestmark = pytest.mark.usefixtures("colleagues")

MASS_INCIDENT = {"kind": "mass_incident", "description": "三十余名工人聚集讨薪"}
SUPERVISION = {"reason": "涉及农民工百余人，市局挂牌督办", "deadline_rule": "15WD"}


@pytest.fixture
def arbitration_case(db):
    return support.open_cases(db, "dismissal_dispute", workers_affected=3)["arbitration"]


@pytest.fixture
def inspection_case(db):
    return support.open_cases(db, "wage_arrears")["inspection"]


def declare(db, who, case, username="arbitrator", **data) -> dict:
    with db.transaction() as s:
        return emergencies.declare(s, who(username), case["id"], {**MASS_INCIDENT, **data})


def supervise(db, who, case, username="city_leader", **data):
    with db.transaction() as s:
        return emergencies.supervise(s, who(username), case["id"], {**SUPERVISION, **data})


def supervised(db, who, username="city_leader", **filters) -> list:
    with db.transaction() as s:
        return [row for row, _ in s.execute(emergencies.supervised_query(s, who(username), **filters)).all()]


def test_an_emergency_fast_tracks_an_arbitration_case_and_puts_its_tasks_on_top(db, who, arbitration_case):
    result = declare(db, who, arbitration_case)
    assert (result["urgent"], result["fast_track"]) == (True, True)
    after = support.case(db, arbitration_case["id"])
    assert (after["urgent"], after["fast_track"]) == (True, True)
    assert [t["priority"] for t in after["open_tasks"]] == [90]


def test_an_emergency_outside_inspection_calls_inspection_in_first_through_a_notification(db, who, arbitration_case):
    result = declare(db, who, arbitration_case)
    assert result["first_intervention"] == "金水人社通〔2026〕00001号"
    assert support.task(db, result["first_intervention"], username="arb_liaison").name == "联络员审核并制作移送函"


def test_an_emergency_may_convene_an_ad_hoc_liaison_meeting(db, who, arbitration_case):
    assert declare(db, who, arbitration_case, convene_meeting=True)["meeting"] == "金水联席〔2026〕001号"


def test_an_emergency_on_an_inspection_case_needs_no_first_intervention(db, who, inspection_case):
    result = declare(db, who, inspection_case, username="inspector")
    assert (result["urgent"], result["fast_track"], result["first_intervention"]) == (True, False, None)


def test_an_emergency_must_be_of_a_known_kind(db, who, arbitration_case):
    with pytest.raises(Invalid) as raised:
        declare(db, who, arbitration_case, kind="rumour")
    assert "kind" in raised.value.extra["errors"]


def test_a_body_that_does_not_see_the_case_cannot_declare_an_emergency(db, who, arbitration_case):
    with pytest.raises(NotFound):
        declare(db, who, arbitration_case, username="inspector")


def test_supervised_handling_by_the_city_has_its_own_deadline(db, who, inspection_case):
    row = supervise(db, who, inspection_case)
    assert (row.supervising_bureau, row.status) == ("zz", "open")
    assert row.due_at == datetime(2026, 12, 11, 15, 59, 59, tzinfo=timezone.utc)  # 15 WD from Friday 20 Nov
    assert support.case(db, inspection_case["id"])["urgent"] is True


def test_supervised_handling_is_decided_one_level_up(db, who, inspection_case):
    with pytest.raises(Forbidden):
        supervise(db, who, inspection_case, username="leader")  # the district's own leadership


def test_a_case_is_supervised_once_at_a_time(db, who, inspection_case):
    supervise(db, who, inspection_case)
    with pytest.raises(Conflict):
        supervise(db, who, inspection_case)


def test_an_unreadable_deadline_rule_is_invalid(db, who, inspection_case):
    with pytest.raises(Invalid) as raised:
        supervise(db, who, inspection_case, deadline_rule="soon")
    assert "deadline_rule" in raised.value.extra["errors"]


def test_the_supervising_level_sees_a_supervision_past_its_deadline_as_overdue(db, who, inspection_case, freeze_clock):
    supervise(db, who, inspection_case)
    assert supervised(db, who, overdue=True) == []
    freeze_clock(datetime(2026, 12, 14, 10, 0, tzinfo=timezone(timedelta(hours=8))))
    assert [row.case_id for row in supervised(db, who, overdue=True)] == [inspection_case["id"]]
    assert supervised(db, who, username="inspector") == []  # not the supervising level


def test_only_the_supervising_level_closes_a_supervision(db, who, inspection_case):
    row = supervise(db, who, inspection_case)
    with pytest.raises(NotFound), db.transaction() as s:
        emergencies.close(s, who("leader"), row.id, "已结案")
    with db.transaction() as s:
        closed = emergencies.close(s, who("city_leader"), row.id, "已全部支付，结案")
    assert (closed.status, closed.result) == ("closed", "已全部支付，结案")
    assert supervised(db, who, status="open") == []
