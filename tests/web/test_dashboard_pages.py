"""The dashboard's pages (entrypoints/web/leadership.py): the page and its filters, each chart's JSON with the
link behind every point, the .xlsx export read back (formula injection neutralised), who is refused, and
bad input answered without a 500."""
from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook

from tests.intake.helpers import id_number, uscc
from tests.services import support
from tests.test_web import _login
from workflow_app.entrypoints.web.leadership import CHARTS

PERIOD = "from=2026-11-01&to=2026-11-30"


@pytest.fixture
def seeded(db):
    for n, channel in ((1, "window"), (2, "window"), (3, "phone_12333")):
        support.register(db, "wage_arrears", channel=channel, employer={"uscc": uscc(n), "name": f"郑州某{n}号有限公司"},
                         complainant={"id_number": id_number(n)})


def test_the_leader_sees_the_dashboard_with_every_chart_and_its_links(app, seeded):
    client, _ = _login(app, "leader")
    page = client.get("/dashboard")
    assert page.status_code == 200
    text = page.text
    assert "统计看板" in text and "/vendor/echarts/dist/echarts.min.js" in text
    for name, _title in CHARTS:
        assert f'data-chart="{name}"' in text and f"/dashboard/{name}.xlsx?" in text
    assert text.count("查看列表") == len(CHARTS)
    assert "金水区人力资源和社会保障局" in text  # the district filter
    assert 'href="/dashboard"' in client.get("/inbox").text  # the nav link


def test_the_channel_chart_links_each_slice_to_the_search_with_its_filters(as_user, seeded):
    chart = as_user("leader").get(f"/dashboard/channel.json?{PERIOD}").get_json()
    assert chart["type"] == "pie" and chart["categories"] == ["窗口接待", "12333电话"]
    window = chart["series"][0]["data"][0]
    assert window["value"] == 2
    link = urlsplit(window["link"])
    assert link.path == "/search"
    assert parse_qs(link.query) == {"kind": ["complaints"], "channel": ["window"], "from": ["2026-11-01"],
                                    "to": ["2026-11-30"]}


def test_every_chart_answers_json_for_the_leader(as_user, seeded):
    leader = as_user("leader")
    for name, _title in CHARTS:
        answer = leader.get(f"/dashboard/{name}.json?{PERIOD}&grain=month")
        assert answer.status_code == 200, name
        chart = answer.get_json()
        assert chart["table"]["headers"] and chart["title"]
    police = leader.get(f"/dashboard/police.json?{PERIOD}").get_json()
    assert police["series"][0]["data"][0]["link"] == "/police-transfers?step=requested"
    overdue = leader.get(f"/dashboard/overdue.json?{PERIOD}").get_json()
    assert {p["link"] for s in overdue["series"] for p in s["data"]} == {"/team?overdue=1"}


def test_the_export_reads_back_with_the_chart_s_figures(as_user, seeded):
    answer = as_user("leader").get(f"/dashboard/channel.xlsx?{PERIOD}")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(answer.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0].startswith("投诉举报来源渠道 2026-11-01 — 2026-11-30")
    assert rows[1:] == [["来源渠道", "件数"], ["窗口接待", 2], ["12333电话", 1]]


def test_the_export_stores_text_that_looks_like_a_formula_as_text():
    from workflow_app.domain.reports.export import table_xlsx
    sheet = load_workbook(io.BytesIO(table_xlsx("测试", ["名称", "件数"], [["=1+1", 3], ["@SUM(A1)", 1]]))).active
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=3)] == [["'=1+1", 3], ["'@SUM(A1)", 1]]


def test_a_division_head_sees_their_body_only(as_user, seeded):
    chart = as_user("head").get(f"/dashboard/stage.json?{PERIOD}").get_json()
    assert chart["categories"] == ["劳动保障监察"]
    assert sum(p["value"] for s in chart["series"] for p in s["data"]) == 3


@pytest.mark.parametrize("username", ["inspector", "admin", "clerk"])
def test_officers_and_administrators_are_refused_in_chinese(app, as_user, username):
    client, _ = _login(app, username)
    page = client.get("/dashboard")
    assert page.status_code == 403 and "只有局领导和科室负责人可以查看统计看板" in page.text
    assert 'href="/dashboard"' not in client.get("/inbox").text
    assert as_user(username).get("/dashboard/channel.json").status_code == 403
    assert as_user(username).get("/dashboard/channel.xlsx").status_code == 403


@pytest.mark.parametrize("query", ["from=2026-13-01", "from=yesterday", "from=2026-11-30&to=2026-11-01",
                                   "grain=day", "district=zz-erqi", "from=2020-01-01&to=2026-11-30"])
def test_bad_filters_are_answered_with_a_message_not_a_500(as_user, query):
    answer = as_user("leader").get(f"/dashboard?{query}")
    assert 400 <= answer.status_code < 500
    assert as_user("leader").get(f"/dashboard/channel.json?{query}").status_code < 500


def test_an_unknown_chart_is_404(as_user):
    assert as_user("leader").get("/dashboard/salaries.json").status_code == 404
    assert as_user("leader").get("/dashboard/salaries.xlsx").status_code == 404


def test_the_dashboard_in_english(app, seeded):
    client, _ = _login(app, "leader")
    client.get("/lang/en")
    assert "Dashboard" in client.get("/dashboard").text
    chart = client.get(f"/dashboard/channel.json?{PERIOD}").get_json()
    assert chart["title"] == "Complaints by channel" and chart["categories"][0] == "At the window"


def test_the_snapshot_charts_say_which_instant_they_stand_at(app, as_user, seeded, db):
    from workflow_app.domain.reports import rollups
    leader = as_user("leader")
    assert leader.get(f"/dashboard/stage.json?{PERIOD}").get_json()["as_of_text"] is None  # live until a snapshot
    before = leader.get(f"/dashboard/stage.json?{PERIOD}").get_json()["series"]
    rollups.rebuild(db)
    stage = leader.get(f"/dashboard/stage.json?{PERIOD}").get_json()
    assert stage["as_of_text"] == "数据截至 2026-11-20 10:00" and stage["series"] == before
    assert leader.get(f"/dashboard/overdue.json?{PERIOD}").get_json()["as_of_text"] == "数据截至 2026-11-20 10:00"
    assert leader.get(f"/dashboard/channel.json?{PERIOD}").get_json()["as_of_text"] is None
    sheet = load_workbook(io.BytesIO(leader.get(f"/dashboard/overdue.xlsx?{PERIOD}").data)).active
    assert "2026-11-01 — 2026-11-30 数据截至 2026-11-20 10:00" in sheet["A1"].value
