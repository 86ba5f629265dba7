"""The task inbox (``platform/tasks/inbox.py``): claim, unclaim, assign, delegate, resolve, drafts, comments,
the inbox queries and their filters."""
from __future__ import annotations

import pytest

from tests.services import support
from workflow_app.platform.errors import Conflict, Forbidden, Invalid, NotFound
from workflow_app.platform.tasks import inbox
from workflow_app.platform.tasks.inbox import TaskFilter

ACCEPTED = {"accepted": True, "acceptance_opinion": "符合受理条件"}


@pytest.fixture
def acceptance(db):
    """The open acceptance task (受理审查) of a freshly started 金水区 inspection case."""
    case = support.start(db, business_key="T00001")
    return support.task(db, case.business_key)


def listed(db, who, flt: TaskFilter, **kw):
    with db.transaction() as s:
        rows, total = inbox.list_tasks(s, who, flt, **kw)
        return [r.business_key for r in rows], total


def test_a_new_task_waits_unclaimed_in_the_group_of_the_cases_jurisdiction(acceptance):
    assert (acceptance.name, acceptance.status, acceptance.assignee) == ("受理审查", "open", None)
    assert acceptance.candidate_group == "zz-jinshui/inspection/inspector"
    assert (acceptance.bureau, acceptance.body, acceptance.role) == ("zz-jinshui", "inspection", "inspector")


def test_claiming_assigns_the_task_to_the_claimer(db, who, acceptance):
    with db.transaction() as s:
        row = inbox.claim(s, who("inspector"), acceptance.id)
    assert row.assignee == "inspector" and row.claimed_at is not None


def test_a_claimed_task_cannot_be_claimed_by_another_user(db, who, acceptance):
    support.claim(db, "inspector", acceptance.id)
    with pytest.raises(Conflict) as raised, db.transaction() as s:
        inbox.claim(s, who("inspector2"), acceptance.id)
    assert raised.value.extra["holder"] == "inspector"
    assert "张监察（inspector）" in raised.value.message


def test_claiming_ones_own_task_again_changes_nothing(db, who, acceptance):
    first = support.claim(db, "inspector", acceptance.id)
    with db.transaction() as s:
        again = inbox.claim(s, who("inspector"), acceptance.id)
    assert (again.assignee, again.row_version) == ("inspector", first.row_version)


def test_someone_who_sees_the_task_but_is_not_of_its_group_cannot_claim_it(db, who, acceptance):
    with pytest.raises(Forbidden), db.transaction() as s:
        inbox.claim(s, who("admin"), acceptance.id)  # administrators read, they do not work tasks


def test_a_task_of_another_body_is_not_found_rather_than_forbidden(db, who, acceptance):
    with pytest.raises(NotFound), db.transaction() as s:
        inbox.claim(s, who("clerk"), acceptance.id)


def test_an_unknown_task_id_is_not_found(db, who):
    with pytest.raises(NotFound), db.transaction() as s:
        inbox.claim(s, who("inspector"), "x" * 300)


def test_unclaiming_returns_the_task_to_the_group(db, who, acceptance):
    support.claim(db, "inspector", acceptance.id)
    with db.transaction() as s:
        row = inbox.unclaim(s, who("inspector"), acceptance.id)
    assert row.assignee is None
    assert support.claim(db, "inspector2", acceptance.id).assignee == "inspector2"


def test_only_the_assignee_or_a_supervisor_unclaims(db, who, acceptance):
    support.claim(db, "inspector", acceptance.id)
    with pytest.raises(Forbidden), db.transaction() as s:
        inbox.unclaim(s, who("inspector2"), acceptance.id)
    with db.transaction() as s:
        assert inbox.unclaim(s, who("head"), acceptance.id).assignee is None


def test_a_supervisor_assigns_a_task_to_a_member_of_its_group(db, who, acceptance):
    with db.transaction() as s:
        row = inbox.assign(s, who("head"), acceptance.id, "inspector2")
    assert row.assignee == "inspector2"


def test_an_officer_who_does_not_supervise_cannot_assign(db, who, acceptance):
    with pytest.raises(Forbidden), db.transaction() as s:
        inbox.assign(s, who("inspector"), acceptance.id, "inspector2")


def test_a_task_cannot_be_assigned_outside_its_candidate_group(db, who, acceptance):
    with pytest.raises(Invalid) as raised, db.transaction() as s:
        inbox.assign(s, who("head"), acceptance.id, "clerk")
    assert raised.value.extra["errors"] == {"username": "该用户不在候选组中"}


def test_a_task_cannot_be_assigned_to_an_unknown_user(db, who, acceptance):
    with pytest.raises(Invalid) as raised, db.transaction() as s:
        inbox.assign(s, who("head"), acceptance.id, "nobody")
    assert raised.value.extra["errors"] == {"username": "用户不存在"}


def test_assigning_from_a_stale_view_is_a_conflict(db, who, acceptance):
    with db.transaction() as s:
        seen = inbox.assign(s, who("head"), acceptance.id, "inspector").row_version
    with pytest.raises(Conflict) as raised, db.transaction() as s:
        inbox.assign(s, who("head"), acceptance.id, "inspector2", expected_version=seen - 1)
    assert raised.value.extra["current_version"] == seen
    with db.transaction() as s:
        assert inbox.assign(s, who("head"), acceptance.id, "inspector2", expected_version=seen).assignee == "inspector2"


def test_assigning_nobody_returns_the_task_to_the_group(db, who, acceptance):
    support.claim(db, "inspector", acceptance.id)
    with db.transaction() as s:
        assert inbox.assign(s, who("head"), acceptance.id, None).assignee is None


def test_delegating_hands_the_work_on_and_keeps_the_assignee_accountable_as_owner(db, who, acceptance):
    support.claim(db, "inspector", acceptance.id)
    with db.transaction() as s:
        row = inbox.delegate(s, who("inspector"), acceptance.id, "inspector2")
    assert (row.owner, row.assignee, row.delegation_state) == ("inspector", "inspector2", "pending")


def test_delegation_stays_inside_the_tasks_body(db, who, acceptance):
    support.claim(db, "inspector", acceptance.id)
    with pytest.raises(Invalid) as raised, db.transaction() as s:
        inbox.delegate(s, who("inspector"), acceptance.id, "clerk")
    assert raised.value.extra["errors"] == {"username": "只能委派给本机构的同事"}


def test_only_the_assignee_delegates(db, who, acceptance):
    support.claim(db, "inspector", acceptance.id)
    with pytest.raises(Forbidden), db.transaction() as s:
        inbox.delegate(s, who("inspector2"), acceptance.id, "head")


def test_resolving_a_delegation_gives_the_task_back_to_its_owner_with_a_draft(db, who, acceptance):
    support.claim(db, "inspector", acceptance.id)
    with db.transaction() as s:
        inbox.delegate(s, who("inspector"), acceptance.id, "inspector2")
    with db.transaction() as s:
        row = inbox.resolve(s, who("inspector2"), acceptance.id, {"acceptance_opinion": "建议受理"})
    assert (row.assignee, row.delegation_state) == ("inspector", "resolved")
    assert row.draft == '{"acceptance_opinion": "建议受理"}'


def test_a_resolved_draft_may_not_contain_fields_the_form_lacks(db, who, acceptance):
    support.claim(db, "inspector", acceptance.id)
    with db.transaction() as s:
        inbox.delegate(s, who("inspector"), acceptance.id, "inspector2")
    with pytest.raises(Invalid) as raised, db.transaction() as s:
        inbox.resolve(s, who("inspector2"), acceptance.id, {"acceptance_opinion": "建议受理", "bogus": 1})
    assert "bogus" in raised.value.extra["errors"]


def test_a_draft_may_be_incomplete_but_only_the_assignee_saves_it(db, who, acceptance):
    support.claim(db, "inspector", acceptance.id)
    with db.transaction() as s:
        row = inbox.save_draft(s, who("inspector"), acceptance.id, {"acceptance_opinion": "草稿"})
    assert row.draft == '{"acceptance_opinion": "草稿"}'  # "accepted" (required) is still missing
    with pytest.raises(Forbidden), db.transaction() as s:
        inbox.save_draft(s, who("inspector2"), acceptance.id, {"acceptance_opinion": "草稿"})


def test_comments_are_listed_in_the_order_they_were_written(db, who, acceptance):
    with db.transaction() as s:
        inbox.add_comment(s, who("inspector"), acceptance.id, "已电话联系投诉人")
        inbox.add_comment(s, who("head"), acceptance.id, "  请尽快核实  ")
    with db.transaction() as s:
        comments = inbox.comments(s, who("inspector2"), acceptance.id)
    assert [(c.author, c.body) for c in comments] == [("inspector", "已电话联系投诉人"), ("head", "请尽快核实")]


def test_an_empty_comment_is_refused(db, who, acceptance):
    with pytest.raises(Invalid) as raised, db.transaction() as s:
        inbox.add_comment(s, who("inspector"), acceptance.id, "   ")
    assert "body" in raised.value.extra["errors"]


def test_the_group_scope_lists_the_unclaimed_tasks_of_my_groups_only(db, who):
    support.start(db, business_key="ERQI-1", jurisdiction="zz-erqi")
    mine = support.start(db, business_key="JINSHUI-1")
    assert listed(db, who("inspector"), TaskFilter(scope="group")) == ([mine.business_key], 1)
    support.claim(db, "inspector2", support.task(db, mine.business_key).id)
    assert listed(db, who("inspector"), TaskFilter(scope="group")) == ([], 0)


def test_the_mine_scope_lists_the_tasks_assigned_to_me(db, who):
    first, second = support.start(db, business_key="A-1"), support.start(db, business_key="A-2")
    support.claim(db, "inspector", support.task(db, second.business_key).id)
    assert listed(db, who("inspector"), TaskFilter(scope="mine")) == (["A-2"], 1)
    assert listed(db, who("inspector2"), TaskFilter(scope="mine")) == ([], 0)


def test_urgent_cases_come_first_by_default(db, who):
    support.start(db, business_key="CALM", urgent=False)
    support.start(db, business_key="URGENT", urgent=True)
    keys, _ = listed(db, who("head"), TaskFilter())
    assert keys == ["URGENT", "CALM"]


def test_the_inbox_filters_by_priority_employer_and_process(db, who):
    support.start(db, business_key="B-1", urgent=True, employer_name="郑州某建筑公司")
    support.start(db, business_key="B-2", urgent=False, employer_name="某餐饮公司")
    head = who("head")
    assert listed(db, head, TaskFilter(priority_min=80)) == (["B-1"], 1)
    assert listed(db, head, TaskFilter(employer="建筑")) == (["B-1"], 1)
    assert listed(db, head, TaskFilter(employer="%")) == ([], 0)  # LIKE wildcards are literal
    assert listed(db, head, TaskFilter(process_key="si_audit_case")) == ([], 0)


def test_the_inbox_pages_through_a_total(db, who):
    for n in range(3):
        support.start(db, business_key=f"P-{n}")
    keys, total = listed(db, who("head"), TaskFilter(), sort="business_key", page=2, per_page=2)
    assert (keys, total) == (["P-2"], 3)


def test_an_unknown_sort_field_is_invalid(db, who):
    with pytest.raises(Invalid) as raised, db.transaction() as s:
        inbox.list_tasks(s, who("head"), TaskFilter(), sort="password")
    assert "sort" in raised.value.extra["errors"]
