"""Personal data: masked in lists, exports and logs; full values only for entitled roles, every reveal audited."""
from __future__ import annotations

import logging

import pytest

from workflow_app.platform.personal_data import reveal as personal_data
from workflow_app.platform.identifiers import masking

from .conftest import TEST_NOW, open_task, start

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
    assert masking.mask_text(text) == masked


def test_mask_data_by_key_and_by_content():
    data = {"complainant_id_number": ID, "complainant": {"phone": PHONE, "name": "张三"},
            "notes": [f"回电{PHONE}"], "amount": 5000, "contact_phone": None}
    out = masking.mask_data(data)
    assert out == {"complainant_id_number": "4101**********1234",
                   "complainant": {"phone": "138****5678", "name": "张三"},
                   "notes": ["回电138****5678"], "amount": 5000, "contact_phone": None}
    assert data["complainant_id_number"] == ID  # the input is not changed


def test_log_records_are_masked(caplog):
    masking.install_log_masking()
    with caplog.at_level(logging.INFO):
        logging.getLogger("caseflow.test").info("registered %s with phone %s", ID, PHONE)
    assert ID not in caplog.text and PHONE not in caplog.text
    assert "4101**********1234" in caplog.text and "138****5678" in caplog.text


@pytest.fixture
def case(client_for, freeze_clock):
    freeze_clock(TEST_NOW)
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


# issue 11: these formats were stored unmasked in the append-only audit trail.
MASKING_TABLE = [
    # ID numbers: spaced, dashed, prefixed, full-width, legacy 15 digits, check character X
    ("身份证 4101 0519 9001 0112 34", "身份证 4101**********1234"),
    ("身份证410105-19900101-1234", "身份证4101**********1234"),
    ("ID4101051990010112 34", "ID4101**********1234"),
    ("ID410105199001011234", "ID4101**********1234"),
    ("身份证号：410105 19900101 123X", "身份证号：4101**********123X"),
    ("身份证４１０１０５１９９００１０１１２３４。", "身份证4101**********1234。"),
    ("证件号 4101.0519.9001.0112.34", "证件号 4101**********1234"),
    ("旧证410105900101123", "旧证4101*******1123"),
    ("身份证号：9999 9999 9999 9999 99", "身份证号：9999**********9999"),  # announced, masked even if odd
    # mobiles: grouped any way, brackets, dots, full-width, zero-width characters, country prefixes
    ("电话1390 371 0000", "电话139****0000"),
    ("电话(139)0371-0000", "电话139****0000"),
    ("电话（139）0371－0000，", "电话139****0000，"),
    ("手机１３９０３７１００００", "手机139****0000"),
    ("手机139.0371.0000", "手机139****0000"),
    ("手机139\u200b0371\u200b0000", "手机139****0000"),
    ("联系 +86 139 0371 0000", "联系 139****0000"),
    ("联系0086-139-0371-0000", "联系139****0000"),
    ("联系(+86)13903710000", "联系139****0000"),
    ("回电(13903710000)", "回电(139****0000)"),
    ("13812345678、13903710000", "138****5678、139****0000"),
    # landlines: area code with space, dashes, brackets, +86 without the trunk 0
    ("座机0371 67881234", "座机0371-67****34"),
    ("座机0371-6788-1234", "座机0371-67****34"),
    ("座机(0371)6788 1234", "座机0371-67****34"),
    ("座机（０３７１）６７８８１２３４", "座机0371-67****34"),
    ("座机+86 371 6788 1234", "座机0371-67****34"),
    ("北京010 6788 1234转123", "北京010-67****34转123"),
    # not personal numbers: left exactly as written
    ("金额 12000 9000 7000 26000 元", "金额 12000 9000 7000 26000 元"),
    ("受理日期 2026-11-20 09:00，共3人，欠薪18600元", "受理日期 2026-11-20 09:00，共3人，欠薪18600元"),
    ("统一社会信用代码 91410100MA44XY1234", "统一社会信用代码 91410100MA44XY1234"),
    ("任务 3f2a1b4c-1234-4bcd-9def-123456789012", "任务 3f2a1b4c-1234-4bcd-9def-123456789012"),
    ("（一）全角标点，不变。", "（一）全角标点，不变。"),
]


@pytest.mark.parametrize("text,masked", MASKING_TABLE)
def test_mask_text_formats(text, masked):
    assert masking.mask_text(text) == masked


def test_personal_keys_mask_grouped_values_in_compact_form():
    out = masking.mask_data({"id_number": "4101 0519 9001 0112 34", "phone": "(139)0371-0000",
                                   "contact_phone": "0371 6788 1234", "mobile": "１３９０３７１００００"})
    assert out == {"id_number": "4101**********1234", "phone": "139****0000", "contact_phone": "0371-67****34",
                   "mobile": "139****0000"}


#: The digits that must never be stored: an ID number, a mobile and a landline.
SECRETS = ("410105199001011234", "13903710000", "037167881234", "67881234")


def _leaks(value) -> list[str]:
    """Secrets found in any string inside ``value``, however they are written."""
    import re
    import unicodedata
    if isinstance(value, dict):
        return [leak for v in list(value.values()) + list(value.keys()) for leak in _leaks(v)]
    if isinstance(value, list):
        return [leak for v in value for leak in _leaks(v)]
    if not isinstance(value, str):
        return []
    compact = re.sub(r"[^0-9X]", "", unicodedata.normalize("NFKC", value).upper())
    return [s for s in SECRETS if s in compact]


def test_the_stored_audit_trail_holds_no_unmasked_number(client_for, browser, db, freeze_clock):
    """Every format above, sent through the API into the trail, is stored masked (rows read directly)."""
    from sqlalchemy import select
    from workflow_app.platform.persistence.models import AuditEvent
    freeze_clock(TEST_NOW)
    texts = [text for text, _ in MASKING_TABLE[:26]]
    case = start(client_for("admin"), business_key="PD-FORMATS", complainant_phone="(139)0371-0000",
                 complainant_id_number="4101 0519 9001 0112 34", notes=texts,
                 complainant={"name": "张三", "tel": "0371 6788 1234", "remark": "身份证410105-19900101-1234"})
    task = open_task(case)
    inspector = client_for("inspector")
    assert inspector.post(f"/api/tasks/{task['id']}/claim").status_code == 200
    for text in texts:
        assert inspector.post(f"/api/tasks/{task['id']}/comments", json={"body": text}).status_code == 201
    r = inspector.post(f"/api/tasks/{task['id']}/complete",
                       json={"data": {"accepted": True, "acceptance_opinion": "；".join(texts)}})
    assert r.status_code == 200, r.json
    # a failed login records the name as typed: people type their phone or ID number
    for typed in ("1390 371 0000", "410105199001011234"):
        assert browser().login(typed, "wrong-password-1").status_code == 401
    with db.transaction() as s:
        rows = s.scalars(select(AuditEvent)).all()
        assert len(rows) > len(texts)
        leaks = [(row.id, row.action, leak) for row in rows
                 for leak in _leaks([row.actor, row.entity_id, row.business_key, row.before, row.after, row.detail])]
    assert leaks == []
    # and the API shows the masked forms
    trail = client_for("admin").get(f"/api/audit?instance_id={case['id']}&per_page=200").text
    assert "139****0000" in trail and "4101**********1234" in trail and "0371-67****34" in trail


def test_log_output_is_masked_in_extras_and_tracebacks(caplog):
    masking.install_log_masking()
    with caplog.at_level(logging.INFO):
        log = logging.getLogger("caseflow.test")
        log.info("caller %s", "1390 371 0000", extra={"path": "/x/410105199001011234"})
        try:
            raise ValueError("bad phone (139)0371-0000")
        except ValueError:
            log.exception("failed for 0371 67881234")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s %(path)s"))
    record = caplog.records[0]
    assert handler.format(record) == "caller 139****0000 /x/4101**********1234"
    assert not _leaks(caplog.text) and "0371-67****34" in caplog.text and "139****0000" in caplog.text
