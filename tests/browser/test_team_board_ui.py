"""The division head's team board in a real browser (docs/ui.md "Team board"): the head opens 团队 from the
navigation, filters 已超期, finds the inspector's overdue 立案调查, reassigns it to inspector2 through the
confirmation step, and inspector2 finds it in 我的待办.

Only the preconditions go through the services: a case accepted on the frozen instant whose investigation is
held by the inspector; the frozen clock then moves to 2027-03-01, when the case's 60-working-day
investigation clock has expired (the task has no due date of its own: it is late by the clock)."""
from __future__ import annotations

import re
from datetime import datetime

from playwright.sync_api import expect

from tests.services import support
from workflow_app.platform.clock import CHINA_TZ

from .conftest import login, shot

ACCEPTED = {"accepted": True, "acceptance_opinion": "符合受理条件"}
LATER = datetime(2027, 3, 1, 10, 0, tzinfo=CHINA_TZ)


def test_the_head_reassigns_an_overdue_task_of_the_team(server, new_page, freeze_clock):
    db = server.db
    support.start(db, business_key="TB0001", employer_name="郑州某团队看板测试有限公司")
    support.work(db, "inspector", "TB0001", "受理审查", ACCEPTED)
    task = support.claim(db, "inspector", support.task(db, "TB0001").id)
    freeze_clock(LATER)
    support.start(db, business_key="TB0002", received_at="2027-02-26T09:00:00+08:00")  # on time, unclaimed

    head = new_page()
    login(head, server.url, "head")
    head.click("#nav-team-link")
    head.wait_for_url(re.compile(r"/team"))
    expect(head.locator(f"#task-{task.id}")).to_be_visible()
    expect(head.locator("#workload tr[data-person=inspector]")).to_contain_text("张监察")
    shot(head, "team_board")

    head.check("#filter-overdue")  # submits the filter form
    head.wait_for_url(re.compile(r"overdue=1"))
    row = head.locator(f"#task-{task.id}")
    expect(row).to_be_visible()
    expect(row).to_contain_text("已超期")
    expect(row).to_contain_text("调查期限：已超期")
    expect(head.locator("tr[data-business-key=TB0002]")).to_have_count(0)
    expect(head.locator("tbody.person-group[data-person=inspector] .group-head")).to_contain_text("张监察")
    shot(head, "team_board_overdue")

    row.locator("a.reassign").click()
    head.wait_for_url(re.compile(r"/reassign"))
    head.click("#next")  # nothing chosen: the browser's required check keeps the page
    head.select_option("#username", "inspector2")
    head.fill("#reason-input", "张监察外出办案，改由赵监察办理")
    shot(head, "team_reassign_form")
    head.click("#next")
    expect(head.locator("#reassign-summary #from")).to_have_text("张监察")
    expect(head.locator("#reassign-summary #to")).to_have_text("赵监察")
    expect(head.locator("#reassign-summary #reason")).to_have_text("张监察外出办案，改由赵监察办理")
    shot(head, "team_reassign_confirm")
    head.click("#confirm-reassign")
    head.wait_for_url(re.compile(r"/team\?msg=reassigned"))
    expect(head.locator("#flash")).to_contain_text("任务已改派")
    expect(head.locator(f"#task-{task.id}")).to_have_attribute("data-assignee", "inspector2")
    shot(head, "team_reassigned")

    colleague = new_page()
    login(colleague, server.url, "inspector2")
    colleague.goto(f"{server.url}/inbox?tab=mine")
    mine = colleague.locator(f"#task-{task.id}")
    expect(mine).to_be_visible()
    expect(mine).to_contain_text("立案调查")
    colleague.check("input[name=overdue]")
    colleague.click("#filter-form button[type=submit]")
    expect(colleague.locator(f"#task-{task.id}")).to_be_visible()  # the inbox's 仅已超期 finds it too
    shot(colleague, "team_reassigned_inbox")
    expect(colleague.locator("#bell .count")).to_have_text("1")


def test_an_inspector_has_no_team_link_and_is_refused_the_board(server, new_page):
    page = new_page()
    login(page, server.url, "inspector")
    expect(page.locator("#nav-team-link")).to_have_count(0)
    page.goto(f"{server.url}/team")
    expect(page.locator("main")).to_contain_text("只有科室负责人或局领导可以查看团队工作")
    shot(page, "team_forbidden")
