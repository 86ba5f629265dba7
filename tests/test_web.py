"""Web interface without a browser: vendor allow-list, login CSRF, page CSRF, saved filters, form parsing."""
from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from workflow_app.entrypoints import demo
from workflow_app.entrypoints.web.form_renderer import form_fields, parse_form_data
from workflow_app.entrypoints.web.intake import parse_registration


def _login(app, username):
    app.config["CASEFLOW_COOKIE_SECURE"] = False
    client = app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = client.post("/login", data={"csrf_token": token, "username": username, "password": demo.DEMO_PASSWORD})
    assert answer.status_code == 302, answer.text
    csrf = re.search(r'X-CSRF-Token": "([^"]+)"', client.get("/inbox").text).group(1)
    return client, csrf


def test_vendor_serves_only_allow_listed_files(app):
    client = app.test_client()
    assert client.get("/vendor/htmx.org/dist/htmx.min.js").status_code == 200
    assert client.get("/vendor/swagger-ui-dist/swagger-ui-bundle.js").status_code == 200
    for path in ("/vendor/htmx.org/package.json", "/vendor/bpmn-js/../htmx.org/dist/htmx.min.js",
                 "/vendor/left-pad/index.js", "/vendor/bpmn-js/dist/bpmn-modeler.development.js"):
        assert client.get(path).status_code == 404, path
    assert "/vendor/swagger-ui-dist/" in client.get("/api/docs").text


def test_pages_need_login_and_login_form_needs_its_token(app):
    app.config["CASEFLOW_COOKIE_SECURE"] = False
    client = app.test_client()
    answer = client.get("/inbox")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    refused = client.post("/login", data={"username": "clerk", "password": demo.DEMO_PASSWORD})
    assert refused.status_code == 403 and "caseflow_session" not in (refused.headers.get("Set-Cookie") or "")


def test_state_changing_page_requests_need_the_csrf_token_and_filters_are_shared(app):
    client, csrf = _login(app, "inspector")
    assert client.post("/inbox/filters", data={"name": "x", "query": "tab=group"}).status_code == 403
    ok = client.post("/inbox/filters", headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
                     data={"name": "超期案件", "query": "tab=group&overdue=1&evil=1",
                           "shared_group": "zz-jinshui/inspection/inspector"})
    assert ok.status_code == 200 and "已保存" in ok.text
    other, _csrf = _login(app, "inspector2")
    listing = other.get("/inbox/filters").text
    assert "超期案件" in listing and "overdue=1" in listing and "evil" not in listing
    stranger, csrf3 = _login(app, "auditor")
    assert "超期案件" not in stranger.get("/inbox/filters").text
    bad = client.post("/inbox/filters", headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
                      data={"name": "y", "query": "", "shared_group": "zz/bureau/administrator"})
    assert bad.status_code == 403


def test_form_rendering_and_parsing_follow_schema_and_ui_hints():
    form = {"schema": {"type": "object", "properties": {
        "accepted": {"type": "boolean"}, "days": {"type": "integer"}, "kind": {"type": "string", "enum": ["a", "b"]},
        "on": {"type": "string", "format": "date"}, "note": {"type": "string", "maxLength": 2000}},
        "required": ["accepted"]},
        "ui": {"order": ["kind", "accepted"], "labels": {"accepted": "是否受理"}, "enumLabels": {"kind": {"a": "甲"}}}}
    fields = {f["name"]: f for f in form_fields(form, {"accepted": True})}
    assert list(fields)[:2] == ["kind", "accepted"]
    assert fields["accepted"]["widget"] == "radio" and fields["accepted"]["value"] == "true"
    assert fields["accepted"]["label"] == "是否受理" and fields["accepted"]["required"]
    assert fields["kind"]["widget"] == "select" and ("a", "甲") in fields["kind"]["options"]
    assert fields["on"]["widget"] == "date" and fields["note"]["widget"] == "textarea"
    data = parse_form_data(form, MultiDict({"accepted": "false", "days": "3", "kind": "", "note": "x"}))
    assert data == {"accepted": False, "days": 3, "note": "x"}


def test_registration_form_becomes_the_api_document():
    data = parse_registration(MultiDict({
        "kind": "complaint", "complainant.name": "张三", "employer.project.type": "housing",
        "claims[0].code": "wage_arrears", "claims[0].amount": "10.5", "claims[1].code": "", "workers_affected": "3",
        "facts_clear": "1", "violation_ongoing": "1", "received_at": "2026-11-20T09:30"}))
    assert data["complainant"] == {"name": "张三"} and data["employer"] == {"project": {"type": "housing"}}
    assert data["claims"] == [{"code": "wage_arrears", "amount": 10.5}] and data["workers_affected"] == 3
    assert data["facts_clear"] is True and data["evidence_sufficient"] is False and data["violation_ongoing"] is True
    assert data["received_at"] == "2026-11-20T09:30:00+08:00"


def test_registration_page_survives_conflicting_field_shapes(app):
    """A hand-made POST with both ``employer`` and ``employer.name`` gets the form back with messages, not a 500."""
    client, csrf = _login(app, "clerk")
    for form in ({"employer": "x", "employer.name": "某公司"}, {"complainant": "x", "complainant.anonymous": "1"},
                 {"employer": "x", "employer.uscc_confirmed": "1"}):
        r = client.post("/intake/register", data=form, headers={"X-CSRF-Token": csrf})
        assert r.status_code in (200, 422), (form, r.status_code)
        assert "统一社会信用代码" in r.text or "请填写" in r.text
    assert parse_registration(MultiDict({"employer": "x", "employer.name": "某公司"}))["employer"] == {"name": "某公司"}


#: ``next`` values (as sent in the query string) that must never leave the site, nor end in a 500.
HOSTILE_NEXT = ["%2F%09%2Fevil.example", "//evil.example", "/\\evil.example", "%2F%5Cevil.example",
                "https://evil.example", "https:evil.example", "javascript:alert(1)", "%2F%2Fevil.example",
                "/%2F%2Fevil.example", "/%252F%252Fevil.example", "%0D%0ALocation:%20https://evil.example",
                "/inbox%0D%0ASet-Cookie:%20x=1", "/inbox%0A", "%20//evil.example", "/%09/evil.example",
                "%E2%80%A8//evil.example", "inbox", ""]


def _location(response) -> str:
    return response.headers.get("Location", "")


def test_language_switch_redirects_only_to_same_site_paths(app):
    """issue 11: /lang/zh_CN?next=%2F%09%2Fevil.example answered Location: //evil.example; CR/LF gave a 500."""
    app.config["CASEFLOW_COOKIE_SECURE"] = False
    client = app.test_client()
    for value in HOSTILE_NEXT:
        r = client.get(f"/lang/zh_CN?next={value}")
        assert r.status_code == 302 and _location(r) == "/", (value, r.status_code, _location(r))
    r = client.get("/lang/en?next=%2Finbox%3Ftab%3Dmine")
    assert r.status_code == 302 and _location(r) == "/inbox?tab=mine"


def test_login_redirects_only_to_same_site_paths(app):
    app.config["CASEFLOW_COOKIE_SECURE"] = False
    for value in HOSTILE_NEXT + ["%2Finbox%3Ftab%3Dmine"]:
        client = app.test_client()
        page = client.get(f"/login?next={value}")
        assert page.status_code == 200, value
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        r = client.post(f"/login?next={value}", data={"csrf_token": token, "username": "clerk",
                                                      "password": demo.DEMO_PASSWORD})
        expected = "/inbox?tab=mine" if value == "%2Finbox%3Ftab%3Dmine" else "/"
        assert r.status_code == 302 and _location(r) == expected, (value, r.status_code, _location(r))


def test_safe_next_accepts_only_same_site_paths():
    from workflow_app.platform.identity.web_login import safe_next
    for url in ("/\t/evil.example", "//evil", "/\\evil", "\\\\evil", "https://evil", "/a\r\nb", "/a\nb", "/\x00",
                "/%0d%0a", " /inbox", "/inbox ", "/\u2028", "/\u200b/evil", None, 5, "", "/" + "a" * 3000,
                "/%20//evil", "/inbox?q=%0d%0a", "/a%09b"):
        assert safe_next(url) == "/", url
    for url in ("/", "/inbox?tab=mine&overdue=1", "/cases/12", "/intake/complaints?q=%E5%BC%A0", "/cases/by-number/金〔2026〕1号",
                "/inbox?employer=%E6%9F%90%20%E5%85%AC%E5%8F%B8"):
        assert safe_next(url) == url
