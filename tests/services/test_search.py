"""Searching registrations and cases (``domain/cases/search.py``): each filter, paging with totals and a
stable order, visibility (only what the reader may see is counted) and masked complainants (docs/ui.md
"Search", docs/security.md §5)."""
from __future__ import annotations

import pytest

from tests.intake.helpers import id_number, uscc
from tests.services import support
from workflow_app.domain.cases import search
from workflow_app.domain.collaboration import emergencies
from workflow_app.platform.errors import Invalid
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.persistence.database import in_transaction

#: People the demo lacks: an inspector of another district and a city leader (they see across districts).
OTHERS = [("erqi_inspector", "zz-erqi/inspection/inspector"), ("city_leader", "zz/leadership/leadership")]


@pytest.fixture(autouse=True)
def others(db):
    def create(s):
        for username, group in OTHERS:
            if not identity.user_exists(s, username):
                identity.create_user(s, username, username)
                identity.add_membership(s, username, group)
    in_transaction(db, create)


@pytest.fixture
def registered(db):
    """Four registrations at the 金水 window, received on three China days; the fourth anonymous."""
    a = support.register(db, "wage_arrears", received_at="2026-11-18T09:00:00+08:00",
                         employer={"name": "郑州甲建筑有限公司", "uscc": uscc(11)},
                         complainant={"name": "张三", "id_number": id_number(11), "phone": "13812345678"})
    b = support.register(db, "dismissal_dispute", channel="phone_12333", received_at="2026-11-19T23:30:00+08:00",
                         employer={"name": "郑州乙餐饮有限公司", "uscc": uscc(12)},
                         complainant={"name": "李四", "id_number": id_number(12), "phone": "13900001111"})
    c = support.register(db, "wage_arrears", received_at="2026-11-20T08:00:00+08:00",
                         employer={"name": "二七丙物流有限公司", "uscc": uscc(13), "district": "zz-erqi"},
                         complainant={"name": "王五", "id_number": id_number(13), "phone": "13700002222"})
    d = support.register(db, "wage_arrears", kind="report", received_at="2026-11-20T08:00:00+08:00",
                         employer={"name": "郑州甲建筑有限公司二分公司", "uscc": uscc(14)},
                         complainant={"anonymous": True, "name": None, "id_number": None, "phone": None})
    return {"a": a, "b": b, "c": c, "d": d}


def run(db, who, username="clerk", **params):
    with db.transaction() as s:
        return search.search(s, who(username), search.parse(s, params))


def numbers(result) -> list[str]:
    return [item["number"] for item in result["items"]]


def test_registrations_come_newest_first_with_the_id_breaking_ties(db, who, registered):
    r = registered
    assert numbers(run(db, who)) == [r["d"]["number"], r["c"]["number"], r["b"]["number"], r["a"]["number"]]


def test_a_number_is_found_exactly_or_by_its_beginning(db, who, registered):
    assert numbers(run(db, who, number=registered["b"]["number"])) == [registered["b"]["number"]]
    assert run(db, who, number="金水投〔2026〕0000")["total"] == 4
    assert run(db, who, number="〔2026〕00001号")["total"] == 0  # the middle of a number is no prefix


def test_an_employer_is_found_by_part_of_its_name(db, who, registered):
    assert numbers(run(db, who, employer="甲建筑")) == [registered["d"]["number"], registered["a"]["number"]]


def test_a_credit_code_is_found_exactly_only(db, who, registered):
    assert numbers(run(db, who, uscc=uscc(12))) == [registered["b"]["number"]]
    assert numbers(run(db, who, uscc=uscc(12).lower())) == [registered["b"]["number"]]
    assert run(db, who, uscc=uscc(12)[:10])["total"] == 0


def test_a_complainant_is_found_by_name_and_shown_masked(db, who, registered):
    result = run(db, who, complainant="张")
    assert numbers(result) == [registered["a"]["number"]]
    person = result["items"][0]["complainant"]
    assert person["name"] == "张三" and person["phone"] == "138****5678"
    assert person["id_number"] != id_number(11) and person["id_number"].startswith("4101")
    assert person["id_number"].endswith(id_number(11)[-4:]) and "*" in person["id_number"]


def test_an_anonymous_complainant_shows_no_personal_data(db, who, registered):
    anonymous = run(db, who, number=registered["d"]["number"])["items"][0]["complainant"]
    assert anonymous == {"anonymous": True, "name": None, "id_number": None, "phone": None}


def test_the_keyword_matches_number_employer_credit_code_or_complainant(db, who, registered):
    r = registered
    assert numbers(run(db, who, q=r["c"]["number"])) == [r["c"]["number"]]
    assert numbers(run(db, who, q="乙餐饮")) == [r["b"]["number"]]
    assert numbers(run(db, who, q=uscc(13))) == [r["c"]["number"]]
    assert numbers(run(db, who, q="李四")) == [r["b"]["number"]]


def test_district_body_channel_issue_and_status_filter_registrations(db, who, registered):
    r = registered
    assert numbers(run(db, who, district="zz-erqi")) == [r["c"]["number"]]
    assert numbers(run(db, who, body="arbitration")) == [r["b"]["number"]]
    assert numbers(run(db, who, channel="phone_12333")) == [r["b"]["number"]]
    assert numbers(run(db, who, issue="dismissal_dispute")) == [r["b"]["number"]]
    assert run(db, who, status="routed")["total"] == 4 and run(db, who, status="in_triage_room")["total"] == 0


def test_the_received_range_counts_china_days(db, who, registered):
    late_evening = registered["b"]["number"]  # 23:30 China time on the 19th: 15:30 UTC
    assert numbers(run(db, who, **{"from": "2026-11-19", "to": "2026-11-19"})) == [late_evening]
    assert late_evening not in numbers(run(db, who, **{"from": "2026-11-20"}))
    assert numbers(run(db, who, to="2026-11-18")) == [registered["a"]["number"]]


def test_cases_are_searched_by_body_district_issue_and_status(db, who, registered):
    r = registered
    arbitration = r["b"]["cases"][0]
    result = run(db, who, "admin", kind="cases", body="arbitration")
    assert numbers(result) == [arbitration["number"]]
    item = result["items"][0]
    assert (item["instance_id"], item["complaint_number"], item["status"]) == (
        arbitration["instance_id"], r["b"]["number"], "open")
    assert numbers(run(db, who, "admin", kind="cases", district="zz-erqi")) == [r["c"]["cases"][0]["number"]]
    assert numbers(run(db, who, "admin", kind="cases", issue="dismissal_dispute")) == [arbitration["number"]]
    assert run(db, who, "admin", kind="cases", status="closed")["total"] == 0
    assert run(db, who, "city_leader", kind="cases", status="open")["total"] == 4


def test_emergency_and_supervised_flags_find_their_cases_and_registrations(db, who, registered):
    r = registered
    arbitration, inspection = r["b"]["cases"][0], r["a"]["cases"][0]
    with db.transaction() as s:
        emergencies.declare(s, who("arbitrator"), arbitration["id"],
                            {"kind": "mass_incident", "description": "三十余名工人聚集讨薪"})
    with db.transaction() as s:
        emergencies.supervise(s, who("city_leader"), inspection["id"],
                              {"reason": "涉及农民工百余人，市局挂牌督办", "deadline_rule": "15WD"})
    urgent = run(db, who, "city_leader", kind="cases", flag="emergency")  # supervision makes a case urgent too
    assert numbers(urgent) == [arbitration["number"], inspection["number"]]
    assert [item["urgent"] for item in urgent["items"]] == [True, True]
    supervised = run(db, who, "city_leader", kind="cases", flag="supervised")
    assert numbers(supervised) == [inspection["number"]] and supervised["items"][0]["supervised"] is True
    assert numbers(run(db, who, "city_leader", flag="emergency")) == [r["b"]["number"], r["a"]["number"]]
    assert numbers(run(db, who, "city_leader", flag="supervised")) == [r["a"]["number"]]


def test_pages_split_the_results_and_the_total_counts_them_all(db, who, registered):
    r = registered
    first = run(db, who, page_size="3")
    second = run(db, who, page_size="3", page="2")
    assert (first["total"], first["pages"], second["total"], second["page"]) == (4, 2, 4, 2)
    assert numbers(first) + numbers(second) == [r["d"]["number"], r["c"]["number"], r["b"]["number"], r["a"]["number"]]
    assert run(db, who, page_size="3", page="3")["items"] == []


def test_another_districts_officer_counts_and_sees_only_their_districts_work(db, who, registered):
    r = registered
    assert numbers(run(db, who, "erqi_inspector")) == [r["c"]["number"]]
    assert numbers(run(db, who, "erqi_inspector", kind="cases")) == [r["c"]["cases"][0]["number"]]
    assert run(db, who, "erqi_inspector", employer="甲建筑")["total"] == 0


def test_another_bodys_officer_does_not_see_its_cases(db, who, registered):
    r = registered
    cases = run(db, who, "inspector", kind="cases")
    assert numbers(cases) == [r["d"]["cases"][0]["number"], r["a"]["cases"][0]["number"]]  # not arbitration's
    assert run(db, who, "inspector", kind="cases", body="arbitration")["total"] == 0
    assert numbers(run(db, who, "arbitrator", kind="cases")) == [r["b"]["cases"][0]["number"]]


@pytest.mark.parametrize("params, field", [
    ({"from": "2026-13-01"}, "from"), ({"to": "yesterday"}, "to"), ({"from": "2026-11-20T10:00"}, "from"),
    ({"page": "0"}, "page"), ({"page": "x"}, "page"), ({"page_size": "1000"}, "page_size"),
    ({"body": "police_station"}, "body"), ({"flag": "hot"}, "flag"), ({"channel": "fax"}, "channel"),
    ({"district": "nowhere"}, "district"), ({"kind": "people"}, "kind"), ({"status": "closed"}, "status"),
    ({"from": "2026-11-20", "to": "2026-11-19"}, "to"),
])
def test_bad_parameters_are_refused_with_a_message_for_their_field(db, params, field):
    with pytest.raises(Invalid) as refused, db.transaction() as s:
        search.parse(s, params)
    assert field in refused.value.extra["errors"] and refused.value.message.startswith("查询条件有误")
