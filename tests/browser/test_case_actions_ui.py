"""The case page's action bar in a real browser (docs/ui.md "Case actions"), through the UI only: the inspector
transfers a case to arbitration from the case page; the inspection liaison officer packages it; arbitration's
liaison officer finds the incoming transfer in the inbox and accepts it; an arbitrator finds the new case in
the group inbox. Then an emergency from the bar and 挂牌督办 by the city's leader.

Preconditions only go through services: the registration, the city leader's account, and the worker's
delivery of the transfer messages (``support.deliver_messages``)."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.services import support

from .conftest import login, shot
from .test_files_ui import open_case_of
from .test_transfer_files_ui import open_task
from .test_web_ui import register_direct


def test_transfer_from_the_case_page_reaches_the_arbitrators_group_inbox(server, new_page):
    register_direct(server, employer="郑州某操作栏移送测试有限公司")
    inspector = new_page()
    login(inspector, server.url, "inspector")
    open_case_of(inspector, server, "操作栏移送测试")
    bar = inspector.locator("#case-actions")
    expect(bar).to_be_visible()
    expect(bar.locator("[data-action=supervision]")).to_have_count(0)  # the inspector never supervises
    shot(inspector, "case-actions-01-bar")
    bar.locator("a[data-action=transfer]").click()
    inspector.wait_for_url(re.compile(r"/actions/transfer$"))
    # invalid first: nothing chosen, the form comes back with the Chinese reason
    inspector.click("#submit-action")
    expect(inspector.locator("#action-error")).to_contain_text("请选择接收机构")
    inspector.select_option("#a-target", label="金水区人力资源和社会保障局 · 劳动人事争议仲裁")
    inspector.fill("#a-reason", "经初步调查属于劳动争议，应由仲裁院处理")
    inspector.fill("#a-materials", "投诉登记表\n询问笔录")
    shot(inspector, "case-actions-02-transfer-form")
    inspector.click("#submit-action")
    inspector.wait_for_url(re.compile(r"/cases/\d+\?msg=request_started"))
    expect(inspector.locator("#flash")).to_contain_text("已提交，待本机构联络员审核后发出")
    row = inspector.locator("#case-transfers tr[data-transfer]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("待联络员审核")
    number = row.get_attribute("data-transfer")
    expect(inspector.locator("[data-action=transfer].disabled")).to_contain_text("本案已有一件移送在办理中")
    expect(inspector.locator("ol.timeline")).to_contain_text("发起移送")
    shot(inspector, "case-actions-03-requested")

    liaison = new_page()
    login(liaison, server.url, "liaison")
    open_task(liaison, server, number)
    liaison.check("input[name=send][value=true]")
    expect(liaison.locator("input[name='materials[0]']")).to_have_value("投诉登记表")
    liaison.fill("textarea[name=letter]", "兹将本案移送贵单位依法处理，请于三个工作日内签收。")
    liaison.click("#complete")
    liaison.wait_for_url(re.compile(r"/inbox\?msg=completed"))
    support.deliver_messages(server.db)  # the worker's job

    receiver = new_page()
    login(receiver, server.url, "arb_liaison")
    receiver.goto(f"{server.url}/inbox?tab=group")
    expect(receiver.locator(f"tr[data-business-key='{number}-收']")).to_be_visible()
    shot(receiver, "case-actions-04-incoming")
    open_task(receiver, server, f"{number}-收")
    receiver.check("input[name=decision][value=accept]")
    receiver.fill("textarea[name=ack_note]", "材料齐全，予以签收")
    receiver.click("#complete")
    receiver.wait_for_url(re.compile(r"/inbox\?msg=completed"))
    support.deliver_messages(server.db)

    arbitrator = new_page()
    login(arbitrator, server.url, "arbitrator")
    arbitrator.goto(f"{server.url}/inbox?tab=group&employer=操作栏移送测试")
    expect(arbitrator.locator("tr[data-business-key]").first).to_be_visible()
    expect(arbitrator.locator("main")).to_contain_text("操作栏移送测试")
    shot(arbitrator, "case-actions-05-arbitrator-inbox")

    inspector.reload()
    expect(inspector.locator("#case-transfers tr[data-transfer]")).to_contain_text("已接收")


def test_emergency_and_supervision_from_the_action_bar(server, new_page):
    register_direct(server, employer="郑州某操作栏应急测试有限公司")

    inspector = new_page()
    login(inspector, server.url, "inspector")
    open_case_of(inspector, server, "操作栏应急测试")
    case_url = inspector.url
    inspector.click("#case-actions a[data-action=emergency]")
    inspector.check("input[name=kind][value=mass_incident]")
    inspector.fill("#a-description", "三十余名工人聚集讨薪")
    shot(inspector, "case-actions-06-emergency-form")
    inspector.click("#submit-action")
    inspector.wait_for_url(re.compile(r"msg=emergency_declared"))
    expect(inspector.locator("#flash")).to_contain_text("已认定为应急突发案件")
    expect(inspector.locator("h1 .badge.urgent")).to_contain_text("紧急")

    leader = new_page()
    login(leader, server.url, "leader_city")
    leader.goto(case_url)
    expect(leader.locator("#case-actions a[data-action=transfer]")).to_have_count(0)
    leader.click("#case-actions a[data-action=supervision]")
    leader.fill("#a-reason", "涉及农民工讨薪，市局挂牌督办")
    leader.select_option("#a-deadline", "15WD")
    leader.click("#submit-action")
    leader.wait_for_url(re.compile(r"msg=supervised"))
    expect(leader.locator("#supervised-badge")).to_be_visible()
    expect(leader.locator("#supervision-note")).to_contain_text("市局挂牌督办")
    expect(leader.locator("[data-action=supervision].disabled")).to_contain_text("本案已在挂牌督办中")
    shot(leader, "case-actions-07-supervised")
