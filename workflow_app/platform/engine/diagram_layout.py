"""Drawing (BPMN DI / DMN DI) for definition files: a layered left-to-right layout with lanes as row bands.

The rules this module follows are stated in docs/diagrams.md. In short:

* one column per rank; a node's rank is its longest path from the start (back edges of loops ignored); the
  successor of a host's first boundary event shares the host's column, one row down;
* one horizontal band per lane, in the order of the lane set; a node outside every lane is drawn in the
  band of the node it follows (the lane set itself is not changed); a process with lanes is drawn as a
  pool (a ``collaboration`` with one ``participant`` is added once, nothing else in the semantics changes);
* inside a band, a node takes the row of the predecessor it continues (the branch with the longest
  remaining path stays on the row), else the next free row below;
* sequence flows are orthogonal; among a few candidate routes the one crossing no shape and no label with
  the fewest bends is taken;
* labels: events below, gateways above, boundary events beside the event, flows above their first segment.

:func:`layout_bpmn` and :func:`layout_dmn` take the file's text and return it with the drawing replaced
(the rest of the text is kept byte for byte), so running them twice gives the same text. :func:`problems`
checks a drawing (every node drawn, shapes and labels not overlapping, boundary events on their host's
border); the library test runs it on every library diagram. ``python -m
workflow_app.platform.engine.diagram_layout FILE...`` (scripts/layout-diagrams) rewrites files in place.
"""
from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"
DMNDI_NS = "https://www.omg.org/spec/DMN/20191111/DMNDI/"
DMN_DC_NS = "http://www.omg.org/spec/DMN/20180521/DC/"
DMN_DI_NS = "http://www.omg.org/spec/DMN/20180521/DI/"

TASKS = {"task", "userTask", "scriptTask", "serviceTask", "businessRuleTask", "manualTask", "sendTask",
         "receiveTask", "callActivity", "subProcess", "transaction", "adHocSubProcess"}
EVENTS = {"startEvent", "endEvent", "intermediateThrowEvent", "intermediateCatchEvent"}
GATEWAYS = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway"}
FLOW_NODES = TASKS | EVENTS | GATEWAYS
CONTAINERS = {"subProcess", "transaction", "adHocSubProcess"}

# Geometry (px), docs/diagrams.md "Layout conventions".
TASK_W, TASK_H, WIDE_TASK_W = 100, 80, 130
EVENT = 36
GATEWAY = 50
COL_GAP = 48          # between two columns: room for vertical segments and the arrow head
ROW_H = 110           # one row of a band: a task plus the labels above and below it
BAND_PAD = 16         # empty space at the top and bottom of a band
CORRIDOR = 14         # per loop running under a band
POOL_HEADER = 30      # the vertical title strip of the pool and of each lane
LANE_INSET = 40       # from the lane's title strip to the first column
LABEL_W = 100         # external labels wrap at this width
FLOW_LABEL_W = 120
CHAR_W, ASCII_W, LINE_H = 12, 7, 14   # 11 px font: a CJK glyph, a Latin glyph, a line


def text_width(text: str) -> float:
    return sum(ASCII_W if ord(c) < 0x2E80 else CHAR_W for c in text)


def label_size(text: str, width: int = LABEL_W) -> tuple[int, int]:
    """Bounds of an external label: bpmn-js wraps the text at the bounds' width."""
    full = text_width(text)
    if full + 4 <= width:
        return int(math.ceil(full)) + 4, LINE_H
    return width, LINE_H * int(math.ceil(full / (width - 8)))


@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self):
        return self.x + self.w / 2

    @property
    def cy(self):
        return self.y + self.h / 2

    def overlaps(self, other: "Rect", margin: float = 0) -> bool:
        return (self.x < other.x + other.w + margin and other.x < self.x + self.w + margin
                and self.y < other.y + other.h + margin and other.y < self.y + self.h + margin)


@dataclass
class Node:
    id: str
    kind: str
    name: str
    index: int
    w: int = 0
    h: int = 0
    band: int | None = None
    rank: int = 0
    row: int = 0
    rect: Rect | None = None
    label: Rect | None = None
    boundaries: list = field(default_factory=list)


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str
    back: bool = False
    track: tuple[int, int] | None = None
    points: list = field(default_factory=list)
    label: Rect | None = None


def _local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _size(kind: str, name: str) -> tuple[int, int]:
    if kind in TASKS:
        return (WIDE_TASK_W if text_width(name) > 21 * CHAR_W else TASK_W), TASK_H
    if kind in GATEWAYS:
        return GATEWAY, GATEWAY
    return EVENT, EVENT


class ContainerLayout:
    """The layout of one process or sub-process: its flow nodes, boundary events, flows and lane bands."""

    def __init__(self, container, lanes: list | None, origin: tuple[float, float]):
        self.container = container
        self.nodes: dict[str, Node] = {}
        self.boundary: dict[str, Node] = {}
        self.host_of: dict[str, str] = {}
        self.flows: list[Flow] = []
        index = 0
        for el in container:
            kind = _local(el)
            if kind in FLOW_NODES:
                w, h = _size(kind, el.get("name") or "")
                self.nodes[el.get("id")] = Node(el.get("id"), kind, el.get("name") or "", index, w, h)
            elif kind == "boundaryEvent":
                self.boundary[el.get("id")] = Node(el.get("id"), kind, el.get("name") or "", index, EVENT, EVENT)
                self.host_of[el.get("id")] = el.get("attachedToRef")
            elif kind == "sequenceFlow":
                self.flows.append(Flow(el.get("id"), el.get("sourceRef"), el.get("targetRef"),
                                       el.get("name") or ""))
            index += 1
        for bid, host in self.host_of.items():
            self.nodes[host].boundaries.append(self.boundary[bid])
        for n in self.nodes.values():
            # Boundary events sit side by side on the bottom border, 10 px apart.
            n.w = max(n.w, 10 + len(n.boundaries) * (EVENT + 10))
        self.lanes = lanes or []
        self.origin = origin

    # -- ranks ---------------------------------------------------------------------------------------
    def _graph_source(self, node_id: str) -> str:
        return self.host_of.get(node_id, node_id)

    def _weight(self, flow: Flow) -> int:
        """0 for the flows out of a host's first boundary event (drawn below the host), else 1."""
        if flow.source in self.host_of:
            host = self.nodes[self.host_of[flow.source]]
            if host.boundaries and host.boundaries[0].id == flow.source:
                return 0
        return 1

    def rank(self):
        out: dict[str, list[Flow]] = {n: [] for n in self.nodes}
        incoming = {n: 0 for n in self.nodes}
        for f in self.flows:
            out[self._graph_source(f.source)].append(f)
            incoming[f.target] += 1
        # Back edges: a depth-first walk from the start nodes in document order.
        order = sorted(self.nodes.values(), key=lambda n: (incoming[n.id] > 0, n.index))
        state: dict[str, int] = {}
        for root in order:
            if root.id in state:
                continue
            stack = [(root.id, iter(out[root.id]))]
            state[root.id] = 1
            while stack:
                node_id, it = stack[-1]
                f = next(it, None)
                if f is None:
                    state[node_id] = 2
                    stack.pop()
                    continue
                if state.get(f.target) == 1:
                    f.back = True
                elif f.target not in state:
                    state[f.target] = 1
                    stack.append((f.target, iter(out[f.target])))
        # Longest path over the remaining DAG (Kahn's order).
        forward = [f for f in self.flows if not f.back]
        indeg = {n: 0 for n in self.nodes}
        for f in forward:
            indeg[f.target] += 1
        ready = sorted((n for n in self.nodes if indeg[n] == 0), key=lambda n: self.nodes[n].index)
        topo = []
        while ready:
            n = ready.pop(0)
            topo.append(n)
            for f in out[n]:
                if f.back:
                    continue
                t = self.nodes[f.target]
                t.rank = max(t.rank, self.nodes[n].rank + self._weight(f))
                indeg[f.target] -= 1
                if indeg[f.target] == 0:
                    ready.append(f.target)
        self.topo = topo
        self.out = out
        # Remaining path length decides which branch keeps the row.
        self.down = {n: 0 for n in self.nodes}
        for n in reversed(topo):
            for f in out[n]:
                if not f.back:
                    self.down[n] = max(self.down[n], self.down[f.target] + 1)

    # -- bands ---------------------------------------------------------------------------------------
    def assign_bands(self):
        lane_of = {}
        for i, lane in enumerate(self.lanes):
            for ref in lane.findall(f"{{{BPMN_NS}}}flowNodeRef"):
                lane_of[(ref.text or "").strip()] = i
        for n in self.nodes.values():
            n.band = lane_of.get(n.id) if self.lanes else 0
        preds: dict[str, list[str]] = {n: [] for n in self.nodes}
        for f in self.flows:
            if not f.back:
                preds[f.target].append(self._graph_source(f.source))
        for _ in range(3):
            for n in self.topo:                      # follow the node it continues
                node = self.nodes[n]
                if node.band is None:
                    node.band = next((self.nodes[p].band for p in preds[n] if self.nodes[p].band is not None), None)
            for n in reversed(self.topo):            # a start chain: the node it leads to
                node = self.nodes[n]
                if node.band is None:
                    node.band = next((self.nodes[f.target].band for f in self.out[n]
                                      if not f.back and self.nodes[f.target].band is not None), None)
        for n in self.nodes.values():
            if n.band is None:
                n.band = 0
        for b in self.boundary.values():
            b.band = self.nodes[self.host_of[b.id]].band
        self.preds = preds

    # -- rows ----------------------------------------------------------------------------------------
    def assign_rows(self):
        """Rows inside each band, column by column. A flow that skips columns reserves a track (a row in
        every column it passes) so no node is put in its way; flows to the same node share a track."""
        taken: dict[tuple[int, int], set[int]] = {}
        reserved: dict[tuple[int, int, int], str] = {}
        placed: set[str] = set()
        weight0 = {}
        for f in self.flows:
            if not f.back and self._weight(f) == 0:
                weight0[f.target] = self.host_of[f.source]

        def free(band, rank, row, target=None):
            if row in taken.get((band, rank), set()):
                return False
            owner = reserved.get((band, rank, row))
            return owner is None or owner == target

        # A host's first boundary successor (same column) is placed right after the host, so it gets the
        # row under the host before any other node of that column.
        below_host: dict[str, list[Node]] = {}
        for target, host in weight0.items():
            if self.nodes[target].rank == self.nodes[host].rank:
                below_host.setdefault(host, []).append(self.nodes[target])
        deferred = {n.id for group in below_host.values() for n in group}
        order = []
        def visit(n):
            order.append(n)
            for m in below_host.get(n.id, []):
                visit(m)
        for n in sorted(self.nodes.values(), key=lambda n: (n.rank, -self.down[n.id], n.index)):
            if n.id not in deferred:
                visit(n)
        for node in order:
            pref, via = 0, None
            if node.id in weight0 and self.nodes[weight0[node.id]].band == node.band:
                pref = self.nodes[weight0[node.id]].row + 1
            else:
                same = [self.nodes[p] for p in self.preds[node.id]
                        if p in placed and self.nodes[p].band == node.band]
                if same:
                    via = max(same, key=lambda p: (p.rank, -p.row))
                    pref = via.row
            row = None
            for candidate in range(pref, pref + 6):
                if not free(node.band, node.rank, candidate, node.id):
                    continue
                if via is not None and not all(free(node.band, k, candidate, node.id)
                                               for k in range(via.rank + 1, node.rank)):
                    continue
                row = candidate
                break
            if row is None:
                row = pref
                while not free(node.band, node.rank, row, node.id):
                    row += 1
            node.row = row
            taken.setdefault((node.band, node.rank), set()).add(row)
            placed.add(node.id)
            self._reserve_tracks(node, free, reserved)

    def _reserve_tracks(self, node: Node, free, reserved):
        own = [f for f in self.flows if not f.back and f.source == node.id]
        sources = [(node, own)] + [(b, [f for f in self.flows if not f.back and f.source == b.id])
                                   for b in node.boundaries]
        for src, flows in sources:
            for f in flows:
                target = self.nodes[f.target]
                if target.rank <= node.rank + 1:
                    continue
                others = [g for g in flows if g is not f]
                start = node.row + (1 if (others or src is not node) else 0)
                row = start
                while not all(free(node.band, k, row, f.target) for k in range(node.rank + 1, target.rank)):
                    row += 1
                for k in range(node.rank + 1, target.rank):
                    reserved[(node.band, k, row)] = f.target
                f.track = (node.band, row)

    # -- coordinates ---------------------------------------------------------------------------------
    def place(self):
        ranks = max((n.rank for n in self.nodes.values()), default=0) + 1
        col_w = [0] * ranks
        for n in self.nodes.values():
            need = n.w
            if n.name and n.kind not in TASKS:
                need = max(need, label_size(n.name)[0])
            col_w[n.rank] = max(col_w[n.rank], need)
        # The gap after a column holds the labels of the named flows leaving it.
        gap = [COL_GAP] * ranks
        for f in self.flows:
            if f.name and not f.back:
                src = self.nodes[self._graph_source(f.source)]
                gap[src.rank] = max(gap[src.rank], label_size(f.name, FLOW_LABEL_W)[0] + 24)
        x0, y0 = self.origin
        self.col_x = []
        x = x0
        for w, g in zip(col_w, gap):
            self.col_x.append(x)
            x += w + g
        self.col_w, self.gap = col_w, gap
        self.width = x - gap[-1] - x0
        bands = max(len(self.lanes), 1)
        rows = [1] * bands
        for n in self.nodes.values():
            rows[n.band] = max(rows[n.band], n.row + 1)
        for f in self.flows:
            if f.track:
                rows[f.track[0]] = max(rows[f.track[0]], f.track[1] + 1)
        loops = [0] * bands
        for f in self.flows:
            if f.back:
                loops[self.nodes[f.target].band] += 1
        self.band_y, self.band_h = [], []
        y = y0
        for b in range(bands):
            h = BAND_PAD * 2 + rows[b] * ROW_H + loops[b] * CORRIDOR
            if self.lanes:
                # The lane's title is written vertically in its title strip: at most two lines.
                title = text_width(self.lanes[b].get("name") or "") + 12
                h = max(h, int(math.ceil(title / 2 / 10.0)) * 10 + 20)
            self.band_y.append(y)
            self.band_h.append(h)
            y += h
        self.height = y - y0
        for n in self.nodes.values():
            cx = self.col_x[n.rank] + col_w[n.rank] / 2
            cy = self.band_y[n.band] + BAND_PAD + n.row * ROW_H + ROW_H / 2
            n.rect = Rect(round(cx - n.w / 2), round(cy - n.h / 2), n.w, n.h)
            count = len(n.boundaries)
            for i, b in enumerate(n.boundaries):
                bx = n.rect.x + 10 + i * (EVENT + 10) if count > 1 else n.rect.x + n.w * 0.3 - EVENT / 2
                b.rect = Rect(round(bx), n.rect.y + n.h - EVENT / 2, EVENT, EVENT)
                b.rank, b.row = n.rank, n.row
                if b.name:
                    lw, lh = label_size(b.name, LABEL_W - 10)
                    right = i == count - 1
                    lx = b.rect.x + EVENT + 2 if right else b.rect.x - 2 - lw
                    b.label = Rect(round(lx), b.rect.y + EVENT - 6, lw, lh)

    # -- routes --------------------------------------------------------------------------------------
    def route(self):
        shapes = {n.id: n.rect for n in self.nodes.values()}
        shapes.update({b.id: b.rect for b in self.boundary.values()})
        labels = [n.label for n in list(self.nodes.values()) + list(self.boundary.values()) if n.label]
        channel_use: dict[int, list[tuple[float, float, float]]] = {}
        corridor_next: dict[int, int] = {}
        routed: list[tuple[Flow, list]] = []
        for f in sorted(self.flows, key=lambda f: (f.back, self.nodes.get(self._graph_source(f.source)).rank)):
            src = self.boundary.get(f.source) or self.nodes[f.source]
            tgt = self.nodes[f.target]
            ignore = {f.source, f.target, self.host_of.get(f.source)}
            best = None
            others = [seg for g, segs in routed if g.source != f.source and g.target != f.target for seg in segs]
            for points in self._candidates(f, src, tgt, channel_use, corridor_next):
                cost = self._cost(points, shapes, labels, ignore, others)
                if best is None or cost < best[0]:
                    best = (cost, points)
            f.points = _simplify(best[1])
            routed.append((f, list(zip(f.points, f.points[1:]))))
            for (ax, ay), (bx, by) in zip(f.points, f.points[1:]):
                if ax == bx:
                    channel_use.setdefault(round(ax), []).append((min(ay, by), max(ay, by), ax))
            if f.back:
                band = tgt.band
                corridor_next[band] = corridor_next.get(band, 0) + 1

    def _gap_x(self, rank: int, after: bool, span: tuple[float, float], channel_use) -> float:
        """The x of a vertical segment in the gap after (or before) column ``rank``, off other segments."""
        if after:
            base = self.col_x[rank] + self.col_w[rank] + min(self.gap[rank], 2 * COL_GAP) / 2
        else:
            base = self.col_x[rank] - min(self.gap[rank - 1] if rank else COL_GAP, 2 * COL_GAP) / 2
        for offset in (0, -8, 8, -16, 16, -24, 24):
            x = base + offset
            if not any(lo < span[1] and span[0] < hi and abs(ux - x) < 4
                       for lo, hi, ux in channel_use.get(round(x), [])):
                return x
        return base

    def _candidates(self, f: Flow, src: Node, tgt: Node, channel_use, corridor_next):
        s, t = src.rect, tgt.rect
        is_boundary = src.kind == "boundaryEvent"
        tx_in, ty = t.x, t.cy
        out = []
        if f.back:
            band = tgt.band
            depth = corridor_next.get(band, 0)
            below = max(self.band_y[b] + self.band_h[b] for b in {src.band, tgt.band}) - BAND_PAD / 2 - depth * CORRIDOR
            sx = s.cx if is_boundary else s.x + s.w
            start = (s.cx, s.y + s.h) if is_boundary else (sx, s.cy)
            xa = self._gap_x(src.rank, True, (s.cy, below), channel_use)
            xb = self._gap_x(tgt.rank, False, (t.cy, below), channel_use)
            if is_boundary:
                out.append([start, (s.cx, below), (t.cx, below), (t.cx, t.y + t.h)])
                out.append([start, (s.cx, below), (xb, below), (xb, ty), (tx_in, ty)])
            else:
                out.append([start, (xa, s.cy), (xa, below), (t.cx, below), (t.cx, t.y + t.h)])
                out.append([start, (xa, s.cy), (xa, below), (xb, below), (xb, ty), (tx_in, ty)])
                out.append([(s.cx, s.y + s.h), (s.cx, below), (t.cx, below), (t.cx, t.y + t.h)])
            return out
        if f.track:
            band, row = f.track
            track_y = self.band_y[band] + BAND_PAD + row * ROW_H + ROW_H / 2
            xb = self._gap_x(tgt.rank, False, (track_y, ty), channel_use)
            if is_boundary:
                start = [(s.cx, s.y + s.h)]
            elif abs(track_y - s.cy) < 1:
                start = [(s.x + s.w, s.cy)]
            else:
                start = [(s.cx, s.y + s.h) if track_y > s.cy else (s.cx, s.y)]
            out.append(start + [(s.cx if len(start) and start[0][0] == s.cx else start[0][0], track_y),
                                (xb, track_y), (xb, ty), (tx_in, ty)])
        if is_boundary:
            start = (s.cx, s.y + s.h)
            if abs(s.cx - t.cx) < 1 or (t.x < s.cx < t.x + t.w and t.y > s.y):
                out.append([start, (s.cx, t.y)])
            out.append([start, (s.cx, ty), (tx_in, ty)] if tx_in > s.cx else [start, (s.cx, t.y)])
            stub = s.y + s.h + 12
            xa = self._gap_x(src.rank, True, (stub, ty), channel_use)
            if tx_in > xa:
                out.append([start, (s.cx, stub), (xa, stub), (xa, ty), (tx_in, ty)])
            if t.y > s.y + s.h:
                out.append([start, (s.cx, stub), (t.cx, stub), (t.cx, t.y)])
            return out
        right = (s.x + s.w, s.cy)
        if src.rank == tgt.rank:
            if t.y > s.y:
                out.append([(s.cx, s.y + s.h), (t.cx, t.y)])
            else:
                out.append([(s.cx, s.y), (t.cx, t.y + t.h)])
            return out
        if abs(s.cy - ty) < 1:
            out.append([right, (tx_in, ty)])
        xa = self._gap_x(src.rank, True, (s.cy, ty), channel_use)
        xb = self._gap_x(tgt.rank, False, (s.cy, ty), channel_use)
        out.append([right, (xa, s.cy), (xa, ty), (tx_in, ty)])
        out.append([right, (xb, s.cy), (xb, ty), (tx_in, ty)])
        vertical_from = (s.cx, s.y + s.h) if ty > s.cy else (s.cx, s.y)
        out.append([vertical_from, (s.cx, ty), (tx_in, ty)])
        stub = s.y + s.h + 12 if ty > s.cy else s.y - 12
        out.append([vertical_from, (s.cx, stub), (xa, stub), (xa, ty), (tx_in, ty)])
        # Into the target from above or below.
        enter = (t.cx, t.y) if ty > s.cy else (t.cx, t.y + t.h)
        out.append([right, (t.cx, s.cy), enter])
        return out

    def _cost(self, points, shapes, labels, ignore, others=()) -> float:
        cost = 0.0
        for (ax, ay), (bx, by) in zip(points, points[1:]):
            for (cx, cy), (dx, dy) in others:
                # Running along another flow (not one it splits from or merges into) hides both.
                if ax == bx and cx == dx and abs(ax - cx) < 3 and \
                        min(max(ay, by), max(cy, dy)) - max(min(ay, by), min(cy, dy)) > 2:
                    cost += 40
                elif ay == by and cy == dy and abs(ay - cy) < 3 and \
                        min(max(ax, bx), max(cx, dx)) - max(min(ax, bx), min(cx, dx)) > 2:
                    cost += 40
            seg = Rect(min(ax, bx) - 1, min(ay, by) - 1, abs(bx - ax) + 2, abs(by - ay) + 2)
            for sid, r in shapes.items():
                if sid in ignore:
                    continue
                if seg.overlaps(Rect(r.x - 4, r.y - 4, r.w + 8, r.h + 8)):
                    cost += 1000
            for lab in labels:
                if seg.overlaps(lab):
                    cost += 60
            cost += abs(bx - ax) / 1000 + abs(by - ay) / 1000
        cost += 10 * (len(_simplify(points)) - 2)
        return cost

    def place_labels(self):
        """Event labels below (else above, right, left), gateway labels above (else beside, below): the
        first position that covers no shape, no label and no flow; else the least covered one."""
        shapes = [n.rect for n in self.nodes.values()] + [b.rect for b in self.boundary.values()]
        labels = [b.label for b in self.boundary.values() if b.label]
        segments = [Rect(min(ax, bx) - 1, min(ay, by) - 1, abs(bx - ax) + 2, abs(by - ay) + 2)
                    for f in self.flows for (ax, ay), (bx, by) in zip(f.points, f.points[1:])]
        for n in sorted(self.nodes.values(), key=lambda n: (n.rank, n.index)):
            if not n.name or n.kind in TASKS:
                continue
            lw, lh = label_size(n.name)
            r = n.rect
            below = Rect(round(r.cx - lw / 2), r.y + r.h + 4, lw, lh)
            above = Rect(round(r.cx - lw / 2), r.y - 4 - lh, lw, lh)
            above_left = Rect(round(r.cx - 6 - lw), r.y - 4 - lh, lw, lh)
            above_right = Rect(round(r.cx + 6), r.y - 4 - lh, lw, lh)
            below_right = Rect(round(r.cx + 6), r.y + r.h + 4, lw, lh)
            below_left = Rect(round(r.cx - 6 - lw), r.y + r.h + 4, lw, lh)
            if n.kind in GATEWAYS:
                options = [above, above_right, above_left, below_right, below_left, below]
            else:
                options = [below, below_right, below_left, above, above_right, above_left]

            def clash(c, i):
                return (sum(1000 for x in shapes if c.overlaps(x, 2)) + sum(500 for x in labels if c.overlaps(x, 2))
                        + sum(50 for x in segments if c.overlaps(x)) + i)
            n.label = min((clash(c, i), i, c) for i, c in enumerate(options))[2]
            labels.append(n.label)
        for f in self.flows:
            if f.name:
                f.label = self._flow_label(f, {i: x for i, x in enumerate(shapes)}, labels)
                labels.append(f.label)

    def _flow_label(self, f: Flow, shapes, labels) -> Rect:
        """Above (else below) the first horizontal stretch of the flow, else beside a vertical one; the
        position covering the fewest shapes and labels, the earliest one on a tie."""
        lw, lh = label_size(f.name, FLOW_LABEL_W)
        candidates = []
        for (ax, ay), (bx, by) in zip(f.points, f.points[1:]):
            if ay == by:
                left = min(ax, bx)
                candidates += [Rect(left + 6, ay - 4 - lh, lw, lh), Rect(left + 6, ay + 4, lw, lh),
                               Rect(max(ax, bx) - 10 - lw, ay - 4 - lh, lw, lh)]
            else:
                top = min(ay, by)
                candidates += [Rect(ax + 6, top + 6, lw, lh), Rect(ax - 6 - lw, top + 6, lw, lh)]
        def clash(r):
            return (sum(1 for s in shapes.values() if r.overlaps(s, 2)) * 10
                    + sum(1 for lab in labels if r.overlaps(lab, 2)))
        return min(candidates, key=clash)

    def run(self):
        self.rank()
        self.assign_bands()
        self.assign_rows()
        self.place()
        self.route()
        self.place_labels()
        return self


def _simplify(points):
    pts = [(round(x), round(y)) for x, y in points]
    dedup = [pts[0]]
    for p in pts[1:]:
        if p != dedup[-1]:
            dedup.append(p)
    out = [dedup[0]]
    for i in range(1, len(dedup) - 1):
        (ax, ay), (bx, by), (cx, cy) = out[-1], dedup[i], dedup[i + 1]
        if (ax == bx == cx) or (ay == by == cy):
            continue
        out.append(dedup[i])
    if len(dedup) > 1:
        out.append(dedup[-1])
    return out


# -- writing ---------------------------------------------------------------------------------------------

def _bounds(r: Rect) -> str:
    return f'<dc:Bounds x="{int(r.x)}" y="{int(r.y)}" width="{int(r.w)}" height="{int(r.h)}" />'


def _label(r: Rect | None) -> str:
    return f"<bpmndi:BPMNLabel>{_bounds(r)}</bpmndi:BPMNLabel>" if r else ""


def _plane_elements(layout: ContainerLayout, indent: str) -> list[str]:
    lines = []
    for n in sorted(layout.nodes.values(), key=lambda n: n.index):
        extra = ' isExpanded="false"' if n.kind in CONTAINERS else ""
        extra += ' isMarkerVisible="true"' if n.kind == "exclusiveGateway" else ""
        lines.append(f'{indent}<bpmndi:BPMNShape id="{n.id}_di" bpmnElement="{n.id}"{extra}>{_bounds(n.rect)}'
                     f'{_label(n.label)}</bpmndi:BPMNShape>')
        for b in n.boundaries:
            lines.append(f'{indent}<bpmndi:BPMNShape id="{b.id}_di" bpmnElement="{b.id}">{_bounds(b.rect)}'
                         f'{_label(b.label)}</bpmndi:BPMNShape>')
    for f in layout.flows:
        points = "".join(f'<di:waypoint x="{x}" y="{y}" />' for x, y in f.points)
        lines.append(f'{indent}<bpmndi:BPMNEdge id="{f.id}_di" bpmnElement="{f.id}">{points}'
                     f'{_label(f.label)}</bpmndi:BPMNEdge>')
    return lines


_DIAGRAM = re.compile(r"\n?[ \t]*<(?P<p>[\w.-]+:)?BPMNDiagram\b.*?</(?P=p)BPMNDiagram>", re.S)
_DMNDI = re.compile(r"\n?[ \t]*<(?P<p>[\w.-]+:)?DMNDI\b.*?</(?P=p)DMNDI>", re.S)


def _declare(text: str, root_tag_prefix: str, namespaces: dict[str, str]) -> str:
    """Add the namespace declarations the drawing needs to the root element's start tag."""
    match = re.search(r"<" + re.escape(root_tag_prefix) + r"definitions\b", text)
    head_end = text.index(">", match.end())
    head = text[match.start():head_end]
    extra = "".join(f' xmlns:{p}="{uri}"' for p, uri in namespaces.items() if f"xmlns:{p}=" not in head)
    return text[:head_end].rstrip("/") + extra + text[head_end:] if extra else text


def layout_bpmn(text: str) -> str:
    """``text`` (a BPMN file) with its drawing computed afresh; everything else kept as it was."""
    text = _DIAGRAM.sub("", text)
    root = etree.fromstring(text.encode("utf-8"))
    prefix = root.prefix + ":" if root.prefix else ""
    processes = root.findall(f"{{{BPMN_NS}}}process")
    if len(processes) != 1:
        raise ValueError("a library diagram holds exactly one process")
    process = processes[0]
    pid = process.get("id")
    lane_set = process.find(f"{{{BPMN_NS}}}laneSet")
    lanes = lane_set.findall(f"{{{BPMN_NS}}}lane") if lane_set is not None else []
    if any(lane.find(f"{{{BPMN_NS}}}childLaneSet") is not None for lane in lanes):
        raise ValueError("nested lanes are not supported by the layout (docs/diagrams.md)")
    participant = None
    if lanes:
        found = root.xpath("./b:collaboration/b:participant[@processRef=$p]", namespaces={"b": BPMN_NS}, p=pid)
        if found:
            participant = found[0].get("id")
        else:
            participant = f"Participant_{pid}"
            collab = (f'<{prefix}collaboration id="Collaboration_{pid}"><{prefix}participant id="{participant}" '
                      f'name="{_attr(process.get("name") or pid)}" processRef="{pid}" /></{prefix}collaboration>\n  ')
            at = re.search(r"<" + re.escape(prefix) + r"process\b", text).start()
            text = text[:at] + collab + text[at:]
            root = etree.fromstring(text.encode("utf-8"))
    origin_x = 160 + (POOL_HEADER * 2 + LANE_INSET if lanes else 0)
    layout = ContainerLayout(process, lanes, (origin_x, 80)).run()
    ind = "      "
    plane_of = root.find(f"{{{BPMN_NS}}}collaboration").get("id") if lanes else pid
    lines = [f'  <bpmndi:BPMNDiagram id="BPMNDiagram_{pid}">',
             f'    <bpmndi:BPMNPlane id="BPMNPlane_{pid}" bpmnElement="{plane_of}">']
    if lanes:
        pool = Rect(160, 80, POOL_HEADER * 2 + LANE_INSET * 2 + layout.width, layout.height)
        lines.append(f'{ind}<bpmndi:BPMNShape id="{participant}_di" bpmnElement="{participant}" isHorizontal="true">'
                     f'{_bounds(pool)}</bpmndi:BPMNShape>')
        for lane, y, h in zip(lanes, layout.band_y, layout.band_h):
            r = Rect(pool.x + POOL_HEADER, y, pool.w - POOL_HEADER, h)
            lines.append(f'{ind}<bpmndi:BPMNShape id="{lane.get("id")}_di" bpmnElement="{lane.get("id")}" '
                         f'isHorizontal="true">{_bounds(r)}</bpmndi:BPMNShape>')
    lines += _plane_elements(layout, ind)
    lines += ["    </bpmndi:BPMNPlane>", "  </bpmndi:BPMNDiagram>"]
    # Each collapsed sub-process gets its own plane (drill-down in bpmn-js).
    for sub in process.iter(*(f"{{{BPMN_NS}}}{k}" for k in CONTAINERS)):
        inner = ContainerLayout(sub, None, (180, 80)).run()
        sid = sub.get("id")
        lines += [f'  <bpmndi:BPMNDiagram id="BPMNDiagram_{sid}">',
                  f'    <bpmndi:BPMNPlane id="BPMNPlane_{sid}" bpmnElement="{sid}">']
        lines += _plane_elements(inner, ind)
        lines += ["    </bpmndi:BPMNPlane>", "  </bpmndi:BPMNDiagram>"]
    end = text.rindex(f"</{prefix}definitions>")
    text = text[:end].rstrip() + "\n" + "\n".join(lines) + "\n" + text[end:]
    return _declare(text, prefix, {"bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS})


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


DRG_ELEMENTS = ("decision", "inputData", "businessKnowledgeModel", "knowledgeSource")
REQUIREMENTS = {"informationRequirement": ("requiredDecision", "requiredInput"),
                "knowledgeRequirement": ("requiredKnowledge",),
                "authorityRequirement": ("requiredDecision", "requiredInput", "requiredAuthority")}


def layout_dmn(text: str) -> str:
    """``text`` (a DMN 1.3 file) with a decision requirements diagram: one shape per DRG element in a row,
    one edge per requirement that has an id."""
    text = _DMNDI.sub("", text)
    root = etree.fromstring(text.encode("utf-8"))
    if etree.QName(root).namespace != DMN_NS:
        raise ValueError("only DMN 1.3 files are drawn")
    prefix = root.prefix + ":" if root.prefix else ""
    shapes, edges = {}, []
    x = 160
    for el in root:
        if _local(el) in DRG_ELEMENTS:
            w, h = (180, 80) if _local(el) != "inputData" else (125, 45)
            shapes[el.get("id")] = Rect(x, 100 if _local(el) == "decision" else 260, w, h)
            x += w + 60
    for el in root:
        for req in el:
            kind = _local(req)
            if kind in REQUIREMENTS and req.get("id"):
                href = next((c.get("href") for c in req if _local(c) in REQUIREMENTS[kind]), None)
                source = shapes.get((href or "").lstrip("#"))
                target = shapes.get(el.get("id"))
                if source and target:
                    edges.append((req.get("id"), source, target))
    did = root.get("id") or "definitions"
    lines = ["  <dmndi:DMNDI>", f'    <dmndi:DMNDiagram id="DMNDiagram_{did}">']
    for eid, r in shapes.items():
        lines.append(f'      <dmndi:DMNShape id="DMNShape_{eid}" dmnElementRef="{eid}">{_bounds(r)}</dmndi:DMNShape>')
    for rid, s, t in edges:
        lines.append(f'      <dmndi:DMNEdge id="DMNEdge_{rid}" dmnElementRef="{rid}">'
                     f'<di:waypoint x="{int(s.cx)}" y="{int(s.y)}" /><di:waypoint x="{int(t.cx)}" y="{int(t.y + t.h)}" />'
                     f'</dmndi:DMNEdge>')
    lines += ["    </dmndi:DMNDiagram>", "  </dmndi:DMNDI>"]
    end = text.rindex(f"</{prefix}definitions>")
    text = text[:end].rstrip() + "\n" + "\n".join(lines) + "\n" + text[end:]
    return _declare(text, prefix, {"dmndi": DMNDI_NS, "dc": DMN_DC_NS, "di": DMN_DI_NS})


# -- checking --------------------------------------------------------------------------------------------

def _rect(bounds) -> Rect:
    return Rect(*(float(bounds.get(k)) for k in ("x", "y", "width", "height")))


def problems(text: str) -> list[str]:
    """What is wrong with a BPMN file's drawing (empty when it draws every element legibly)."""
    root = etree.fromstring(text.encode("utf-8"))
    ns = {"b": BPMN_NS, "bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS}
    shapes = {s.get("bpmnElement"): s for s in root.iterfind(".//bpmndi:BPMNShape", ns)}
    edges = {e.get("bpmnElement"): e for e in root.iterfind(".//bpmndi:BPMNEdge", ns)}
    found = []
    if root.find("bpmndi:BPMNDiagram", ns) is None:
        return ["no bpmndi:BPMNDiagram"]
    for process in root.iterfind("b:process", ns):
        for el in process.iter():
            kind = _local(el)
            if kind in FLOW_NODES | {"boundaryEvent", "lane"} and el.get("id") not in shapes:
                found.append(f"{kind} '{el.get('id')}' has no BPMNShape")
            if kind == "sequenceFlow":
                edge = edges.get(el.get("id"))
                if edge is None:
                    found.append(f"sequence flow '{el.get('id')}' has no BPMNEdge")
                    continue
                pts = [(float(p.get("x")), float(p.get("y"))) for p in edge.iterfind("di:waypoint", ns)]
                if len(pts) < 2:
                    found.append(f"sequence flow '{el.get('id')}' has fewer than two waypoints")
                if any(a[0] != b[0] and a[1] != b[1] for a, b in zip(pts, pts[1:])):
                    found.append(f"sequence flow '{el.get('id')}' is not orthogonal")
        # Shapes of one plane: flow nodes must not overlap one another, labels not overlap anything.
        node_rects, label_rects = {}, {}
        for el in process:
            kind = _local(el)
            shape = shapes.get(el.get("id"))
            if shape is None or kind not in FLOW_NODES | {"boundaryEvent"}:
                continue
            if kind != "boundaryEvent":
                node_rects[el.get("id")] = _rect(shape.find("dc:Bounds", ns))
            lab = shape.find("bpmndi:BPMNLabel/dc:Bounds", ns)
            if lab is not None:
                label_rects[el.get("id")] = _rect(lab)
            elif el.get("name") and kind not in TASKS:
                found.append(f"{kind} '{el.get('id')}' is named but has no label bounds")
        for el in process.iterfind("b:sequenceFlow", ns):
            lab = edges.get(el.get("id"))
            lab = lab.find("bpmndi:BPMNLabel/dc:Bounds", ns) if lab is not None else None
            if lab is not None:
                label_rects[el.get("id")] = _rect(lab)
        ids = sorted(node_rects)
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                if node_rects[a].overlaps(node_rects[b]):
                    found.append(f"shapes '{a}' and '{b}' overlap")
        boundary_rects = {}
        for el in process.iterfind("b:boundaryEvent", ns):
            shape = shapes.get(el.get("id"))
            host = node_rects.get(el.get("attachedToRef"))
            if shape is None or host is None:
                continue
            r = _rect(shape.find("dc:Bounds", ns))
            on_border = (host.x <= r.cx <= host.x + host.w and host.y <= r.cy <= host.y + host.h
                         and min(abs(r.cx - host.x), abs(r.cx - host.x - host.w),
                                 abs(r.cy - host.y), abs(r.cy - host.y - host.h)) <= 1)
            if not on_border:
                found.append(f"boundary event '{el.get('id')}' is not on the border of its host")
            for other, o in boundary_rects.items():
                if r.overlaps(o):
                    found.append(f"boundary events '{other}' and '{el.get('id')}' overlap")
            boundary_rects[el.get("id")] = r
        every = {**node_rects, **boundary_rects}
        labels = sorted(label_rects)
        for i, a in enumerate(labels):
            for sid, r in every.items():
                if sid != a and label_rects[a].overlaps(r):
                    found.append(f"the label of '{a}' overlaps the shape '{sid}'")
            for b in labels[i + 1:]:
                if label_rects[a].overlaps(label_rects[b]):
                    found.append(f"the labels of '{a}' and '{b}' overlap")
    return found


def dmn_problems(text: str) -> list[str]:
    root = etree.fromstring(text.encode("utf-8"))
    drawn = {s.get("dmnElementRef") for s in root.iter(f"{{{DMNDI_NS}}}DMNShape")}
    return [f"{_local(el)} '{el.get('id')}' has no DMNShape" for el in root
            if _local(el) in DRG_ELEMENTS and el.get("id") not in drawn]


def layout_file(path: Path) -> bool:
    """Rewrite ``path`` with its drawing; True when the file changed."""
    text = path.read_text(encoding="utf-8")
    new = layout_dmn(text) if path.suffix == ".dmn" else layout_bpmn(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = [Path(a) for a in argv if a != "--check"]
    status = 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        new = layout_dmn(text) if path.suffix == ".dmn" else layout_bpmn(text)
        issues = dmn_problems(new) if path.suffix == ".dmn" else problems(new)
        for issue in issues:
            print(f"{path}: {issue}", file=sys.stderr)
        if check:
            if new != text:
                print(f"{path}: drawing is not the one the layout computes (run scripts/layout-diagrams)",
                      file=sys.stderr)
                status = 1
        elif new != text:
            path.write_text(new, encoding="utf-8")
            print(f"{path}: drawn")
        status = status or (1 if issues else 0)
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
