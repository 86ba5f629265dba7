"""Process registry over the API: validation before storage, versions by content hash, pinning."""
from __future__ import annotations

import pytest

from tests.samples import FORM, form_bytes, simple, upload, process, user_task


def versions(client, key):
    r = client.get(f"/api/processes/{key}/versions")
    return [v["version"] for v in r.json] if r.status_code == 200 else []


def test_library_is_deployed_at_start_up(as_user):
    r = as_user("clerk").get("/api/processes")
    assert r.status_code == 200
    keys = {p["process_key"] for p in r.json}
    assert {"intake_triage", "inspection_case", "si_audit_case", "arbitration_case"} <= keys
    assert all(p["version"] == 1 for p in r.json)


def test_restart_with_unchanged_library_creates_no_version(db_url, app, as_user):
    from tests.conftest import make_app
    again = make_app(db_url)  # same database, same files
    again.extensions["caseflow.db"].dispose()
    assert versions(as_user("owner"), "inspection_case") == [1]


def test_upload_creates_version_then_unchanged_then_new(as_user):
    owner = as_user("owner")
    files = {"t_proc.bpmn": simple(), "t_form.json": form_bytes()}
    r = upload(owner, files)
    assert r.status_code == 201, r.json
    assert [(v["process_key"], v["version"]) for v in r.json["created"]] == [("t_proc", 1)]
    r = upload(owner, files)
    assert r.status_code == 201 and r.json["created"] == [] and "t_proc" in r.json["unchanged"]
    r = upload(owner, {"t_proc.bpmn": simple(tasks=(("a", "第一步"), ("b", "第二步")))})
    assert [(v["process_key"], v["version"]) for v in r.json["created"]] == [("t_proc", 2)]
    # A changed form is a change of every process using it.
    changed = dict(FORM, ui={"order": ["amount", "note"]})
    r = upload(owner, {"t_form.json": form_bytes(changed)})
    assert [(v["process_key"], v["version"]) for v in r.json["created"]] == [("t_proc", 3)]
    assert versions(owner, "t_proc") == [3, 2, 1]
    detail = owner.get("/api/processes/t_proc/versions/1").json
    assert "t_proc.bpmn" in detail["files"]["bpmn"] and "t_form.json" in detail["forms"]


def test_running_instances_stay_on_their_version(as_user):
    owner, admin = as_user("owner"), as_user("admin")
    upload(owner, {"t_proc.bpmn": simple(tasks=(("a", "旧版第一步"),)), "t_form.json": form_bytes()})
    old = admin.post("/api/instances", json={"process_key": "t_proc", "business_key": "K1",
                                              "jurisdiction": "zz-jinshui"}).json
    upload(owner, {"t_proc.bpmn": simple(tasks=(("a", "新版第一步"),))})
    new = admin.post("/api/instances", json={"process_key": "t_proc", "business_key": "K2",
                                              "jurisdiction": "zz-jinshui"}).json
    assert (old["process_version"], new["process_version"]) == (1, 2)
    assert old["tasks"][0]["name"] == "旧版第一步" and new["tasks"][0]["name"] == "新版第一步"
    # The old instance still completes on its own version.
    inspector = as_user("inspector")
    task_id = old["tasks"][0]["id"]
    assert inspector.post(f"/api/tasks/{task_id}/claim").status_code == 200
    r = inspector.post(f"/api/tasks/{task_id}/complete", json={"data": {"note": "办结"}})
    assert r.status_code == 200, r.json
    assert admin.get(f"/api/instances/{old['id']}").json["status"] == "completed"


XXE = ('<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
       '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</bpmn:definitions>')
LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
          + ']>\n<lolz>&lol9;</lolz>')
EXTERNAL_DTD = '<?xml version="1.0"?>\n<!DOCTYPE d SYSTEM "http://127.0.0.1:9/evil.dtd">\n<d/>'

BAD_DEFINITIONS = [
    ("not well-formed", {"bad.bpmn": "<bpmn:definitions"}, "bad.bpmn", "well-formed"),
    ("xxe", {"xxe.bpmn": XXE}, "xxe.bpmn", "DTD"),
    ("billion laughs", {"laughs.bpmn": LAUGHS}, "laughs.bpmn", "DTD"),
    ("external dtd", {"ext.bpmn": EXTERNAL_DTD}, "ext.bpmn", "DTD"),
    ("oversized", {"big.bpmn": "<a>" + "x" * (3 * 1024 * 1024) + "</a>"}, "big.bpmn", "larger"),
    ("utf-16", {"u16.bpmn": simple().encode("utf-16")}, "u16.bpmn", "UTF-8"),
    ("wrong extension", {"x.exe": "MZ"}, "x.exe", "unsupported"),
    ("path in name", {"../../etc/x.bpmn": simple()}, "../../etc/x.bpmn", "plain name"),
    ("schema invalid", {"s.bpmn": simple().replace("<bpmn:startEvent", "<bpmn:notAnElement")}, "s.bpmn", ""),
    ("missing form", {"m.bpmn": simple(form="nope.json")}, "m.bpmn", "nope.json"),
    ("unknown body", {"g.bpmn": simple(lane="某机构 [nowhere/inspector]")}, "g.bpmn", "unknown body"),
    ("no group", {"n.bpmn": simple(lane="没有组")}, "n.bpmn", "candidate group"),
    ("invalid form schema", {"t_proc.bpmn": simple(), "t_form.json": b'{"schema": {"type": "object", "properties": {"a": {"type": 5}}}}'},
     "t_form.json", "JSON Schema"),
    ("form not json", {"t_proc.bpmn": simple(), "t_form.json": b"{oops"}, "t_form.json", "JSON"),
    ("missing decision", {"d.bpmn": process("t_dec", '<bpmn:startEvent id="s" /><bpmn:businessRuleTask id="r">'
                                            '<bpmn:extensionElements><spiffworkflow:calledDecisionId>ghost'
                                            '</spiffworkflow:calledDecisionId></bpmn:extensionElements>'
                                            '</bpmn:businessRuleTask><bpmn:endEvent id="e" />',
                                            [("f1", "s", "r"), ("f2", "r", "e")])}, "d.bpmn", "ghost"),
    ("script escape", {"esc.bpmn": simple(script="x = ().__class__.__base__.__subclasses__()")}, "esc.bpmn", "__class__"),
    ("import", {"imp.bpmn": simple(script="import os")}, "imp.bpmn", "import"),
    ("open", {"open.bpmn": simple(script="x = open('/etc/passwd').read()")}, "open.bpmn", "open"),
    ("exec", {"exec.bpmn": simple(script="exec('import os')")}, "exec.bpmn", "Exec"),
    ("bad condition", {"c.bpmn": process("t_cond", '<bpmn:startEvent id="s" /><bpmn:exclusiveGateway id="g" />'
                                         '<bpmn:endEvent id="e" />',
                                         [("f1", "s", "g"), ("f2", "g", "e", "__import__('os')")])}, "c.bpmn", "__import__"),
    ("bad property expression", {"p.bpmn": simple(extra_props='<spiffworkflow:property name="priority" value="getattr(x, \'y\')" />')},
     "p.bpmn", "getattr"),
    ("sameAssigneeAs unknown task", {"sa.bpmn": simple(extra_props='<spiffworkflow:property name="sameAssigneeAs" value="ghost" />')},
     "sa.bpmn", "sameAssigneeAs"),
]


@pytest.mark.parametrize("label,files,bad_file,reason", BAD_DEFINITIONS, ids=[b[0] for b in BAD_DEFINITIONS])
def test_rejected_definition_names_file_and_reason_and_changes_nothing(as_user, label, files, bad_file, reason):
    owner = as_user("owner")
    before = owner.get("/api/processes").json
    files = {"t_form.json": form_bytes(), **files} if "t_form.json" not in files else files
    r = upload(owner, files)
    assert r.status_code == 422, (label, r.status_code, r.json)
    assert r.mimetype == "application/problem+json"
    problems = r.json["problems"]
    assert any(p["file"] == bad_file for p in problems), problems
    assert reason in " ".join(p["reason"] for p in problems)
    assert r.json["message"].startswith("流程定义校验未通过")
    assert owner.get("/api/processes").json == before
    # the form uploaded beside the bad file was not stored either
    assert upload(owner, {"t_proc.bpmn": simple()}).status_code == 422


def test_rejection_reports_line_number(as_user):
    text = simple(script="x = 1\n").replace('<bpmn:script>x = 1\n</bpmn:script>', "<bpmn:script>import os</bpmn:script>")
    r = upload(as_user("owner"), {"t_proc.bpmn": text, "t_form.json": form_bytes()})
    problem = r.json["problems"][0]
    assert problem["line"] == text.splitlines().index(next(l for l in text.splitlines() if "import os" in l)) + 1


def test_only_process_owners_deploy(as_user):
    r = upload(as_user("clerk"), {"t_proc.bpmn": simple(), "t_form.json": form_bytes()})
    assert r.status_code == 403 and r.json["message"] == "只有流程管理员可以部署流程"
    assert upload(as_user(None), {"t_proc.bpmn": simple()}).status_code == 401


def test_back_edge_loop_is_reported_as_warning(as_user):
    body = ('<bpmn:startEvent id="s" />' + user_task("a", "循环任务") + '<bpmn:exclusiveGateway id="g" default="f3" />'
            '<bpmn:endEvent id="e" />')
    xml = process("t_loop", body, [("f1", "s", "a"), ("f2", "a", "g"), ("f3", "g", "e"), ("f4", "g", "a", "again == True")],
                  lane_nodes=["a"])
    r = upload(as_user("owner"), {"loop.bpmn": xml, "t_form.json": form_bytes()})
    assert r.status_code == 201
    assert any("back-edge loop" in w for w in r.json["warnings"])


def test_unknown_process_and_version_are_404(as_user):
    c = as_user("owner")
    assert c.get("/api/processes/nope/versions").status_code == 404
    assert c.get("/api/processes/inspection_case/versions/99").status_code == 404
