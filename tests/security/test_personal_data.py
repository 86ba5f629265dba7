"""Personal data: masked in lists, exports and logs; full values only for entitled roles, every reveal audited."""
from __future__ import annotations

import logging

import pytest

from workflow_app.services import personal_data

from .conftest import open_task, start

ID = "410105199001011234"
PHONE = "13812345678"


@pytest.mark.parametrize("text,masked", [
    (f"投诉人身份证{ID}，电话{PHONE}", "投诉人身份证4101**********1234，电话138****5678"),
    ("联系 +86 138 1234 5678", "联系 138****5678"),
    ("座机 0371-67890123", "座机 0371-67****23"),
    ("金额 1381234567800 元", "金额 1381234567800 元"),  # a longer number is not a phone
    ("编号 410105199001011234X1", "编号 410105199001011234X1"),  # nor an ID inside a longer code
])
def test_mask_text(text, masked):
    assert personal_data.mask_text(text) == masked


def test_mask_data_by_key_and_by_content():
    data = {"complainant_id_number": ID, "complainant": {"phone": PHONE, "name": "张三"},
            "notes": [f"回电{PHONE}"], "amount": 5000, "contact_phone": None}
    out = personal_data.mask_data(data)
    assert out == {"complainant_id_number": "4101**********1234",
                   "complainant": {"phone": "138****5678", "name": "张三"},
                   "notes": ["回电138****5678"], "amount": 5000, "contact_phone": None}
    assert data["complainant_id_number"] == ID  # the input is not changed


def test_log_records_are_masked(caplog):
    personal_data.install_log_masking()
    with caplog.at_level(logging.INFO):
        logging.getLogger("caseflow.test").info("registered %s with phone %s", ID, PHONE)
    assert ID not in caplog.text and PHONE not in caplog.text
    assert "4101**********1234" in caplog.text and "138****5678" in caplog.text


@pytest.fixture
def case(client_for):
    return start(client_for("admin"), business_key="PD-1", complainant_id_number=ID, complainant_phone=PHONE,
                 complainant={"name": "张三", "id_number": ID})


def test_masked_view_and_audited_reveal(case, client_for):
    inspector = client_for("inspector")
    masked = inspector.get(f"/api/instances/{case['id']}/personal-data").json
    assert masked["masked"] is True
    assert masked["values"] == {"complainant_id_number": "4101**********1234", "complainant_phone": "138****5678",
                                "complainant.id_number": "4101**********1234"}
    r = inspector.post(f"/api/instances/{case['id']}/personal-data/reveal", json={"reason": "x"})
    assert r.status_code == 422 and "reason" in r.json["errors"]
    r = inspector.post(f"/api/instances/{case['id']}/personal-data/reveal",
                       json={"fields": ["complainant_id_number"], "reason": "回访投诉人核实身份"})
    assert r.status_code == 200 and r.json["values"] == {"complainant_id_number": ID}
    r = inspector.post(f"/api/instances/{case['id']}/personal-data/reveal",
                       json={"fields": ["employer_name"], "reason": "不是个人信息"})
    assert r.status_code == 422
    r = inspector.post(f"/api/instances/{case['id']}/personal-data/reveal", json={"reason": "全部查看"})
    assert r.json["values"] == {"complainant_id_number": ID, "complainant_phone": PHONE, "complainant.id_number": ID}
    events = client_for("admin").get(f"/api/audit?instance_id={case['id']}&entity_type=instance").json["items"]
    reveals = [e for e in events if e["action"] == "personal_data.reveal"]
    assert [(e["actor"], e["after"]["fields"]) for e in reveals] == [
        ("inspector", ["complainant_id_number"]),
        ("inspector", ["complainant.id_number", "complainant_id_number", "complainant_phone"])]
    assert reveals[0]["after"]["reason"] == "回访投诉人核实身份"
    full = client_for("admin").get(f"/api/audit?instance_id={case['id']}").text
    assert ID not in full and PHONE not in full  # the audit trail never stores the values


def test_reveal_is_refused_to_roles_without_entitlement(case, client_for):
    for role in ("leader", "admin"):
        r = client_for(role).post(f"/api/instances/{case['id']}/personal-data/reveal", json={"reason": "想看看"})
        assert r.status_code == 403, role
    assert client_for("auditor").post(f"/api/instances/{case['id']}/personal-data/reveal",
                                      json={"reason": "想看看"}).status_code == 404  # cannot see the case


def test_lists_comments_drafts_and_audit_are_masked(case, client_for):
    task = open_task(case)
    inspector = client_for("inspector")
    inspector.post(f"/api/tasks/{task['id']}/claim")
    assert inspector.post(f"/api/tasks/{task['id']}/comments",
                          json={"body": f"投诉人电话{PHONE}，身份证{ID}"}).status_code == 201
    comments = inspector.get(f"/api/tasks/{task['id']}/comments").json
    assert comments[0]["body"] == "投诉人电话138****5678，身份证4101**********1234"
    r = inspector.put(f"/api/tasks/{task['id']}/draft", json={"data": {"acceptance_opinion": f"已电话{PHONE}联系"}})
    assert r.status_code == 200
    detail = inspector.get(f"/api/tasks/{task['id']}").json
    assert detail["draft"] == {"acceptance_opinion": "已电话138****5678联系"}
    r = inspector.post(f"/api/tasks/{task['id']}/personal-data/reveal", json={"reason": "办理需要"})
    assert r.status_code == 200 and r.json["values"]["complainant_phone"] == PHONE
    r = inspector.post(f"/api/tasks/{task['id']}/complete",
                       json={"data": {"accepted": True, "acceptance_opinion": f"电话{PHONE}核实"}})
    assert r.status_code == 200
    trail = client_for("admin").get(f"/api/audit?instance_id={case['id']}").text
    assert PHONE not in trail and ID not in trail and "138****5678" in trail


def test_summaries_in_lists_are_masked(client_for):
    admin = client_for("admin")
    r = admin.post("/api/instances", json={
        "process_key": "inspection_case", "business_key": "PD-2", "jurisdiction": "zz-jinshui",
        "employer_name": "某公司", "summary": f"投诉人{PHONE}反映欠薪",
        "variables": {"urgent": False, "received_at": "2026-11-20T09:00:00+08:00", "employer_name": "某公司"}})
    assert r.status_code == 201
    listed = admin.get("/api/instances?business_key=PD-2").json["items"][0]
    assert listed["summary"] == "投诉人138****5678反映欠薪"
