"""Administration pages (entrypoints/web/admin.py) and /me/tokens, on both databases: administrators only,
each change audited, invalid input answered in Chinese with nothing changed."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

from sqlalchemy import func, select

from tests.test_web import _login
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.persistence.models import AuditEvent, CalendarYear, Certificate, User

FIXTURE = Path(__file__).resolve().parents[1] / "deadlines" / "fixtures" / "TEST_FIXTURE_calendar_2027.json"


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _count(db, model, *where):
    return in_transaction(db, lambda s: s.scalar(select(func.count()).select_from(model).where(*where)))


def _actions(db, actor="admin"):
    return in_transaction(db, lambda s: [a for a, in s.execute(select(AuditEvent.action).where(AuditEvent.actor == actor))])


def test_non_administrators_are_refused_in_chinese(app):
    client, _ = _login(app, "inspector")
    for path in ("/admin", "/admin/users", "/admin/groups", "/admin/certificates", "/admin/calendar", "/admin/numbering"):
        answer = client.get(path)
        assert answer.status_code == 403 and "只有系统管理员可以执行此操作" in answer.text, path
    token = _token(client.get("/me/tokens").text)
    answer = client.post("/admin/users", data={"csrf_token": token, "username": "x1", "display_name": "某", "password": "Abcdef12345x"})
    assert answer.status_code == 403
    assert "系统管理" not in client.get("/inbox").text and "我的令牌" in client.get("/inbox").text


def test_an_administrator_creates_a_user_and_invalid_input_changes_nothing(app, db):
    client, _ = _login(app, "admin")
    page = client.get("/admin/users").text
    assert "系统管理" in page and "新建用户" in page
    token = _token(page)
    form = {"csrf_token": token, "username": "newbie", "display_name": "新同事", "groups": "zz-jinshui/inspection/inspector"}
    weak = client.post("/admin/users", data={**form, "password": "short1"})
    assert weak.status_code == 422 and "密码不符合要求" in weak.text and 'value="newbie"' in weak.text
    duplicate = client.post("/admin/users", data={**form, "username": "inspector", "password": "Zq8-caseflow-ok"})
    assert duplicate.status_code == 409 and "用户名 inspector 已存在" in duplicate.text
    assert _count(db, User, User.username == "newbie") == 0
    done = client.post("/admin/users", data={**form, "password": "Zq8-caseflow-ok"})
    assert done.status_code == 303 and done.headers["Location"].startswith("/admin/users/newbie")
    page = client.get(done.headers["Location"]).text
    assert "用户已创建" in page and "新同事" in page and "劳动保障监察员" in page
    assert {"user.create", "membership.add"} <= set(_actions(db))
    listing = client.get("/admin/users?q=新同").text
    assert "newbie" in listing and "inspector2" not in listing


def test_deactivate_unlock_and_reset_password(app, db):
    client, _ = _login(app, "admin")
    token = _token(client.get("/admin/users/inspector2").text)
    assert client.post("/admin/users/inspector2/active", data={"csrf_token": token, "active": "0"}).status_code == 303
    assert "已停用" in client.get("/admin/users/inspector2?msg=deactivated").text
    assert client.post("/admin/users/inspector2/active", data={"csrf_token": token, "active": "1"}).status_code == 303
    assert client.post("/admin/users/inspector2/unlock", data={"csrf_token": token}).status_code == 303
    weak = client.post("/admin/users/inspector2/password", data={"csrf_token": token, "mode": "set", "password": "inspector2abc1"})
    assert weak.status_code == 422 and "密码不能包含用户名" in weak.text
    answer = client.post("/admin/users/inspector2/password", data={"csrf_token": token, "mode": "generate"})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="one-time-password".*?<code>([^<]+)</code>', answer.text, re.S).group(1)
    other = app.test_client()
    login_page = other.get("/login").text
    assert other.post("/login", data={"csrf_token": _token(login_page), "username": "inspector2", "password": secret}).status_code == 302
    assert {"user.deactivate", "user.activate", "auth.unlock", "user.password"} <= set(_actions(db))
    # one's own account is not deactivated here
    mine = client.post("/admin/users/admin/active", data={"csrf_token": token, "active": "0"})
    assert mine.status_code == 403 and "不能停用自己的账户" in mine.text
    assert client.get("/admin/users/nobody-here").status_code == 404


def test_groups_members_and_certificates(app, db):
    client, _ = _login(app, "admin")
    page = client.get("/admin/groups?bureau=zz-jinshui").text
    assert "金水区人力资源和社会保障局·劳动保障监察·劳动保障监察员" in page
    token = _token(page)
    key = "zz-jinshui/inspection/division_head"
    assert client.post("/admin/groups/members", data={"csrf_token": token, "group": key, "username": "inspector2"}).status_code == 303
    assert "inspector2" in client.get("/admin/groups?bureau=zz-jinshui").text.split(f'data-group="{key}"')[1].split("</tr>")[0]
    missing = client.post("/admin/groups/members", data={"csrf_token": token, "group": key, "username": "ghost"})
    assert missing.status_code == 404 and "用户 ghost 不存在" in missing.text
    assert client.post("/admin/groups/members", data={"csrf_token": token, "group": key, "username": "inspector2",
                                                      "remove": "1"}).status_code == 303
    form = {"csrf_token": token, "username": "inspector2", "number": "豫ZZ-0001", "issuer": "郑州市人民政府",
            "issued_on": "2024-01-01", "expires_on": "2026-12-10"}
    bad = client.post("/admin/certificates", data={**form, "expires_on": "2023-01-01"})
    assert bad.status_code == 422 and "有效期截止日须晚于发证日" in bad.text
    assert client.post("/admin/certificates", data=form).status_code == 303
    listing = client.get("/admin/certificates?state=warning").text
    assert "豫ZZ-0001" in listing and "20 天内到期" in listing  # the frozen clock: 2026-11-20
    cert_id = in_transaction(db, lambda s: s.scalar(select(Certificate.id).where(Certificate.number == "豫ZZ-0001")))
    assert client.post(f"/admin/certificates/{cert_id}/revoke", data={"csrf_token": token}).status_code == 303
    assert "已注销" in client.get("/admin/certificates").text
    assert {"membership.add", "membership.remove", "certificate.add", "certificate.revoke"} <= set(_actions(db))


def _upload(client, token, data: bytes, name="calendar.json"):
    return client.post("/admin/calendar/preview", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_calendar_upload_preview_then_load(app, db):
    client, _ = _login(app, "admin")
    page = client.get("/admin/calendar").text
    assert "缺少以下年度的法定节假日数据：2027" in page
    token = _token(page)
    for data, message in ((b"not json", "日历数据不是有效的JSON"), (b"\xff\xfe\x00", "文件不是UTF-8编码的JSON文本"),
                          (json.dumps({"year": 2027}).encode(), "日历数据校验未通过")):
        answer = _upload(client, token, data)
        assert answer.status_code == 422 and message in answer.text, message
    preview = _upload(client, token, FIXTURE.read_bytes())
    assert preview.status_code == 200 and "导入预览：2027 年" in preview.text and "确认导入" in preview.text
    assert "2027-01-01 元旦" in preview.text
    assert _count(db, CalendarYear) == 0  # a preview stores nothing
    document = re.search(r'<textarea name="document" hidden>(.*?)</textarea>', preview.text, re.S).group(1)
    import html
    loaded = client.post("/admin/calendar/load", data={"csrf_token": token, "document": html.unescape(document)})
    assert loaded.status_code == 303
    page = client.get(loaded.headers["Location"]).text
    assert "节假日数据已导入" in page and 'data-year="2027" data-version="1"' in page
    assert "calendar.load" in _actions(db)
    again = _upload(client, token, FIXTURE.read_bytes())
    assert again.status_code == 409 and _count(db, CalendarYear) == 1


def test_numbering_patterns_are_validated_and_counters_kept(app, db):
    client, _ = _login(app, "admin")
    page = client.get("/admin/numbering?bureau=zz-jinshui").text
    assert "下一个编号" in page
    token = _token(page)
    kind = re.search(r'data-kind="([^"]+)" data-bureau="zz-jinshui"', page).group(1)
    bad = client.post("/admin/numbering", data={"csrf_token": token, "kind": kind, "bureau_code": "zz-jinshui",
                                                "pattern": "{bureau_short}-{seq}"})
    assert bad.status_code == 422 and "编号格式必须包含年度 {year}" in bad.text
    assert "numbering.set" not in _actions(db)
    good = client.post("/admin/numbering", data={"csrf_token": token, "kind": kind, "bureau_code": "zz-jinshui",
                                                 "pattern": "{bureau_short}测〔{year}〕{seq:04d}号", "bureau_short": "金水"})
    assert good.status_code == 303
    assert "金水测〔2026〕0001号" in client.get("/admin/numbering?bureau=zz-jinshui").text
    assert "numbering.set" in _actions(db)


def test_my_tokens_for_every_user(app, db):
    client, _ = _login(app, "inspector")
    page = client.get("/me/tokens").text
    token = _token(page)
    empty = client.post("/me/tokens", data={"csrf_token": token, "name": "", "days": "90"})
    assert empty.status_code == 422 and "令牌名称不能为空" in empty.text
    created = client.post("/me/tokens", data={"csrf_token": token, "name": "数据对接", "days": "30"})
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="token-secret">([^<]+)<', created.text).group(1)
    assert app.test_client().get("/api/tasks", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    token_id = int(re.search(r'数据对接</td>.*?/me/tokens/(\d+)/revoke', created.text, re.S).group(1))
    assert secret not in client.get("/me/tokens").text  # shown once
    assert client.post(f"/me/tokens/{token_id}/revoke", data={"csrf_token": token}).status_code == 303
    assert app.test_client().get("/api/tasks", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert client.post("/me/tokens/999999/revoke", data={"csrf_token": token}).status_code == 404
    assert {"token.create", "token.revoke"} <= set(_actions(db, "inspector"))


def test_the_administration_pages_in_english(app):
    client, _ = _login(app, "admin")
    client.set_cookie("caseflow_lang", "en")
    for path, text in (("/admin", "Administration"), ("/admin/users", "New user"), ("/admin/calendar", "Public holidays"),
                       ("/admin/certificates", "Enforcement certificates"), ("/admin/numbering", "Next number"),
                       ("/me/tokens", "Create a token")):
        page = client.get(path).text
        assert text in page, path
    assert "新建用户" not in client.get("/admin/users").text
