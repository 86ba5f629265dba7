"""Supervised cases (挂牌督办) and emergencies as supervisors see them (``domain/supervision/supervised.py``),
on both databases: the city's leadership sees and closes what it supervises, the district's division head
sees the supervision of the team's case with its deadline and the emergency, others are refused."""
from __future__ import annotations

import pytest

from tests.services import support
from workflow_app.domain.collaboration import emergencies
from workflow_app.domain.supervision import supervised
from workflow_app.platform.errors import Forbidden, Invalid, NotFound




@pytest.fixture
def supervision(db, who, city_leader):
    """金水区's wage-arrears inspection case, supervised by the city (15 working days) and declared urgent."""
    case = support.open_cases(db, "wage_arrears")["inspection"]
    with db.transaction() as s:
        row = emergencies.supervise(s, who("city_leader"), case["id"],
                                    {"reason": "涉及农民工百余人，市局挂牌督办", "deadline_rule": "15WD"})
        return case, row.id


def listing(db, who, username, status="open"):
    with db.transaction() as s:
        return [(v["case_number"], v["can_close"], v["overdue"]) for v in supervised.supervisions(s, who(username), status)]


def test_the_supervising_level_sees_its_supervision_and_may_close_it(db, who, supervision):
    case, sid = supervision
    assert listing(db, who, "city_leader") == [(case["number"], True, False)]
    with db.transaction() as s:
        supervised.close(s, who("city_leader"), sid, "已督促办结，拖欠工资全部支付")
    assert listing(db, who, "city_leader") == []
    assert [n for n, _c, _o in listing(db, who, "city_leader", status=None)] == [case["number"]]


def test_the_team_head_sees_the_supervision_of_the_teams_case_but_may_not_close_it(db, who, supervision):
    case, sid = supervision
    assert listing(db, who, "head") == [(case["number"], False, False)]
    with db.transaction() as s:
        emergencies_of_team = [e["case"].number for e in supervised.emergency_cases(s, who("head"))]
    assert emergencies_of_team == [case["number"]]  # supervision makes the case urgent
    with pytest.raises(NotFound), db.transaction() as s:
        supervised.close(s, who("head"), sid, "我来办结")


def test_closing_needs_a_result(db, who, supervision):
    with pytest.raises(Invalid), db.transaction() as s:
        supervised.close(s, who("city_leader"), supervision[1], " ")


def test_another_bodys_head_does_not_see_it_and_an_officer_is_refused(db, who, supervision):
    assert listing(db, who, "si_head") == []
    with pytest.raises(Forbidden), db.transaction() as s:
        supervised.supervisions(s, who("inspector"))
