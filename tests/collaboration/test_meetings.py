"""Quarterly liaison meetings (docs/collaboration.md §5): agenda from live data, minutes, action items, carry-over,
the quarterly schedule started exactly once by the worker."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from tests.collaboration.conftest import find_task, ok, open_case, run_worker, work
from tests.collaboration.test_hearings import hearing_request
from tests.collaboration.test_police import begin, do
from tests.collaboration.test_transfers import package, request
from workflow_app.platform import clock
from workflow_app.platform.calendar import OfficialCalendar
from workflow_app.domain.collaboration import meetings
from workflow_app.domain.collaboration.models import LiaisonMeeting, MeetingSchedule, MeetingScheduleRun
from workflow_app.platform.persistence.models import ProcessInstance

PREPARE, MINUTES, ACTION = "准备会议议程", "会议纪要与议定事项", "落实联席会议议定事项"


def test_agenda_minutes_action_items_and_carry_over(frozen, users, db):
    as_user = users
    # live data: an overdue transfer, a difficult case waiting for a hearing, a police transfer awaiting the
    # police decision (also a publication candidate), an urgent case of the quarter
    case = open_case(as_user, "wage_arrears")["inspection"]
    t = request(as_user, case)
    package(as_user, t["number"])
    run_worker(db)
    _, police = begin(as_user, complainant=7)
    for step in ("approve", "handover"):
        do(as_user, police["number"], step)
    hearing_request(as_user, db)
    frozen.set(datetime(2026, 11, 26, 9, 30, tzinfo=clock.CHINA_TZ))
    run_worker(db)  # the transfer's acknowledgement deadline (25 Nov) has passed
    assert as_user("inspector").post("/api/liaison-meetings", json={"bureau": "zz-jinshui", "reason": "临时"}).status_code == 403
    m = ok(as_user("leader").post("/api/liaison-meetings", json={"bureau": "zz-jinshui", "reason": "年底欠薪集中处置"}), 201)
    agenda = m["agenda"]
    assert m["number"] == "金水联席〔2026〕001号" and m["kind"] == "ad_hoc" and agenda["period"] == "2026Q4"
    assert [x["number"] for x in agenda["overdue_transfers"]] == [t["number"]]
    assert [x["number"] for x in agenda["police_awaiting_decision"]] == [police["number"]]
    assert agenda["police_awaiting_decision"][0]["status"] == "transferred"
    # the room's request started the hearing at once: it is on the agenda once, collecting opinions
    assert [x["status"] for x in agenda["difficult_cases"]] == ["opinions"]
    assert {x["source"] for x in agenda["publication_candidates"]} == {"police_transfer"}
    assert agenda["open_action_items"] == []
    assert agenda["counts"]["overdue_transfers"] == 1
    work(as_user("liaison"), m["number"], PREPARE, {"agenda_note": "按系统汇总议题逐项通报"})
    minutes = {"minutes_text": "会议通报了逾期移送和移送公安情况，议定如下事项。", "decisions": ["逾期移送限期签收"],
               "action_items": [{"title": "督促仲裁院签收移送案件", "owner_body": "inspection", "owner": "head",
                                 "due_on": "2026-12-04"},
                                {"title": "核查社保欠缴线索", "owner_body": "si_audit", "due_on": "2026-12-11"}],
               "closed_items": []}
    leader = as_user("leader")
    task = find_task(leader, m["number"], MINUTES)
    ok(leader.post(f"/api/tasks/{task['id']}/claim"))
    bad = leader.post(f"/api/tasks/{task['id']}/complete", json={"data": {
        **minutes, "action_items": [{**minutes["action_items"][0], "owner": "auditor"}]}})
    assert bad.status_code == 422  # the owner must belong to the owning body
    ok(leader.post(f"/api/tasks/{task['id']}/complete", json={"data": minutes}))
    held = ok(leader.get(f"/api/meetings/{m['id']}".replace("/meetings/", "/liaison-meetings/")))
    assert held["status"] == "held" and [i["status"] for i in held["action_items"]] == ["open", "open"]
    # action items are tasks with owners and due dates
    mine = find_task(as_user("head"), f"{m['number']}-{held['action_items'][0]['id']}", ACTION)
    assert mine["assignee"] == "head" and mine["due_at"] == "2026-12-04T15:59:59+00:00"
    group_item = find_task(as_user("audit_head"), f"{m['number']}-{held['action_items'][1]['id']}", ACTION)
    assert group_item["assignee"] is None and group_item["candidate_group"] == "zz-jinshui/si_audit/division_head"
    head = as_user("head")
    ok(head.post(f"/api/tasks/{mine['id']}/complete", json={"data": {"result": "已督促，仲裁院已签收"}}))
    # the next meeting carries the open item
    m2 = ok(leader.post("/api/liaison-meetings", json={"bureau": "zz-jinshui", "reason": "第二次"}), 201)
    carried = m2["agenda"]["open_action_items"]
    assert [i["title"] for i in carried] == ["核查社保欠缴线索"] and carried[0]["meeting_id"] == m["id"]
    work(as_user("liaison"), m2["number"], PREPARE, {"agenda_note": "议程"})
    work(leader, m2["number"], MINUTES, {**minutes, "action_items": [], "closed_items": [carried[0]["id"]]})
    m3 = ok(leader.post("/api/liaison-meetings", json={"bureau": "zz-jinshui", "reason": "第三次"}), 201)
    assert m3["agenda"]["open_action_items"] == []
    assert ok(as_user("liaison").get("/api/liaison-meetings/agenda?bureau=zz-jinshui"))["period"] == "2026Q4"
    assert as_user("auditor").get("/api/liaison-meetings/agenda?bureau=zz-jinshui").status_code == 403


def test_quarterly_schedule_starts_one_meeting_per_quarter(users, db):
    as_user = users
    fake = clock.FrozenClock(datetime(2026, 9, 20, 10, 0, tzinfo=clock.CHINA_TZ))
    previous = clock.set_clock(fake)
    try:
        assert as_user("leader").put("/api/liaison-meetings/schedules/zz-jinshui", json={}).status_code == 403
        for bureau in ("zz", "zz-jinshui"):
            s = ok(as_user("owner").put(f"/api/liaison-meetings/schedules/{bureau}", json={"active": True}))
        # National Day: the first working day of 2026 Q4 is Thursday 8 October
        assert s["next_due_at"] == "2026-10-08T01:00:00+00:00"
        fake.set(datetime(2026, 10, 8, 8, 59, tzinfo=clock.CHINA_TZ))
        assert meetings.run_due(db) == 0
        fake.set(datetime(2026, 10, 8, 9, 0, tzinfo=clock.CHINA_TZ))
        assert meetings.run_due(db) == 2  # one per level: the city and the district
        assert meetings.run_due(db) == 0
        run_worker(db)
        with db.transaction() as s:
            rows = s.scalars(select(LiaisonMeeting).order_by(LiaisonMeeting.bureau)).all()
            assert [(r.bureau, r.kind, r.period) for r in rows] == [("zz", "quarterly", "2026Q4"),
                                                                   ("zz-jinshui", "quarterly", "2026Q4")]
            assert s.scalar(select(func.count()).select_from(ProcessInstance).where(
                ProcessInstance.process_key == "liaison_meeting")) == 2
            schedule = s.scalar(select(MeetingSchedule).where(MeetingSchedule.bureau == "zz-jinshui"))
            # 2027 has no calendar data yet: provisional start (weekends only, docs/deadlines.md) on Friday
            # 1 January, recomputed when it comes
            assert schedule.next_due_at == datetime(2027, 1, 1, 9, 0, tzinfo=clock.CHINA_TZ)
            # a crash after the start but before the schedule moved on: the run row makes it a no-op
            schedule.next_due_at = datetime(2026, 10, 8, 9, 0, tzinfo=clock.CHINA_TZ)
        assert meetings.run_due(db) == 0
        with db.transaction() as s:
            assert s.scalar(select(func.count()).select_from(MeetingScheduleRun)) == 2
            assert s.scalar(select(func.count()).select_from(LiaisonMeeting)) == 2
        find_task(as_user("liaison"), "金水联席〔2026〕001号", PREPARE)
        # ad-hoc meetings are separate instances, one per meeting
        ok(as_user("leader").post("/api/liaison-meetings", json={"bureau": "zz-jinshui", "reason": "群体性事件"}), 201)
        listed = ok(as_user("admin").get("/api/liaison-meetings/schedules"))["items"]
        assert [x["bureau"] for x in listed] == ["zz", "zz-jinshui"]
    finally:
        clock.set_clock(previous)


def test_first_working_day_of_each_quarter():
    cal = OfficialCalendar.builtin().provisional()  # the calendar an empty database computes with
    assert meetings.first_working_day_of_quarter(cal, 2026, 1) == date(2026, 1, 4)  # 1-3 Jan New Year, 4 Jan adjusted
    assert meetings.first_working_day_of_quarter(cal, 2026, 2) == date(2026, 4, 1)
    assert meetings.first_working_day_of_quarter(cal, 2026, 4) == date(2026, 10, 8)
    assert meetings.period_label(date(2026, 11, 20)) == "2026Q4"


def test_concurrent_workers_start_each_quarterly_meeting_once(users, db):
    from concurrent.futures import ThreadPoolExecutor
    as_user = users
    fake = clock.FrozenClock(datetime(2026, 3, 20, 10, 0, tzinfo=clock.CHINA_TZ))
    previous = clock.set_clock(fake)
    try:
        bureaus = ["zz", "zz-jinshui", "zz-erqi", "zz-zhongyuan"]
        for bureau in bureaus:
            ok(as_user("owner").put(f"/api/liaison-meetings/schedules/{bureau}", json={"active": True}))
        fake.set(datetime(2026, 4, 1, 9, 30, tzinfo=clock.CHINA_TZ))
        with ThreadPoolExecutor(3) as pool:
            started = sum(pool.map(lambda _: meetings.run_due(db), range(3)))
        assert started == len(bureaus)
        with db.transaction() as s:
            assert sorted(s.scalars(select(LiaisonMeeting.bureau))) == sorted(bureaus)
            assert {r.period for r in s.scalars(select(MeetingScheduleRun))} == {"2026Q2"}
            nexts = {r.next_due_at for r in s.scalars(select(MeetingSchedule))}
            assert nexts == {datetime(2026, 7, 1, 9, 0, tzinfo=clock.CHINA_TZ)}
    finally:
        clock.set_clock(previous)


def test_minutes_written_on_the_meeting_page_survive_the_minutes_task(frozen, users, db):
    """Two writers of one meeting's minutes — the page (meetings.record_minutes) and the leadership's minutes
    task — never overwrite each other: the task's text is added to what the page recorded."""
    as_user = users
    leader = as_user("leader")
    m = ok(leader.post("/api/liaison-meetings", json={"bureau": "zz-jinshui", "reason": "纪要测试"}), 201)
    from workflow_app.platform.identity import directory as identity
    from workflow_app.platform.persistence.database import in_transaction
    in_transaction(db, lambda s: meetings.record_minutes(s, identity.principal_by_username(s, "liaison"), m["id"],
                                                         "联络员在会议页面记录的纪要正文。"))
    work(as_user("liaison"), m["number"], PREPARE, {"agenda_note": "议程"})
    work(leader, m["number"], MINUTES, {"minutes_text": "局领导在纪要任务中补充的内容。", "decisions": [],
                                        "action_items": [], "closed_items": []})
    with db.transaction() as s:
        text = s.get(LiaisonMeeting, m["id"]).minutes
    assert text == "联络员在会议页面记录的纪要正文。\n\n局领导在纪要任务中补充的内容。"
