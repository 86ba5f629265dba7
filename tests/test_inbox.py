"""The task inbox over the API: rows, filters, claim race, assignment, delegation, completion, audit."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest


@pytest.fixture(autouse=True)
def _monday_morning(freeze_clock):
    """Cases here are received 10–20 Nov 2026; at this moment none of their deadlines or reminders is due."""
    from datetime import datetime, timedelta, timezone
    freeze_clock(datetime(2026, 11, 16, 8, 0, tzinfo=timezone(timedelta(hours=8))))


def open_task(instance):
    return next(t for t in instance["tasks"] if t["status"] == "open")


def test_ready_task_becomes_an_inbox_row_with_every_field(start_case, as_user):
    case = start_case(urgent=True, employer_name="郑州某建筑公司")
    row = open_task(case)
    assert row["candidate_group"] == "zz-jinshui/inspection/inspector"
    assert (row["bureau"], row["body"], row["role"]) == ("zz-jinshui", "inspection", "inspector")
    assert row["assignee"] is None and row["owner"] is None
    assert row["priority"] == 80  # urgent, from the task's priority expression
    assert row["due_at"].startswith("2026-11-27T15:59:59")  # 5 WD after receipt (RULES §4), end of day, in UTC
    assert row["created_at"] and row["business_key"] == case["business_key"]
    assert row["employer_name"] == "郑州某建筑公司" and row["summary"] == "受理审查：郑州某建筑公司"
    assert (row["process_key"], row["process_name"], row["name"]) == ("inspection_case", "劳动保障监察案件", "受理审查")


def test_group_of_the_case_jurisdiction_only(start_case, as_user):
    start_case(jurisdiction="zz-erqi")  # another district: not the 金水区 inspector's group
    mine = start_case()
    inspector = as_user("inspector")
    rows = inspector.get("/api/tasks?scope=group").json
    assert [r["business_key"] for r in rows["items"]] == [mine["business_key"]] and rows["total"] == 1


def test_filters_sorting_and_pagination(start_case, as_user):
    cases = [start_case(urgent=(i % 2 == 0), employer_name=f"单位{i}",
                        received_at=f"2026-11-{10 + i:02d}T09:00:00+08:00") for i in range(5)]
    head = as_user("head")  # supervisor of 金水区 inspection: sees all of its tasks
    all_rows = head.get("/api/tasks").json
    assert all_rows["total"] == 5
    # default sort: priority desc, then due date
    assert [r["priority"] for r in all_rows["items"]] == [80, 80, 80, 50, 50]
    dues = [r["due_at"] for r in all_rows["items"][:3]]
    assert dues == sorted(dues)
    page = head.get("/api/tasks?per_page=2&page=2&sort=due_at").json
    assert page["total"] == 5 and len(page["items"]) == 2
    by_due = head.get("/api/tasks?sort=due_at").json["items"]
    assert [r["id"] for r in by_due[2:4]] == [r["id"] for r in page["items"]]
    assert head.get("/api/tasks?priority_min=80").json["total"] == 3
    assert head.get(f"/api/tasks?business_key={cases[1]['business_key']}").json["total"] == 1
    assert head.get("/api/tasks?employer=单位").json["total"] == 5  # employer filters on the case's employer
    assert head.get("/api/tasks?due_before=2026-11-19T00:00:00%2B08:00").json["total"] == 2
    assert head.get("/api/tasks?due_after=2026-11-19T00:00:00%2B08:00").json["total"] == 3
    assert head.get("/api/tasks?process_key=si_audit_case").json["total"] == 0
    assert head.get("/api/tasks?body=inspection").json["total"] == 5
    assert head.get("/api/tasks?status=completed").json["total"] == 0
    r = head.get("/api/tasks?sort=password")
    assert r.status_code == 422 and "sort" in r.json["errors"]
    assert head.get("/api/tasks?due_before=yesterday").status_code == 422
    assert head.get("/api/tasks?per_page=100000").status_code == 422


def test_claim_unclaim_and_mine(start_case, as_user):
    task = open_task(start_case())
    inspector, other = as_user("inspector"), as_user("inspector2")
    r = inspector.post(f"/api/tasks/{task['id']}/claim")
    assert r.status_code == 200 and r.json["assignee"] == "inspector"
    assert inspector.get("/api/tasks?scope=mine").json["total"] == 1
    assert other.get("/api/tasks?scope=group").json["total"] == 0
    r = other.post(f"/api/tasks/{task['id']}/claim")
    assert r.status_code == 409 and r.json["holder"] == "inspector"
    assert "张监察（inspector）" in r.json["message"]
    assert other.post(f"/api/tasks/{task['id']}/unclaim").status_code == 403
    assert inspector.post(f"/api/tasks/{task['id']}/unclaim").json["assignee"] is None
    assert other.post(f"/api/tasks/{task['id']}/claim").status_code == 200


def test_exactly_one_of_many_concurrent_claimers_wins(app, start_case, db):
    from tests.conftest import ApiClient
    from workflow_app.platform.identity import directory as identity
    from workflow_app.platform.persistence.database import in_transaction
    task = open_task(start_case())
    names = [f"racer{i}" for i in range(12)]

    def make_users(s):
        for name in names:
            identity.create_user(s, name, name)
            identity.add_membership(s, name, "zz-jinshui/inspection/inspector")
    in_transaction(db, make_users)
    tokens = {}
    for name in names:
        _, tokens[name] = in_transaction(db, lambda s, n=name: identity.create_token(s, n, "race"))
    barrier = threading.Barrier(len(names))

    def claim(name):
        client = app.test_client()
        barrier.wait()
        r = client.post(f"/api/tasks/{task['id']}/claim", headers={"Authorization": f"Bearer {tokens[name]}"})
        return name, r.status_code, r.get_json()

    with ThreadPoolExecutor(len(names)) as pool:
        results = list(pool.map(claim, names))
    winners = [n for n, code, _ in results if code == 200]
    assert len(winners) == 1, results
    losers = [body for _, code, body in results if code != 200]
    assert all(b["status"] == 409 and b["holder"] == winners[0] for b in losers)


def test_complete_validates_form_and_changes_nothing_on_error(start_case, as_user):
    case = start_case()
    task = open_task(case)
    inspector, admin = as_user("inspector"), as_user("admin")
    r = inspector.post(f"/api/tasks/{task['id']}/complete", json={"data": {}})
    assert r.status_code == 409 and "认领" in r.json["message"]  # must claim first
    inspector.post(f"/api/tasks/{task['id']}/claim")
    r = inspector.post(f"/api/tasks/{task['id']}/complete",
                       json={"data": {"accepted": "yes", "acceptance_opinion": "x", "jurisdiction": "zz-erqi"}})
    assert r.status_code == 422
    errors = r.json["errors"]
    assert errors["accepted"] == "是否受理应为是/否"
    assert errors["acceptance_opinion"] == "受理意见至少2个字"
    assert errors["jurisdiction"] == "表单中没有字段“jurisdiction”"
    r = inspector.post(f"/api/tasks/{task['id']}/complete", json={"data": {"accepted": False, "acceptance_opinion": "不符合"}})
    assert r.status_code == 422 and r.json["errors"] == {"refusal_reason": "请填写不予受理理由"}
    after = admin.get(f"/api/instances/{case['id']}").json
    assert after["lock_version"] == case["lock_version"] and open_task(after)["status"] == "open"
    r = inspector.post(f"/api/tasks/{task['id']}/complete", json={"data": {"accepted": True, "acceptance_opinion": "符合受理条件"}})
    assert r.status_code == 200 and r.json["status"] == "completed" and r.json["completed_by"] == "inspector"
    after = admin.get(f"/api/instances/{case['id']}").json
    assert [t["name"] for t in after["tasks"] if t["status"] == "open"] == ["立案调查"]
    assert inspector.post(f"/api/tasks/{task['id']}/complete", json={"data": {}}).status_code == 409


def test_supervisor_assigns_and_reassigns(start_case, as_user):
    task = open_task(start_case())
    head, inspector = as_user("head"), as_user("inspector")
    r = inspector.post(f"/api/tasks/{task['id']}/assign", json={"username": "inspector2"})
    assert r.status_code == 403
    r = head.post(f"/api/tasks/{task['id']}/assign", json={"username": "clerk"})
    assert r.status_code == 422 and "username" in r.json["errors"]  # not in the candidate group
    r = head.post(f"/api/tasks/{task['id']}/assign", json={"username": "nobody"})
    assert r.status_code == 422
    r = head.post(f"/api/tasks/{task['id']}/assign", json={"username": "inspector"})
    assert r.status_code == 200 and r.json["assignee"] == "inspector"
    version = r.json["row_version"]
    r = head.post(f"/api/tasks/{task['id']}/assign", json={"username": "inspector2", "expected_version": version - 1})
    assert r.status_code == 409  # stale view: no silent overwrite
    r = head.post(f"/api/tasks/{task['id']}/assign", json={"username": "inspector2", "expected_version": version})
    assert r.status_code == 200 and r.json["assignee"] == "inspector2"
    r = head.post(f"/api/tasks/{task['id']}/assign", json={"username": None})
    assert r.status_code == 200 and r.json["assignee"] is None


def test_delegate_and_resolve_keep_the_owner_accountable(start_case, as_user):
    task = open_task(start_case())
    inspector, helper = as_user("inspector"), as_user("inspector2")
    inspector.post(f"/api/tasks/{task['id']}/claim")
    r = inspector.post(f"/api/tasks/{task['id']}/delegate", json={"username": "inspector2"})
    assert r.status_code == 200
    assert (r.json["owner"], r.json["assignee"], r.json["delegation_state"]) == ("inspector", "inspector2", "pending")
    assert inspector.get("/api/tasks?scope=owned").json["total"] == 1
    r = helper.post(f"/api/tasks/{task['id']}/complete", json={"data": {"accepted": True, "acceptance_opinion": "好的"}})
    assert r.status_code == 409  # a delegate resolves, the owner completes
    r = helper.post(f"/api/tasks/{task['id']}/resolve", json={"data": {"acceptance_opinion": "建议受理", "bogus": 1}})
    assert r.status_code == 422 and "bogus" in r.json["errors"]
    r = helper.post(f"/api/tasks/{task['id']}/resolve", json={"data": {"acceptance_opinion": "建议受理"}})
    assert r.status_code == 200
    assert (r.json["assignee"], r.json["delegation_state"]) == ("inspector", "resolved")
    assert inspector.get(f"/api/tasks/{task['id']}").json["draft"] == {"acceptance_opinion": "建议受理"}
    r = inspector.post(f"/api/tasks/{task['id']}/complete", json={"data": {"accepted": True, "acceptance_opinion": "建议受理"}})
    assert r.status_code == 200


def test_comments_and_audit_trail(start_case, as_user):
    case = start_case()
    task = open_task(case)
    inspector, admin = as_user("inspector"), as_user("admin")
    inspector.post(f"/api/tasks/{task['id']}/claim")
    assert inspector.post(f"/api/tasks/{task['id']}/comments", json={"body": ""}).status_code == 422
    r = inspector.post(f"/api/tasks/{task['id']}/comments", json={"body": "已电话联系投诉人"})
    assert r.status_code == 201
    assert [c["body"] for c in inspector.get(f"/api/tasks/{task['id']}/comments").json] == ["已电话联系投诉人"]
    inspector.post(f"/api/tasks/{task['id']}/unclaim")
    events = admin.get(f"/api/audit?instance_id={case['id']}").json["items"]
    actions = [e["action"] for e in events]
    assert actions == ["instance.start", "clock.start", "task.claim", "task.comment", "task.unclaim"]
    claim = events[2]
    assert claim["actor"] == "inspector" and claim["before"]["assignee"] is None and claim["after"]["assignee"] == "inspector"
    assert claim["occurred_at"]
    # others see the audit only of a case they can see
    assert as_user("clerk").get("/api/audit").status_code == 403


def test_tasks_of_others_are_invisible_and_unknown_ids_are_404(start_case, as_user):
    task = open_task(start_case())
    clerk = as_user("clerk")
    for path in (f"/api/tasks/{task['id']}", f"/api/tasks/{task['id']}/comments"):
        assert clerk.get(path).status_code == 404
    assert clerk.post(f"/api/tasks/{task['id']}/claim").status_code == 404
    assert clerk.get("/api/tasks").json["total"] == 0
    assert as_user("inspector").get("/api/tasks/not-a-task").status_code == 404
    assert as_user("inspector").post("/api/tasks/" + "x" * 300 + "/claim").status_code == 404


def test_a_draft_is_shown_to_its_holder_only(start_case, as_user):
    task = open_task(start_case())
    inspector, colleague = as_user("inspector"), as_user("inspector2")
    inspector.post(f"/api/tasks/{task['id']}/claim")
    assert inspector.put(f"/api/tasks/{task['id']}/draft", json={"data": {"acceptance_opinion": "草稿意见"}}).status_code == 200
    assert inspector.get(f"/api/tasks/{task['id']}").json["draft"] == {"acceptance_opinion": "草稿意见"}
    assert colleague.get(f"/api/tasks/{task['id']}").json["draft"] is None
    assert "草稿意见" not in colleague.get(f"/tasks/{task['id']}").get_data(as_text=True)


def test_a_draft_stays_its_authors_when_a_colleague_takes_the_returned_task(start_case, as_user):
    task = open_task(start_case())
    inspector, colleague = as_user("inspector"), as_user("inspector2")
    inspector.post(f"/api/tasks/{task['id']}/claim")
    inspector.put(f"/api/tasks/{task['id']}/draft", json={"data": {"acceptance_opinion": "张的草稿"}})
    assert inspector.post(f"/api/tasks/{task['id']}/unclaim").status_code == 200
    assert colleague.post(f"/api/tasks/{task['id']}/claim").status_code == 200
    assert colleague.get(f"/api/tasks/{task['id']}").json["draft"] is None
    assert "张的草稿" not in colleague.get(f"/tasks/{task['id']}").get_data(as_text=True)
    colleague.put(f"/api/tasks/{task['id']}/draft", json={"data": {"acceptance_opinion": "李的草稿"}})
    assert colleague.get(f"/api/tasks/{task['id']}").json["draft"] == {"acceptance_opinion": "李的草稿"}


def test_a_completed_task_reads_as_its_decision_on_the_task_and_case_pages(start_case, as_user):
    instance = start_case()
    task = open_task(instance)
    inspector = as_user("inspector")
    inspector.post(f"/api/tasks/{task['id']}/claim")
    r = inspector.post(f"/api/tasks/{task['id']}/complete",
                       json={"data": {"accepted": True, "acceptance_opinion": "事实清楚，予以受理"}})
    assert r.status_code == 200
    page = inspector.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert 'class="decision"' in page and "事实清楚，予以受理" in page and 'id="task-form"' not in page
    case = inspector.get(f"/cases/{task['instance_id']}").get_data(as_text=True)
    assert "决定与意见" in case and "事实清楚，予以受理" in case
