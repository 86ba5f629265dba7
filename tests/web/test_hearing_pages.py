"""The joint-hearing pages (entrypoints/web/hearings.py, docs/ui.md "Joint hearings"): the list, one hearing
with the three bodies' opinions side by side and its conclusion, the request form of a case; who may see and
ask, wrong ids, and the conclusion's form choosing claims by name."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.services import support
from workflow_app.domain.collaboration.models import JointHearing

OPINION, SCHEDULE, MINUTES, CONCLUDE = "出具书面意见", "安排联合会商", "会商纪要", "会商结论与分送"
PARTICIPANTS = [{"name": "张监察", "body": "inspection"}, {"name": "刘稽核", "body": "si_audit"},
                {"name": "陈仲裁", "body": "arbitration"}]


@pytest.fixture
def case(db):
    """A 金水区 inspection case holding a wage claim and a social insurance claim."""
    return support.open_cases(db, "wage_arrears", "si_contribution_arrears")["inspection"]


def request_form(client, case):
    return client.get(f"/cases/{case['instance_id']}/joint-hearing/new")


def ask(as_user, case, username="inspector", reason="社保部分是否由稽核办理存疑"):
    return as_user(username).post(f"/cases/{case['instance_id']}/joint-hearing/new", data={"reason": reason})


def hearing_of(db) -> JointHearing:
    with db.transaction() as s:
        hearing = s.scalars(select(JointHearing).order_by(JointHearing.id.desc())).first()
        s.expunge(hearing)
        return hearing


def test_a_handling_body_asks_for_a_hearing_from_its_case_and_lands_on_the_hearing_page(as_user, db, case):
    form = request_form(as_user("inspector"), case)
    assert form.status_code == 200 and 'id="hearing-form"' in form.text
    assert "拖欠工资" in form.text and "提请联合会商" in form.text
    too_short = ask(as_user, case, reason="短")
    assert too_short.status_code == 422 and "会商事由应为2至2000字" in too_short.text
    answer = ask(as_user, case)
    assert answer.status_code == 303
    hearing = hearing_of(db)
    assert answer.headers["Location"] == f"/joint-hearings/{hearing.id}?msg=requested"
    page = as_user("inspector").get(answer.headers["Location"]).text
    assert hearing.number in page and "已提请联合会商" in page and "社保部分是否由稽核办理存疑" in page
    # three columns, none given yet: each waits with the body's opinion task
    columns = re.findall(r'<article class="opinion pending" data-body="(\w+)">', page)
    assert columns == ["inspection", "si_audit", "arbitration"] and page.count("待提交") == 3
    # asking again while it runs: the form says so and names the hearing
    again = request_form(as_user("inspector"), case).text
    assert 'id="hearing-running"' in again and hearing.number in again and 'id="hearing-form"' not in again
    assert ask(as_user, case).status_code == 409


def test_who_may_not_ask_is_told_so_and_nothing_changes(as_user, db, case):
    # the leadership of the district sees the case but does not ask for hearings
    refused = request_form(as_user("leader"), case)
    assert refused.status_code == 403 and "只有案件分理室或办理机构可以提请联合会商" in refused.text
    assert 'id="hearing-form"' not in refused.text
    posted = ask(as_user, case, username="leader")
    assert posted.status_code == 403 and "只有案件分理室或办理机构可以提请联合会商" in posted.text
    with db.transaction() as s:
        assert s.scalar(select(JointHearing.id)) is None
    # the window's clerk who registered it sees the case, but does not ask either
    assert request_form(as_user("clerk"), case).status_code == 403
    # arbitration does not see inspection's case; wrong ids are 404 pages, never 500s
    assert request_form(as_user("arbitrator"), case).status_code == 404
    for path in ("/cases/999999/joint-hearing/new", "/joint-hearings/999999", "/joint-hearings/0"):
        answer = as_user("triage").get(path)
        assert answer.status_code == 404 and "不存在" in answer.text, path
    assert as_user("triage").post("/cases/999999/joint-hearing/new", data={"reason": "理由充分"}).status_code == 404


def test_the_list_shows_the_hearings_of_my_bodies_only(as_user, db, case):
    ask(as_user, case)
    hearing = hearing_of(db)
    for username in ("inspector", "auditor", "arbitrator", "triage"):
        page = as_user(username).get("/joint-hearings").text
        assert hearing.number in page and '<a href="/joint-hearings">联合会商</a>' in page, username
    mine = as_user("auditor").get("/joint-hearings").text
    assert OPINION in mine  # the auditor's own step, linked from the row
    assert hearing.number not in as_user("clerk").get("/joint-hearings").text
    assert '<a href="/joint-hearings">联合会商</a>' not in as_user("clerk").get("/").text  # no nav link
    assert hearing.number in as_user("triage").get("/joint-hearings?status=opinions").text
    assert hearing.number not in as_user("triage").get("/joint-hearings?status=concluded").text
    assert as_user("triage").get("/joint-hearings?status=nonsense").status_code == 200
    # a hearing page is as visible as the hearing: the clerk gets the 404 page
    answer = as_user("clerk").get(f"/joint-hearings/{hearing.id}")
    assert answer.status_code == 404 and "联合会商不存在或无权查看" in answer.text


def test_opinions_side_by_side_then_the_conclusion_splits_the_case(as_user, db, case):
    ask(as_user, case)
    hearing = hearing_of(db)
    for username, body, proposed in (("inspector", "inspection", "inspection"), ("auditor", "si_audit", "si_audit"),
                                     ("arbitrator", "arbitration", "si_audit")):
        support.work(db, username, hearing.number, OPINION, {"opinion": f"{body}的意见", "proposed_body": proposed})
    page = as_user("triage").get(f"/joint-hearings/{hearing.id}").text
    assert "待提交" not in page
    assert page.index("inspection的意见") < page.index("si_audit的意见") < page.index("arbitration的意见")
    assert "分理室在“安排联合会商”环节确定时间、地点和参加人员" in page and SCHEDULE in page
    support.work(db, "triage", hearing.number, SCHEDULE, {"scheduled_at": "2026-11-24T14:30:00+08:00",
                                                          "place": "市局三楼会议室", "participants": PARTICIPANTS})
    support.work(db, "triage", hearing.number, MINUTES, {"minutes_text": "三方一致：欠薪由监察、社保由稽核办理。",
                                                         "attendees": ["张监察", "刘稽核"]})
    # the conclusion's form: one row per claim of the hearing, each chosen by name
    task = support.task(db, hearing.number, CONCLUDE, username="triage")
    support.claim(db, "triage", task.id)
    form = as_user("triage").get(f"/tasks/{task.id}").text
    assert re.search(r'<option value="wage_arrears" selected[^>]*>拖欠工资</option>', form)
    assert re.search(r'<option value="si_contribution_arrears" selected[^>]*>', form)
    support.complete(db, "triage", task.id, {"routes": [{"code": "wage_arrears", "body": "inspection"},
                                                        {"code": "si_contribution_arrears", "body": "si_audit"}],
                                             "conclusion": "欠薪留监察，社保拆分由稽核办理"})
    page = as_user("triage").get(f"/joint-hearings/{hearing.id}").text
    assert "已结论分送" in page and "已拆分案件" in page and "市局三楼会议室" in page and "2026-11-24 14:30" in page
    assert "三方一致" in page and "欠薪留监察，社保拆分由稽核办理" in page
    opened = re.search(r'<ul class="linked" id="opened-cases">(.*?)</ul>', page, re.S).group(1)
    assert "金水社稽案〔2026〕00001号" in opened and "欠缴社会保险费" in opened and "/cases/" not in opened
    # the audit body that got the split case reaches it from the hearing page
    opened = re.search(r'<ul class="linked" id="opened-cases">(.*?)</ul>',
                       as_user("auditor").get(f"/joint-hearings/{hearing.id}").text, re.S).group(1)
    assert re.search(r'<a href="/cases/\d+">金水社稽案〔2026〕00001号</a>', opened)
    assert hearing.number in as_user("triage").get("/joint-hearings?status=concluded").text
