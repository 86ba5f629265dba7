"""The liaison meeting pages (entrypoints/web/meetings.py, docs/ui.md "Liaison meetings"): the list, convening
with the agenda previewed, a meeting's minutes and action items (tasks with owners and due dates), the
carry-over of open items, the quarterly schedules; refused users and bad input answer clearly, never 500."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.test_web import _login
from workflow_app.domain.collaboration import meetings
from workflow_app.domain.collaboration.models import LiaisonMeeting, MeetingActionItem, MeetingSchedule
from workflow_app.entrypoints import demo
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.persistence.models import AuditEvent, TaskRow


@pytest.fixture
def meeting(db):
    """This quarter's 金水区 meeting, started as the worker starts it."""
    return in_transaction(db, lambda s: meetings.start_meeting(s, identity.SYSTEM, "zz-jinshui", "quarterly").id)


def _meeting(db, meeting_id):
    with db.transaction() as s:
        m = s.get(LiaisonMeeting, meeting_id)
        return {"status": m.status, "minutes": m.minutes, "number": m.number,
                "items": [(i.title, i.owner, i.owner_body, i.due_on, i.status, i.instance_id)
                          for i in s.scalars(select(MeetingActionItem).where(MeetingActionItem.meeting_id == m.id))]}


def test_the_liaison_officer_finds_the_meeting_in_the_list_and_opens_its_agenda(app, db, meeting):
    client, _ = _login(app, "liaison")
    listing = client.get("/liaison-meetings")
    assert listing.status_code == 200 and 'id="nav-meetings"' in listing.text
    number = _meeting(db, meeting)["number"]
    assert number in listing.text and "季度例会" in listing.text and "筹备中" in listing.text
    page = client.get(f"/liaison-meetings/{meeting}")
    assert page.status_code == 200
    for words in ("议程依据系统实时数据汇总", "逾期未签收的移送", "本季度拟公布案件", "参会人员", "杨联络", "周科长",
                  "吴局长", "无遗留事项", 'id="minutes-form"', 'id="item-form"'):
        assert words in page.text, words
    # the owner picker offers the division heads by body, never logins as labels
    assert '<option value="inspection:head">周科长</option>' in page.text


def test_the_nav_link_is_for_liaison_officers_heads_and_leadership_only(app):
    for username, shown in (("liaison", True), ("head", True), ("leader", True), ("inspector", False),
                            ("clerk", False)):
        client, _ = _login(app, username)
        assert ('id="nav-meetings"' in client.get("/inbox").text) is shown, username


def test_minutes_are_saved_and_mark_the_meeting_held_and_too_short_minutes_are_refused(app, db, meeting):
    client, csrf = _login(app, "liaison")
    bad = client.post(f"/liaison-meetings/{meeting}/minutes", data={"csrf_token": csrf, "minutes": "太短"})
    assert bad.status_code == 422 and "会议纪要应为10至20000个字" in bad.text and "太短" in bad.text
    assert _meeting(db, meeting)["status"] == "preparing"
    text = "会议通报了本季度移送和欠薪案件情况，议定督促签收。"
    ok = client.post(f"/liaison-meetings/{meeting}/minutes", data={"csrf_token": csrf, "minutes": text})
    assert ok.status_code == 303 and ok.headers["Location"].endswith(f"/liaison-meetings/{meeting}?msg=minutes#minutes")
    assert _meeting(db, meeting) | {"items": []} == {"status": "held", "minutes": text,
                                                    "number": _meeting(db, meeting)["number"], "items": []}
    page = client.get(f"/liaison-meetings/{meeting}?msg=minutes").text
    assert "会议纪要已保存" in page and text in page and "已召开" in page
    with db.transaction() as s:
        assert s.scalar(select(AuditEvent.action).where(AuditEvent.action == "meeting.minutes_saved")) is not None


def test_an_action_item_becomes_the_owners_task_with_its_due_date(app, db, meeting):
    client, csrf = _login(app, "liaison")
    answer = client.post(f"/liaison-meetings/{meeting}/items", data={
        "csrf_token": csrf, "title": "督促仲裁院签收逾期移送案件", "owner": "inspection:head", "due_on": "2026-12-04"})
    assert answer.status_code == 303
    [(title, owner, body, due, status, instance_id)] = _meeting(db, meeting)["items"]
    assert (title, owner, body, due, status) == ("督促仲裁院签收逾期移送案件", "head", "inspection", date(2026, 12, 4), "open")
    with db.transaction() as s:
        task = s.scalar(select(TaskRow).where(TaskRow.instance_id == instance_id, TaskRow.status == "open"))
        task_id, assignee, due_at = task.id, task.assignee, task.due_at
    assert assignee == "head" and due_at.date().isoformat() in ("2026-12-04", "2026-12-03")
    page = client.get(f"/liaison-meetings/{meeting}").text
    assert "督促仲裁院签收逾期移送案件" in page and "周科长" in page and f'href="/tasks/{task_id}"' in page
    # the owner's task page draws the item's form
    head, _ = _login(app, "head")
    task_page = head.get(f"/tasks/{task_id}")
    assert task_page.status_code == 200
    assert "落实情况" in task_page.text and "督促仲裁院签收逾期移送案件" in task_page.text
    assert 'name="result"' in task_page.text


@pytest.mark.parametrize("form, field_message", [
    ({"title": "", "owner": "inspection:head", "due_on": "2026-12-04"}, "事项应为2至500个字"),
    ({"title": "核查线索", "owner": "", "due_on": "2026-12-04"}, "请选择责任人"),
    ({"title": "核查线索", "owner": "si_audit:auditor", "due_on": "2026-12-04"}, "请选择责任人"),  # not a head
    ({"title": "核查线索", "owner": "police:police", "due_on": "2026-12-04"}, "请选择责任人"),
    ({"title": "核查线索", "owner": "inspection:head", "due_on": "明天"}, "完成期限应为日期"),
    ({"title": "核查线索", "owner": "inspection:head", "due_on": "2026-11-19"}, "完成期限不能早于今天"),
])
def test_an_invalid_action_item_is_refused_at_its_field_and_changes_nothing(app, db, meeting, form, field_message):
    client, csrf = _login(app, "liaison")
    answer = client.post(f"/liaison-meetings/{meeting}/items", data={"csrf_token": csrf, **form})
    assert answer.status_code == 422 and field_message in answer.text
    assert 'class="field-error"' in answer.text
    assert _meeting(db, meeting)["items"] == []


def test_who_may_not_record_the_meeting_is_refused_and_nothing_changes(app, db, meeting):
    # the inspector sees the meeting (their body's instance) but does not take part in it
    inspector, csrf = _login(app, "inspector")
    assert inspector.get(f"/liaison-meetings/{meeting}").status_code == 200
    assert 'id="minutes-form"' not in inspector.get(f"/liaison-meetings/{meeting}").text
    refused = inspector.post(f"/liaison-meetings/{meeting}/minutes", data={"csrf_token": csrf, "minutes": "会议纪要内容足够长了吧"})
    assert refused.status_code == 403 and "只有本辖区的联络员、科室负责人和局领导可以记录会议" in refused.text
    refused = inspector.post(f"/liaison-meetings/{meeting}/items", data={
        "csrf_token": csrf, "title": "核查线索", "owner": "inspection:head", "due_on": "2026-12-04"})
    assert refused.status_code == 403
    # another body of the bureau does not see it at all: hidden is 404
    auditor, csrf = _login(app, "auditor")
    assert auditor.get(f"/liaison-meetings/{meeting}").status_code == 404
    assert auditor.post(f"/liaison-meetings/{meeting}/minutes", data={"csrf_token": csrf, "minutes": "x" * 20}).status_code == 404
    assert _meeting(db, meeting) | {"number": None} == {"status": "preparing", "minutes": None, "number": None, "items": []}
    # a form without its CSRF token is refused before anything
    liaison, _ = _login(app, "liaison")
    assert liaison.post(f"/liaison-meetings/{meeting}/minutes", data={"minutes": "x" * 20}).status_code == 403


@pytest.mark.parametrize("path", ["/liaison-meetings/0", "/liaison-meetings/99999999999", "/liaison-meetings/abc",
                                  "/liaison-meetings/12345"])
def test_wrong_meeting_ids_are_not_found(app, path):
    client, csrf = _login(app, "liaison")
    assert client.get(path).status_code == 404
    assert client.post(path + "/minutes", data={"csrf_token": csrf, "minutes": "x" * 20}).status_code == 404


def test_convening_previews_the_agenda_then_starts_the_meeting(app, db):
    client, csrf = _login(app, "liaison")
    preview = client.get("/liaison-meetings/new?bureau=zz-jinshui")
    assert preview.status_code == 200 and "议程预览" in preview.text and "逾期未签收的移送" in preview.text
    assert "金水区人力资源和社会保障局" in preview.text
    with db.transaction() as s:
        assert s.scalar(select(LiaisonMeeting.id)) is None  # a preview saves nothing
    bad = client.post("/liaison-meetings/new", data={"csrf_token": csrf, "bureau": "zz-jinshui", "reason": ""})
    assert bad.status_code == 422 and "请填写召集事由" in bad.text
    refused = client.post("/liaison-meetings/new", data={"csrf_token": csrf, "bureau": "zz-erqi", "reason": "临时会议"})
    assert refused.status_code == 403 and "无权召集该辖区的联席会议" in refused.text
    ok = client.post("/liaison-meetings/new", data={"csrf_token": csrf, "bureau": "zz-jinshui", "reason": "年底欠薪集中处置"})
    assert ok.status_code == 303
    meeting_id = int(re.search(r"/liaison-meetings/(\d+)", ok.headers["Location"]).group(1))
    page = client.get(f"/liaison-meetings/{meeting_id}?msg=convened").text
    assert "会议已召集" in page and "临时会议" in page and "年底欠薪集中处置" in page


def test_who_may_not_convene_gets_a_clear_message(app):
    client, _ = _login(app, "auditor")
    answer = client.get("/liaison-meetings/new")
    assert answer.status_code == 403 and "只有联络员、科室负责人和局领导可以召集联席会议" in answer.text
    assert 'id="new-meeting"' not in client.get("/liaison-meetings").text
    assert "暂无待召开的会议" in client.get("/liaison-meetings").text


def test_schedules_per_level_and_who_may_change_them(app, db):
    liaison, csrf = _login(app, "liaison")
    page = liaison.get("/liaison-meetings/schedules").text
    assert "郑州市人力资源和社会保障局" in page and "金水区人力资源和社会保障局" in page and "市级" in page
    assert "1月、4月、7月、10月" in page and "季度首个工作日 09:00" in page and "未设置" in page
    assert "<button" not in page.split('id="schedules"')[1].split("</table>")[0]
    refused = liaison.post("/liaison-meetings/schedules/zz-jinshui", data={"csrf_token": csrf, "active": "1"})
    assert refused.status_code == 403 and "只有流程管理员或系统管理员可以设置联席会议日程" in refused.text
    owner, csrf = _login(app, "owner")
    assert owner.post("/liaison-meetings/schedules/zz-jinshui", data={"csrf_token": csrf, "active": "1"}).status_code == 303
    page = owner.get("/liaison-meetings/schedules?msg=schedule").text
    assert "会议计划已更新" in page and "已启用" in page and "2027-01-01 09:00" in page
    assert owner.post("/liaison-meetings/schedules/nowhere", data={"csrf_token": csrf, "active": "1"}).status_code == 404
    assert owner.post("/liaison-meetings/schedules/zz-jinshui", data={"csrf_token": csrf}).status_code == 303
    with db.transaction() as s:
        assert [(r.bureau, r.active) for r in s.scalars(select(MeetingSchedule))] == [("zz-jinshui", False)]


def test_the_demo_seeds_schedules_a_past_meeting_and_the_carried_over_item(app, db):
    demo.seed_meeting_schedules(db)
    with db.transaction() as s:
        assert sorted(s.scalars(select(MeetingSchedule.bureau))) == ["zz", "zz-jinshui"]
        past, current = s.scalars(select(LiaisonMeeting).order_by(LiaisonMeeting.id)).all()
        past_id, current_id = past.id, current.id
        assert (past.status, past.period, current.status, current.period) == ("held", "2026Q3", "preparing", "2026Q4")
    client, _ = _login(app, "liaison")
    page = client.get(f"/liaison-meetings/{current_id}").text
    carried = page.split('id="carried"')[1]
    assert "督促仲裁院签收逾期移送案件" in carried and "未办结" in carried and "周科长" in carried
    assert "会议通报了上季度移送和欠薪案件办理情况" in client.get(f"/liaison-meetings/{past_id}").text


def test_a_meeting_task_links_to_the_meeting_page_and_its_process_file_stays_reachable(app, db, meeting):
    """Inbox rows and the team board link tasks to /cases/<instance>; a meeting is no case: its page opens."""
    client, _ = _login(app, "liaison")
    with db.transaction() as s:
        instance_id = s.get(LiaisonMeeting, meeting).instance_id
    answer = client.get(f"/cases/{instance_id}")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/liaison-meetings/{meeting}")
    process = client.get(f"/cases/{instance_id}?view=process")
    assert process.status_code == 200 and "流程图" in process.text
