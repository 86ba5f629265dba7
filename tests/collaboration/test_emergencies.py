"""Emergencies (first intervention, fast track) and supervised handling (挂牌督办) with its own deadline."""
from __future__ import annotations

from datetime import datetime

import pytest

from tests.collaboration.conftest import find_task, ok, open_case, tasks
from tests.conftest import ApiClient
from workflow_app.platform import clock
from workflow_app.entrypoints import demo
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.persistence.database import in_transaction


@pytest.fixture
def city_leader(app, db, users):
    def run(s):
        identity.create_user(s, "city_leader", "市局领导")
        identity.add_membership(s, "city_leader", "zz/leadership/leadership")
        token, _ = identity.create_token(s, "city_leader", "test", days=None)
        token.token_hash = identity._token_hash(demo.demo_token("city_leader"))
        token.prefix = demo.demo_token("city_leader")[:10]
    in_transaction(db, run)
    return ApiClient(app, "city_leader")


def test_emergency_fast_tracks_arbitration_and_notifies_inspection_first(frozen, users, db):
    as_user = users
    case = open_case(as_user, "dismissal_dispute", workers_affected=3)["arbitration"]
    assert not case["fast_track"]
    body = {"kind": "mass_incident", "description": "三十余名工人聚集讨薪", "convene_meeting": True}
    assert as_user("inspector").post(f"/api/cases/{case['id']}/emergency", json=body).status_code == 404
    assert as_user("arbitrator").post(f"/api/cases/{case['id']}/emergency", json={**body, "kind": "x"}).status_code == 422
    result = ok(as_user("arbitrator").post(f"/api/cases/{case['id']}/emergency", json=body))
    assert result["fast_track"] is True and result["first_intervention"] == "金水人社通〔2026〕00001号"
    assert result["meeting"] == "金水联席〔2026〕001号"
    detail = ok(as_user("arbitrator").get(f"/api/cases/{case['id']}"))
    assert detail["urgent"] and detail["fast_track"]
    assert [t["priority"] for t in tasks(as_user("arbitrator"), business_key=case["number"], status="open")] == [90]
    # the notification goes through the channel: arbitration's liaison officer sends it to inspection
    find_task(as_user("arb_liaison"), result["first_intervention"], "联络员审核并制作移送函")
    transfers = ok(as_user("arbitrator").get(f"/api/cases/{case['id']}/transfers"))["items"]
    assert [(t["kind"], t["to_body"]) for t in transfers] == [("notification", "inspection")]


def test_supervised_handling_by_the_city_with_its_own_deadline(frozen, users, db, city_leader):
    as_user = users
    case = open_case(as_user, "wage_arrears")["inspection"]
    body = {"reason": "涉及农民工百余人，市局挂牌督办", "deadline_rule": "15WD"}
    assert as_user("leader").post(f"/api/cases/{case['id']}/supervision", json=body).status_code == 403
    assert city_leader.post(f"/api/cases/{case['id']}/supervision", json={**body, "deadline_rule": "soon"}).status_code == 422
    s = ok(city_leader.post(f"/api/cases/{case['id']}/supervision", json=body), 201)
    assert s["due_at"] == "2026-12-11T15:59:59+00:00"  # 15 WD from Friday 20 Nov 2026
    far = city_leader.post(f"/api/cases/{case['id']}/supervision", json={**body, "deadline_rule": "60WD"})
    assert far.status_code == 409  # already supervised (a 2027 deadline would need the 2027 calendar first)
    assert city_leader.post(f"/api/cases/{case['id']}/supervision", json=body).status_code == 409
    view = ok(city_leader.get("/api/supervision?status=open"))["items"]
    assert [(v["case_number"], v["overdue"]) for v in view] == [(case["number"], False)]
    assert view[0]["open_tasks"][0]["name"] == "受理审查"
    assert ok(as_user("inspector").get("/api/supervision"))["items"] == []
    assert ok(as_user("inspector").get(f"/api/cases/{case['id']}"))["urgent"] is True
    frozen.set(datetime(2026, 12, 14, 10, 0, tzinfo=clock.CHINA_TZ))
    assert [v["overdue"] for v in ok(city_leader.get("/api/supervision?overdue=true"))["items"]] == [True]
    assert as_user("leader").post(f"/api/supervision/{s['id']}/close", json={"result": "已结案"}).status_code == 404
    closed = ok(city_leader.post(f"/api/supervision/{s['id']}/close", json={"result": "已全部支付，结案"}))
    assert closed["status"] == "closed" and not closed["overdue"]
    assert ok(city_leader.get("/api/supervision?status=open"))["items"] == []
