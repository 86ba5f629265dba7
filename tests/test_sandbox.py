"""Hostile diagram text: refused at deploy time, or failing the step safely at run time.

Every case goes through the public API (deploy, then start a case); the server must keep answering.
"""
from __future__ import annotations

from xml.sax.saxutils import escape

import pytest

from tests.samples import form_bytes, simple, upload

ATTACKS = [
    # (label, script, expected phase, text expected in the reason)
    ("dunder walk to os", "x = ().__class__.__base__.__subclasses__()", "deploy", "__class__"),
    ("module internals", "x = date.__module__", "deploy", "__module__"),
    ("globals of a function", "x = parse_date.__globals__", "deploy", "__globals__"),
    ("import statement", "import os", "deploy", "import"),
    ("from import", "from os import system", "deploy", "import"),
    ("dunder import", "x = __import__('os')", "deploy", "__import__"),
    ("open", "x = open('/etc/passwd').read()", "deploy", "open"),
    ("exec", "exec('x = 1')", "deploy", "Exec"),
    ("eval", "x = eval('1 + 1')", "deploy", "Eval"),
    ("compile", "x = compile('1', 'f', 'eval')", "deploy", "compile"),
    ("getattr", "x = getattr(today, 'x')", "deploy", "getattr"),
    ("type", "x = type(1)", "deploy", "type"),
    ("class definition", "class A:\n    pass", "deploy", "Class"),
    ("f-string width", "x = f'{1:>999999999}'", "deploy", "width"),
    ("endless loop", "x = 0\nwhile True:\n    x += 1", "run", "time limit"),
    ("nested endless generator", "x = sum(1 for i in range(10**5) for j in range(10**5))", "run", "time limit"),
    # The list of 10**10 items hits the 64 MB memory limit long before the CPU limit.
    ("nested endless comprehension", "x = [i for i in range(10**5) for j in range(10**5)]", "run", "memory limit"),
    ("huge string", "x = 'a' * (10 ** 10)", "run", "size limit"),
    ("huge list", "x = [0] * (10 ** 9)", "run", "size limit"),
    ("huge augmented", "x = [0]\nx *= 10 ** 9", "run", "size limit"),
    ("huge power", "x = 10 ** (10 ** 10)", "run", "size limit"),
    ("huge shift", "x = 1 << (10 ** 9)", "run", "size limit"),
    ("huge range", "x = list(range(10 ** 9))", "run", "size limit"),
    ("percent width", "x = '%999999999d' % 1", "run", "too large"),
    ("str width method", "x = 'a'.ljust(10 ** 9)", "run", "not available"),
    ("format method", "x = '{0.__class__}'.format(1)", "run", "format"),
    ("deep recursion", "def f(n):\n    return f(n + 1)\nx = f(0)", "run", "recursion"),
    ("attribute write", "x = today()\nx.year = 1", "run", "cannot modify"),
]


@pytest.mark.parametrize("label,script,phase,reason", ATTACKS, ids=[a[0] for a in ATTACKS])
def test_attack_is_refused_or_fails_safely(as_user, label, script, phase, reason):
    owner, admin = as_user("owner"), as_user("admin")
    r = upload(owner, {"t_proc.bpmn": simple(script=escape(script)), "t_form.json": form_bytes()})
    if phase == "deploy":
        assert r.status_code == 422, r.json
        assert reason in " ".join(p["reason"] for p in r.json["problems"])
        return
    assert r.status_code == 201, r.json
    r = admin.post("/api/instances", json={"process_key": "t_proc", "business_key": "A1", "jurisdiction": "zz-jinshui"})
    assert r.status_code == 422, r.json
    assert reason in r.json["detail"], r.json["detail"]
    assert admin.get("/api/instances").json["total"] == 0
    assert admin.get("/api/health").json == {"status": "ok"}


def test_curated_functions_work_in_scripts(as_user):
    script = "d = parse_date('2026-11-20') + timedelta(days=3)\ndue = d.isoformat()\ntotal = sum([1, 2, 3])"
    upload(as_user("owner"), {"t_proc.bpmn": simple(script=escape(script)), "t_form.json": form_bytes()})
    r = as_user("admin").post("/api/instances", json={"process_key": "t_proc", "business_key": "A1",
                                                      "jurisdiction": "zz-jinshui"})
    assert r.status_code == 201, r.json
