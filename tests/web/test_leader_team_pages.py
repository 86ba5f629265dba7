"""The city-district leader's team board (docs/ui.md "Team board") through the Flask test client, on both
databases: 吴局长 supervises the whole 金水 bureau (``access`` supervisors: leadership supervises its bureau),
so /team groups the open tasks of every body's people, one group per person, where a division head sees
only the people of the head's own body."""
from __future__ import annotations

import re

import pytest

from tests.services import support
from tests.test_web import _login


@pytest.fixture
def bureau_tasks(db):
    """Open tasks of three bodies of 金水, each held by another person, and one left unassigned: the case
    number of each, by who holds its task (``None``: unassigned)."""
    held = {}
    for username, claim in (("inspector", "wage_arrears"), ("auditor", "si_fraud"),
                            ("arbitrator", "labor_relation_confirmation")):
        number = next(iter(support.open_cases(db, claim).values()))["number"]
        support.claim(db, username, support.tasks(db, number)[0].id)
        held[username] = number
    support.start(db, business_key="LT0001", employer_name="郑州某领导看板测试有限公司")
    support.claim(db, "inspector2", support.task(db, "LT0001").id)
    held["inspector2"] = "LT0001"
    support.start(db, business_key="LT0002")
    held[None] = "LT0002"
    return held


def _groups(html: str) -> dict[str, str]:
    """The team board's person groups: data-person -> the group's header text (tags dropped)."""
    heads = re.findall(r'<tbody class="person-group" data-person="([^"]+)">\s*<tr class="group-head">(.*?)</tr>',
                       html, re.S)
    return {person: re.sub(r"<[^>]+>", "", head).strip() for person, head in heads}


def test_the_leader_sees_every_body_of_the_bureau_by_person(app, bureau_tasks):
    leader, _ = _login(app, "leader")
    page = leader.get("/team")
    assert page.status_code == 200
    for number in bureau_tasks.values():
        assert number in page.text, number
    groups = _groups(page.text)
    assert {"inspector", "inspector2", "auditor", "arbitrator"} <= set(groups)
    assert groups["auditor"].startswith("刘稽核") and groups["arbitrator"].startswith("陈仲裁")
    assert groups["inspector2"].startswith("赵监察") and "1 项" in groups["inspector2"]
    # The scope is the bureau itself, not one of its bodies.
    assert re.search(r"范围：(<[^>]+>)?金水区人力资源和社会保障局<", page.text), re.findall(r"范围.{0,80}", page.text)
    # Every person of the bureau has a workload row, the unassigned too.
    for person in ("inspector", "auditor", "arbitrator", "head", "si_head", "arb_head"):
        assert f'<tr data-person="{person}">' in page.text, person

    audit_only = leader.get("/team?person=auditor").text
    assert bureau_tasks["auditor"] in audit_only and bureau_tasks["inspector"] not in audit_only
    assert set(_groups(audit_only)) == {"auditor"}


def test_a_division_head_sees_only_the_own_body(app, bureau_tasks):
    head, _ = _login(app, "head")
    page = head.get("/team").text
    assert bureau_tasks["inspector"] in page and bureau_tasks["inspector2"] in page
    assert bureau_tasks["auditor"] not in page and bureau_tasks["arbitrator"] not in page
    assert "auditor" not in _groups(page)


def test_the_leaders_board_in_english(app, bureau_tasks):
    leader, _ = _login(app, "leader")
    leader.set_cookie("caseflow_lang", "en")
    page = leader.get("/team").text
    groups = _groups(page)
    assert groups["inspector2"] == "赵监察 (1)"  # the person's name is data; the count reads as English
    assert "Scope: " in page and "Scope：" not in page
    assert "Workload per person" in page
