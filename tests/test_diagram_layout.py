"""Library diagrams carry their drawing (BPMN DI, DMN DI) and keep it through deploy (docs/diagrams.md)."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from tests.samples import upload
from workflow_app.platform.engine import diagram_layout as dl
from workflow_app.platform.engine import library, runner

ROOT = Path(__file__).resolve().parents[1]
BPMN_FILES = sorted((ROOT / "bpmn").glob("*.bpmn"))
DMN_FILES = sorted((ROOT / "bpmn" / "dmn").glob("*.dmn"))
NS = {"bpmn": dl.BPMN_NS, "bpmndi": dl.BPMNDI_NS, "dc": dl.DC_NS, "di": dl.DI_NS}


def _semantics(text: str) -> bytes:
    """The file without its drawing and without the pool added for it: what the engine runs."""
    root = etree.fromstring(text.encode())
    for el in root.findall("bpmndi:BPMNDiagram", NS) + root.findall("bpmn:collaboration", NS):
        root.remove(el)
    for el in root.iter():
        el.tail = None
        if len(el):
            el.text = None if (el.text or "").strip() == "" else el.text
    return etree.tostring(root, method="c14n")


def _bounds(shape) -> dl.Rect:
    b = shape.find("dc:Bounds", NS)
    return dl.Rect(*(float(b.get(k)) for k in ("x", "y", "width", "height")))


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_every_library_diagram_draws_every_element(path):
    text = path.read_text(encoding="utf-8")
    assert dl.problems(text) == []
    root = etree.fromstring(text.encode())
    shapes = {s.get("bpmnElement"): s for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement") for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    process = root.find("bpmn:process", NS)
    for el in process.iter():
        kind = etree.QName(el).localname if isinstance(el.tag, str) else ""
        if kind in dl.FLOW_NODES | {"boundaryEvent", "lane"}:
            assert el.get("id") in shapes, f"{kind} {el.get('id')} has no shape"
        if kind == "sequenceFlow":
            assert el.get("id") in edges, f"flow {el.get('id')} has no edge"
    # Lanes are horizontal bands of one pool, stacked without gaps, each holding its own user tasks.
    lanes = process.findall("bpmn:laneSet/bpmn:lane", NS)
    if lanes:
        participant = root.find("bpmn:collaboration/bpmn:participant", NS)
        assert participant.get("processRef") == process.get("id")
        pool = _bounds(shapes[participant.get("id")])
        rects = [_bounds(shapes[lane.get("id")]) for lane in lanes]
        assert rects[0].y == pool.y and rects[-1].y + rects[-1].h == pool.y + pool.h
        assert all(a.y + a.h == b.y for a, b in zip(rects, rects[1:]))
        for lane, band in zip(lanes, rects):
            for ref in lane.findall("bpmn:flowNodeRef", NS):
                node = _bounds(shapes[ref.text])
                assert band.y <= node.y and node.y + node.h <= band.y + band.h, f"{ref.text} outside {lane.get('id')}"


@pytest.mark.parametrize("path", BPMN_FILES + DMN_FILES, ids=lambda p: p.name)
def test_layout_is_idempotent_and_only_adds_drawing(path):
    # The library files may be redrawn by hand in a modeler (docs/diagrams.md): what is required is that the
    # tool gives the same text when run again on its own output, not that every file is its output.
    text = path.read_text(encoding="utf-8")
    layout = dl.layout_dmn if path.suffix == ".dmn" else dl.layout_bpmn
    drawn = layout(text)
    assert layout(drawn) == drawn
    if path.suffix == ".bpmn":
        stripped = dl._DIAGRAM.sub("", text)
        assert _semantics(stripped) == _semantics(text)


@pytest.mark.parametrize("path", DMN_FILES, ids=lambda p: p.name)
def test_every_decision_has_a_drd_shape(path):
    text = path.read_text(encoding="utf-8")
    assert dl.dmn_problems(text) == []
    root = etree.fromstring(text.encode())
    assert root.find(f"{{{dl.DMNDI_NS}}}DMNDI/{{{dl.DMNDI_NS}}}DMNDiagram") is not None


def test_deploy_validation_accepts_the_drawn_library_and_keeps_the_files_as_they_are():
    files = {p.name: p.read_bytes() for p in BPMN_FILES + DMN_FILES}
    files.update({p.name: p.read_bytes() for p in (ROOT / "forms").glob("*.json")})
    built = library.build_library(files, runner.build_only_script_engine)
    bundle = built.processes["police_transfer"]
    assert bundle.bpmn_files["police_transfer.bpmn"] == files["police_transfer.bpmn"]
    assert bundle.dmn_files["police_deadlines.dmn"] == files["police_deadlines.dmn"]


def test_layout_of_a_process_without_lanes_with_a_loop_and_a_sub_process():
    text = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s" name="开始" />
    <bpmn:userTask id="a" name="办理" />
    <bpmn:exclusiveGateway id="g" name="是否通过" default="back" />
    <bpmn:subProcess id="sub" name="归档">
      <bpmn:startEvent id="s2" /><bpmn:task id="t2" name="装订" /><bpmn:endEvent id="e2" />
      <bpmn:sequenceFlow id="sf1" sourceRef="s2" targetRef="t2" /><bpmn:sequenceFlow id="sf2" sourceRef="t2" targetRef="e2" />
    </bpmn:subProcess>
    <bpmn:boundaryEvent id="timer" name="期限届满" attachedToRef="a"><bpmn:timerEventDefinition /></bpmn:boundaryEvent>
    <bpmn:endEvent id="late" name="超期" />
    <bpmn:endEvent id="e" name="办结" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a" />
    <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="g" />
    <bpmn:sequenceFlow id="ok" name="通过" sourceRef="g" targetRef="sub" />
    <bpmn:sequenceFlow id="back" name="退回" sourceRef="g" targetRef="a" />
    <bpmn:sequenceFlow id="f3" sourceRef="sub" targetRef="e" />
    <bpmn:sequenceFlow id="f4" sourceRef="timer" targetRef="late" />
  </bpmn:process>
</bpmn:definitions>
"""
    drawn = dl.layout_bpmn(text)
    assert dl.problems(drawn) == []
    assert dl.layout_bpmn(drawn) == drawn
    root = etree.fromstring(drawn.encode())
    planes = [p.get("bpmnElement") for p in root.iterfind("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)]
    assert planes == ["p", "sub"]
    assert root.find("bpmn:collaboration", NS) is None
    shapes = {s.get("bpmnElement"): s for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    assert shapes["sub"].get("isExpanded") == "false" and {"s2", "t2", "e2"} <= set(shapes)
    # The loop back to the task runs under the row and enters the task from below or the left.
    back = [(float(w.get("x")), float(w.get("y"))) for w in
            root.find(".//bpmndi:BPMNEdge[@bpmnElement='back']", NS).iterfind("di:waypoint", NS)]
    task = _bounds(shapes["a"])
    assert back[-1] in {(task.cx, task.y + task.h), (task.x, task.cy)}
    assert max(y for _, y in back) > task.y + task.h


def test_problems_reports_missing_and_overlapping_shapes():
    text = (ROOT / "bpmn" / "liaison_meeting.bpmn").read_text(encoding="utf-8")
    root = etree.fromstring(text.encode())
    plane = root.find("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    first = plane.find("bpmndi:BPMNShape[@bpmnElement='init']", NS)
    plane.remove(first)
    start = plane.find("bpmndi:BPMNShape[@bpmnElement='start']/dc:Bounds", NS)
    end = plane.find("bpmndi:BPMNShape[@bpmnElement='end']/dc:Bounds", NS)
    for k in ("x", "y"):
        end.set(k, start.get(k))
    found = dl.problems(etree.tostring(root, encoding="unicode"))
    assert "scriptTask 'init' has no BPMNShape" in found
    assert any("'end'" in p and "'start'" in p and "overlap" in p for p in found)


def test_a_library_diagram_with_its_drawing_round_trips_through_deploy(as_user):
    owner = as_user("owner")
    original = (ROOT / "bpmn" / "police_transfer.bpmn").read_text(encoding="utf-8")
    stored = owner.get("/api/processes/police_transfer/versions/1").json["files"]["bpmn"]["police_transfer.bpmn"]
    assert stored == original
    # Saved from a modeler with a shape moved: accepted, a new version, stored exactly as uploaded.
    moved = original.replace('<bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="',
                             '<bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="1', 1)
    assert moved != original
    r = upload(owner, {"police_transfer.bpmn": moved})
    assert r.status_code == 201, r.json
    assert [(v["process_key"], v["version"]) for v in r.json["created"]] == [("police_transfer", 2)]
    stored = owner.get("/api/processes/police_transfer/versions/2").json["files"]["bpmn"]["police_transfer.bpmn"]
    assert stored == moved
