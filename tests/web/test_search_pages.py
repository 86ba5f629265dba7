"""The search page (/search) and the paged complaints list (/intake/complaints) without a browser: filters
from the query string, the kind switch, paging links, the top bar's box, masked complainants, and bad
parameters answered with a Chinese message instead of an error page (docs/ui.md "Search")."""
from __future__ import annotations

import re

import pytest

from tests.intake.helpers import id_number, uscc
from tests.services import support
from workflow_app.entrypoints import demo


def login(app, username):
    app.config["CASEFLOW_COOKIE_SECURE"] = False
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    answer = client.post("/login", data={"csrf_token": token, "username": username, "password": demo.DEMO_PASSWORD})
    assert answer.status_code == 302, answer.text
    return client


@pytest.fixture
def registered(db):
    """Three registrations of one employer and one of another, at the 金水 window."""
    docs = [support.register(db, "wage_arrears", received_at=f"2026-11-1{n}T09:00:00+08:00",
                             employer={"name": "郑州宏达建筑有限公司", "uscc": uscc(20 + n)},
                             complainant={"name": f"赵{n}", "id_number": id_number(20 + n), "phone": "13812345678"})
            for n in range(3)]
    docs.append(support.register(db, "dismissal_dispute", received_at="2026-11-19T09:00:00+08:00",
                                 employer={"name": "郑州某餐饮有限公司", "uscc": uscc(30)},
                                 complainant={"name": "钱七", "id_number": id_number(30), "phone": "13900001111"}))
    return docs


def test_the_search_page_filters_by_employer_and_masks_the_complainant(app, registered):
    page = login(app, "clerk").get("/search?employer=宏达").text
    assert "共 3 条" in page and "郑州某餐饮有限公司" not in page
    assert all(doc["number"] in page for doc in registered[:3])
    assert "138****5678" in page and "13812345678" not in page and id_number(20) not in page


def test_the_kind_switch_lists_cases_linking_to_their_case_pages(app, registered):
    page = login(app, "clerk").get("/search?kind=cases&employer=宏达").text
    case = registered[0]["cases"][0]
    assert f'href="/cases/{case["instance_id"]}"' in page and case["number"] in page
    assert 'href="/search?employer=%E5%AE%8F%E8%BE%BE&amp;kind=complaints"' in page  # back to 投诉举报, filters kept


def test_pages_link_to_each_other_and_count_everything(app, registered):
    client = login(app, "clerk")
    first = client.get("/search?employer=宏达&page_size=2").text
    assert "共 3 条" in first and "第 1 / 2 页" in first and "下一页" in first and "上一页" not in first
    assert registered[2]["number"] in first and registered[0]["number"] not in first  # newest first
    second = client.get("/search?employer=宏达&page_size=2&page=2").text
    assert "第 2 / 2 页" in second and "上一页" in second and registered[0]["number"] in second


def test_the_top_bars_keyword_finds_a_credit_code(app, registered):
    client = login(app, "clerk")
    assert 'action="/search"' in client.get("/inbox").text
    page = client.get(f"/search?q={uscc(30)}").text
    assert "共 1 条" in page and registered[3]["number"] in page


@pytest.mark.parametrize("query, message", [
    ("from=2026-02-30", "日期格式应为 YYYY-MM-DD"), ("page=0", "页码应为正整数"),
    ("body=tax_office", "未知的办理机构"), ("kind=cases&status=routed", "未知的状态"),
])
def test_bad_parameters_show_a_chinese_message_and_the_form_again(app, query, message):
    answer = login(app, "clerk").get(f"/search?{query}")
    assert answer.status_code == 422 and message in answer.text and 'id="search-form"' in answer.text


def test_a_search_without_results_says_so(app, registered):
    page = login(app, "clerk").get("/search?employer=不存在的单位").text
    assert "共 0 条" in page and "没有符合条件的记录" in page


def test_nobody_finds_what_they_may_not_see(app, registered):
    page = login(app, "arbitrator").get("/search?kind=cases").text
    assert "共 1 条" in page and registered[3]["cases"][0]["number"] in page
    assert registered[0]["cases"][0]["number"] not in page  # inspection's case


def test_the_complaints_list_is_paged(app, db, registered):
    client = login(app, "clerk")
    page = client.get("/intake/complaints").text
    assert "共 4 条" in page and all(doc["number"] in page for doc in registered)
    beyond = client.get("/intake/complaints?page=2").text
    assert "本页没有记录" in beyond
    assert client.get("/intake/complaints?page=0").status_code == 422


def test_the_search_page_reads_in_english(app, registered):
    client = login(app, "clerk")
    client.set_cookie("caseflow_lang", "en")
    page = client.get("/search?from=bad").text
    assert "Search conditions" in page or "search conditions" in page
    assert "日期格式应为" not in page
