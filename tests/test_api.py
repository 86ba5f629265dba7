"""API surface: OpenAPI document, authentication, problem details, no 500 on malformed requests."""
from __future__ import annotations

from datetime import timedelta

from workflow_app.platform import clock
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.persistence.database import in_transaction


def test_openapi_document_and_docs(app):
    client = app.test_client()
    doc = client.get("/api/openapi.json")
    assert doc.status_code == 200
    paths = doc.json["paths"]
    for path in ("/api/tasks", "/api/tasks/{task_id}/claim", "/api/tasks/{task_id}/complete", "/api/deployments",
                 "/api/instances", "/api/processes", "/api/audit"):
        assert path in paths
    assert doc.json["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert client.get("/api/docs").status_code == 200


def test_authentication_failures_are_401_problems(app, db, as_user):
    client = app.test_client()
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic abc"},
                    {"Authorization": "Bearer cf_not-a-token"}):
        r = client.get("/api/tasks", headers=headers)
        assert r.status_code == 401 and r.mimetype == "application/problem+json"
        assert r.json["message"] == "请先登录" or r.json["message"] == "登录已失效，请重新登录"
    token, secret = in_transaction(db, lambda s: identity.create_token(s, "clerk", "short", days=1))
    auth = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/tasks", headers=auth).status_code == 200
    in_transaction(db, lambda s: identity.revoke_token(s, token.prefix))
    assert client.get("/api/tasks", headers=auth).status_code == 401
    _, secret = in_transaction(db, lambda s: identity.create_token(s, "clerk", "expiring", days=1))
    previous = clock.set_clock(clock.FrozenClock(clock.now() + timedelta(days=2)))
    try:
        assert client.get("/api/tasks", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    finally:
        clock.set_clock(previous)


def test_tokens_are_stored_hashed(db):
    from sqlalchemy import select
    from workflow_app.platform.persistence.models import ApiToken
    _, secret = in_transaction(db, lambda s: identity.create_token(s, "clerk", "x"))
    with db.transaction() as s:
        stored = s.scalars(select(ApiToken.token_hash)).all()
    assert secret not in stored and all(len(h) == 64 for h in stored)


def test_malformed_requests_never_500(as_user):
    c = as_user("admin")
    cases = [
        c.post("/api/instances", data="{not json", content_type="application/json"),
        c.post("/api/instances", json=[1, 2]),
        c.post("/api/instances", json={"process_key": 5, "business_key": None, "jurisdiction": {}}),
        c.post("/api/instances", json={"process_key": "inspection_case", "business_key": "x" * 500, "jurisdiction": "zz"}),
        c.post("/api/tasks/abc/complete", json={"data": "nope"}),
        c.post("/api/tasks/abc/assign", json={}),
        c.get("/api/tasks?page=-1"), c.get("/api/tasks?overdue=maybe"), c.get("/api/instances/999999"),
        c.get("/api/instances?status=weird"), c.put("/api/tasks"), c.get("/api/nothing-here"),
        c.post("/api/deployments", data={}, content_type="multipart/form-data"),
        c.get("/api/audit?instance_id=abc"),
    ]
    for r in cases:
        assert 400 <= r.status_code < 500, (r.status_code, r.get_data(as_text=True)[:200])
        assert r.mimetype == "application/problem+json"
        assert {"type", "title", "status", "detail", "message"} <= set(r.json)


def test_unauthenticated_requests_get_401_before_any_validation(app):
    """issue 11: anonymous callers got 422 (describing the request schema) before the 401."""
    import json
    client = app.test_client()
    deep = json.dumps(json.loads("[" * 40 + "]" * 40))
    requests = [
        client.post("/api/instances", json={"process_key": 5}),
        client.post("/api/instances", data="{not json", content_type="application/json"),
        client.post("/api/instances", data=deep, content_type="application/json"),
        client.post("/api/instances", data=b"x" * (2 * 1024 * 1024), content_type="application/json"),
        client.get("/api/tasks?page=-1&per_page=100000"),
        client.get("/api/audit?instance_id=abc"),
        client.post("/api/deployments", data={}, content_type="multipart/form-data"),
        client.post("/api/admin/users", json={}),
        client.post("/api/tasks/abc/complete", json={"data": "nope"}),
        client.post("/api/auth/tokens", json={"days": "many"}),
        client.post("/api/auth/password", json={}),
        client.get("/api/instances/99999999999999999999"),
        client.get("/api/nothing-here"),
        client.delete("/api/processes"),
        client.post("/api/tasks/abc/claim", headers={"Authorization": "Bearer cf_not-a-token"}),
        client.get("/api/tasks?page=x", headers={"Authorization": "Basic abc"}),
    ]
    for r in requests:
        assert r.status_code == 401, (r.request.path, r.status_code, r.get_data(as_text=True)[:200])
        assert r.mimetype == "application/problem+json" and "errors" not in r.json
    # only logging in, the health probes and the API description answer without a login
    assert client.get("/api/health").status_code == 200
    assert client.get("/api/openapi.json").status_code == 200
    assert client.get("/api/docs").status_code == 200
    assert client.post("/api/auth/login", json={}).status_code == 422
