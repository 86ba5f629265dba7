"""Small BPMN documents for tests, built from text so each test shows exactly what it deploys."""
from __future__ import annotations

import json

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        'id="Defs_{pid}" targetNamespace="http://caseflow.local/test">\n')


def user_task(tid, name, form="t_form.json", extra_props=""):
    return (f'<bpmn:userTask id="{tid}" name="{name}"><bpmn:extensionElements><spiffworkflow:properties>'
            f'<spiffworkflow:property name="form" value="{form}" />{extra_props}'
            f'</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>\n')


def process(pid="t_proc", body="", flows=(), lane="监察员 [inspection/inspector]", lane_nodes=(), name="测试流程"):
    """A process with a lane holding ``lane_nodes`` and sequence flows given as (id, source, target[, cond])."""
    refs = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in lane_nodes)
    lane_xml = (f'<bpmn:laneSet id="ls_{pid}"><bpmn:lane id="lane_{pid}" name="{lane}">{refs}</bpmn:lane>'
                f'</bpmn:laneSet>\n') if lane_nodes else ""
    flow_xml = ""
    for flow in flows:
        fid, src, tgt = flow[:3]
        cond = f"<bpmn:conditionExpression>{flow[3]}</bpmn:conditionExpression>" if len(flow) > 3 else ""
        flow_xml += f'<bpmn:sequenceFlow id="{fid}" sourceRef="{src}" targetRef="{tgt}">{cond}</bpmn:sequenceFlow>\n'
    return (HEAD.format(pid=pid) + f'<bpmn:process id="{pid}" name="{name}" isExecutable="true">\n'
            + lane_xml + body + flow_xml + "</bpmn:process>\n</bpmn:definitions>\n")


def simple(pid="t_proc", tasks=(("a", "第一步"),), lane="监察员 [inspection/inspector]", form="t_form.json",
           script=None, extra_props=""):
    """start -> [script] -> user tasks in sequence -> end."""
    body = '<bpmn:startEvent id="start" />\n'
    nodes = ["start"]
    if script is not None:
        body += f'<bpmn:scriptTask id="script"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>\n'
        nodes.append("script")
    for tid, name in tasks:
        body += user_task(tid, name, form, extra_props)
        nodes.append(tid)
    body += '<bpmn:endEvent id="end" />\n'
    nodes.append("end")
    flows = [(f"f{i}", a, b) for i, (a, b) in enumerate(zip(nodes, nodes[1:]))]
    return process(pid, body, flows, lane, [t for t, _ in tasks])


FORM = {"schema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                   "properties": {"note": {"type": "string", "title": "办理意见", "minLength": 2, "maxLength": 200},
                                  "amount": {"type": "number", "title": "金额", "minimum": 0}},
                   "required": ["note"]},
        "ui": {"order": ["note", "amount"], "labels": {"note": "办理意见", "amount": "金额"}}}


def form_bytes(form=None) -> bytes:
    return json.dumps(form or FORM, ensure_ascii=False).encode()


def upload(client, files: dict[str, bytes | str]):
    """POST files to /api/deployments as multipart."""
    import io
    data = {"files": [(io.BytesIO(c.encode() if isinstance(c, str) else c), name) for name, c in files.items()]}
    return client.post("/api/deployments", data=data, content_type="multipart/form-data")


def props(**values) -> str:
    return "".join(f'<spiffworkflow:property name="{k}" value="{v}" />' for k, v in values.items())


#: An investigation clock (tests of statutory clocks share it) (60 WD from Monday 2025-03-03) that is suspended, resumed and extended on approval.
INVESTIGATION = process(
    "t_investigate",
    '<bpmn:startEvent id="s" />'
    + user_task("file", "立案", extra_props=props(
        startClock="{'name': 'investigation', 'label': '调查期限', 'rule': '60WD', 'start': '2025-03-03'}"))
    + user_task("suspend", "中止调查", extra_props=props(suspendClock="'investigation'"))
    + user_task("resume", "恢复调查", extra_props=props(resumeClock="'investigation'"))
    + user_task("approve", "延期审批", form="t_approve.json",
                extra_props=props(extendClock="{'name': 'investigation', 'extra': 30} if approved else None",
                                  candidateGroup="inspection/division_head"))
    + '<bpmn:endEvent id="e" />',
    [("f1", "s", "file"), ("f2", "file", "suspend"), ("f3", "suspend", "resume"), ("f4", "resume", "approve"),
     ("f5", "approve", "e")],
    lane_nodes=["file", "suspend", "resume"])
APPROVE_FORM = json.dumps({"schema": {"type": "object", "properties": {"approved": {"type": "boolean"}},
                                      "required": ["approved"]}})
