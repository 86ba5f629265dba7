"""The leader's dashboard in a real browser: from the navigation to the dashboard, every chart drawn (an
ECharts canvas), a click on a bar goes to the list behind it (the search page with the bar's filters), and a
chart's 查看列表 link too. The registrations are the precondition, made through the service.
The URL's parameters are the contract between the two pages (docs/roles.md "Lists behind figures"); the
list it opens shows the registrations the bar counted."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from workflow_app.domain.reports import rollups
from workflow_app.entrypoints.web.leadership import CHARTS

from .conftest import login, shot
from .test_web_ui import register_direct


def test_the_leader_opens_the_dashboard_and_clicks_through_to_the_list(server, new_page):
    for _ in range(3):
        register_direct(server, employer="郑州某看板测试有限公司")
    rollups.rebuild(server.db)  # what the worker does: the day buckets and the snapshots
    page = new_page()
    login(page, server.url, "leader")
    page.click("header nav a:has-text('统计看板')")
    page.wait_for_url(re.compile(r"/dashboard$"))
    for name, _title in CHARTS:
        card = page.locator(f"#card-{name}")
        # a chart is drawn (canvas) or, with nothing in the period, says so
        expect(card.locator("canvas, .chart-empty:not([hidden])").first).to_be_visible()
    expect(page.locator("#chart-district canvas")).to_be_visible()
    expect(page.locator("#chart-channel canvas")).to_be_visible()
    expect(page.locator("#chart-channel[data-drawn=true]")).to_have_count(1)
    expect(page.locator("#chart-district[data-drawn=true]")).to_have_count(1)
    shot(page, "dashboard-01-leader")
    page.locator("#card-overdue").scroll_into_view_if_needed()
    expect(page.locator("#chart-stage[data-drawn=true]")).to_have_count(1)
    expect(page.locator("#chart-overdue[data-drawn=true]")).to_have_count(1)
    # the snapshot charts say which instant they stand at; the live ones do not
    expect(page.locator("#card-stage .chart-asof")).to_have_text(re.compile(r"^数据截至 \d{4}-\d\d-\d\d \d\d:\d\d$"))
    expect(page.locator("#card-overdue .chart-asof")).to_be_visible()
    expect(page.locator("#card-channel .chart-asof")).to_be_hidden()
    shot(page, "dashboard-02-lower-charts")

    # click the 金水 bar of the district chart where ECharts drew it
    chart = page.locator("#chart-district")
    chart.scroll_into_view_if_needed()
    x, y, value_of_bar = page.evaluate("""() => {
        const chart = echarts.getInstanceByDom(document.getElementById('chart-district'));
        const value = chart.getOption().series[0].data[0].value;
        return [...chart.convertToPixel({seriesIndex: 0}, [0, value / 2]), value];
    }""")
    box = chart.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url(re.compile(r"/search\?"))
    url = urlsplit(page.url)
    assert url.path == "/search"
    assert parse_qs(url.query) == {"kind": ["complaints"], "district": ["zz-jinshui"], "from": ["2026-08-23"],
                                   "to": ["2026-11-20"]}
    expect(page.locator("#search-total")).to_contain_text(f"共 {value_of_bar} 条")
    shot(page, "dashboard-04-list-behind-the-bar")

    # the police chart's 查看列表 goes to the police transfer tracker
    page.go_back()
    page.wait_for_url(re.compile(r"/dashboard$"))
    page.locator("#card-police a.list-link").click()
    page.wait_for_url(re.compile(r"/police-transfers$"))


def test_the_dashboard_filters_by_month_and_district(server, new_page):
    page = new_page()
    login(page, server.url, "leader")
    page.goto(f"{server.url}/dashboard")
    page.fill("input[name=from]", "2026-10-01")
    page.select_option("select[name=grain]", "month")
    page.select_option("select[name=district]", "zz-jinshui")
    page.click("#dashboard-filters button[type=submit]")
    page.wait_for_url(re.compile(r"grain=month"))
    expect(page.locator("#chart-issue canvas")).to_be_visible()
    expect(page.locator("#chart-channel[data-drawn=true]")).to_have_count(1)
    href = page.locator("#card-channel a.xlsx-link").get_attribute("href")
    assert "from=2026-10-01" in href and "district=zz-jinshui" in href and "grain=month" in href
    shot(page, "dashboard-03-filtered")


def test_an_inspector_is_told_the_dashboard_is_not_theirs(server, new_page):
    page = new_page()
    login(page, server.url, "inspector")
    expect(page.locator("header nav a:has-text('统计看板')")).to_have_count(0)
    page.goto(f"{server.url}/dashboard")
    expect(page.locator("main")).to_contain_text("只有局领导和科室负责人可以查看统计看板")
