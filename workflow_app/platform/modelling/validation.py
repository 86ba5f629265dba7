"""Validation of a draft: the deploy validation plus lint rules for the project's conventions.

Every save of a draft (and every submission and approval) runs :func:`validate_draft`. It answers a list of
:class:`Problem`, each located by file, element id (the marker the editor draws) and line, with a Chinese
message a process owner understands. Errors block publication; warnings do not
(docs/workspace.md "Validation").

Two sources:

* the **deploy validation** (:func:`engine.library.build_library` on the draft's merged library): exactly
  what the registry would refuse. Its English reasons are put into Chinese by :data:`_DEPLOY_PATTERNS`;
  its line numbers are mapped to the enclosing element that has an ``id``;
* the **lint rules** (:data:`RULES`), run on the draft's own files only: conventions the deploy validation
  checks only in part (it stops at the first user task of a process) or not at all (a gateway without a
  default flow, a dead-end element, a timer without a time, a DMN output of the wrong type).
"""
from __future__ import annotations

import ast
import re
from dataclasses import asdict, dataclass

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.platform.engine import conventions
from workflow_app.platform.engine import library as lib
from workflow_app.platform.engine import runner
from workflow_app.platform.engine.xml_safety import DefinitionError, parse_xml
from workflow_app.platform.modelling import drafts
from workflow_app.platform.organisation import BODIES, ROLES
from workflow_app.platform.persistence.models import Group, ProcessDraft

ERROR, WARNING = "error", "warning"
BPMN = lib.BPMN_NS
SPIFF = lib.SPIFF_NS
NS = lib.NS


@dataclass
class Problem:
    file: str | None
    element: str | None  # the BPMN/DMN element id the problem is about (None: the whole file)
    line: int | None
    severity: str  # error | warning
    code: str  # the rule (see RULES) or "deploy.<kind>" for the deploy validation
    message_zh: str
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


#: The lint rules: code -> (severity, what it checks). docs/workspace.md lists them for process owners.
RULES = {
    "user-task-form": (ERROR, "a user task names a form (task property 'form') that exists"),
    "user-task-group": (ERROR, "a user task has a candidate group: a lane '... [body/role]' or candidateGroup"),
    "lane-group": (WARNING, "a lane's name ends with '[body/role]'"),
    "unknown-group": (ERROR, "a lane's or task's body and role are known to the organisation"),
    "group-not-staffed": (WARNING, "some bureau has a group with that body and role"),
    "gateway-default": (WARNING, "an exclusive gateway with several outgoing flows has a default flow"),
    "flow-condition": (WARNING, "an outgoing flow of such a gateway that is not the default has a condition"),
    "not-connected": (ERROR, "a flow node is connected to the rest of the process"),
    "no-incoming": (WARNING, "a flow node other than a start event is reached by a flow"),
    "no-outgoing": (WARNING, "a flow node other than an end event leads somewhere"),
    "timer-definition": (ERROR, "a timer event says when (duration, date or cycle)"),
    "message-ref": (ERROR, "a message event names a message of the file"),
    "message-correlation": (WARNING, "a process waiting for a message sets correlation_key (else the business key)"),
    "boundary-outgoing": (ERROR, "a boundary event has an outgoing flow"),
    "dmn-output-type": (ERROR, "a decision table's output entries match the output's type"),
    "dmn-empty-output": (ERROR, "every output entry of a rule has a value"),
}

#: The deploy validation's English reasons in Chinese (regex on the reason -> template, groups by name).
_DEPLOY_PATTERNS: list[tuple[str, str, str]] = [
    ("user-task-group", r"task '(?P<t>[^']*)' has no candidate group",
     "用户任务“{t}”没有办理组：请把它放进名称以“[机构/角色]”结尾的泳道，或设置 candidateGroup 属性"),
    ("unknown-group", r"task '(?P<t>[^']*)': unknown (body|role) '(?P<r>[^']*)'",
     "用户任务“{t}”的办理组中，机构类型或角色“{r}”不存在"),
    ("user-task-form", r"task '(?P<t>[^']*)' names no form", "用户任务“{t}”没有指定表单（任务属性 form）"),
    ("user-task-form", r"task '(?P<t>[^']*)' uses form '(?P<f>[^']*)', which does not exist",
     "用户任务“{t}”使用的表单“{f}”不存在"),
    ("same-assignee", r"task '(?P<t>[^']*)': sameAssigneeAs names '(?P<s>[^']*)'",
     "用户任务“{t}”的 sameAssigneeAs 指向“{s}”，它不是本流程的用户任务"),
    ("decision", r"decision '(?P<d>[^']*)' does not exist", "调用的决策表“{d}”不存在"),
    ("xml", r"not well-formed XML: (?P<r>.*)", "文件不是格式正确的 XML：{r}"),
    ("xml", r"document type declarations", "文件中不允许出现 DTD/ENTITY 声明"),
    ("xml", r"file is empty", "文件是空的"),
    ("xml", r"file must be encoded as UTF-8", "文件必须使用 UTF-8 编码"),
    ("xml", r"root element must be bpmn:definitions", "BPMN 文件的根元素必须是 bpmn:definitions"),
    ("form", r"not valid JSON: (?P<r>.*)", "表单文件不是有效的 JSON：{r}"),
    ("form", r"invalid JSON Schema: (?P<r>.*)", "表单的字段定义（JSON Schema）无效：{r}"),
    ("form", r"a form must be an object", "表单文件必须是含有 schema 对象的 JSON 对象"),
    ("form", r"a form schema must have type 'object'", "表单的 schema 类型必须是 object"),
    ("form", r"ui\.(?P<k>\w+) names unknown field '(?P<f>[^']*)'", "表单界面设置 ui.{k} 引用了不存在的字段“{f}”"),
    ("form", r"field names may not start with '_' \((?P<f>[^)]*)\)", "表单字段名不能以下划线开头（{f}）"),
    ("expression", r"^(?P<w>script|preScript|postScript|messagePayload|correlation expression|conditionExpression|"
                   r"timeDuration|timeDate|timeCycle|loopCardinality|completionCondition|loopCondition|condition|"
                   r"messagePath|formalExpression|property \w+|inputExpression|outputEntry|inputEntry): (?P<r>.*)",
     "表达式有误或不被允许（{w}）：{r}"),
    ("size", r"has (?P<n>\d+) elements; the limit is (?P<m>\d+)", "流程元素过多（{n} 个，上限 {m} 个），请拆分为子流程"),
    ("size", r"nested or chained too deeply", "流程嵌套或串联过深"),
    ("schema", r"(?i)(not valid|schema|element .* not expected|missing child|attribute)",
     "文件不符合 BPMN/DMN 规范：{reason}"),
]

_LABELS = {"userTask": "用户任务", "task": "任务", "scriptTask": "脚本任务", "serviceTask": "服务任务",
           "businessRuleTask": "决策任务", "exclusiveGateway": "排他网关", "parallelGateway": "并行网关",
           "inclusiveGateway": "包容网关", "eventBasedGateway": "事件网关", "startEvent": "开始事件",
           "endEvent": "结束事件", "intermediateCatchEvent": "中间捕获事件", "intermediateThrowEvent": "中间抛出事件",
           "boundaryEvent": "边界事件", "callActivity": "调用活动", "subProcess": "子流程",
           "receiveTask": "接收任务", "sendTask": "发送任务", "manualTask": "人工任务"}
_FLOW_NODES = tuple(_LABELS)


def validate_draft(session: Session, draft: ProcessDraft) -> list[Problem]:
    """The problems of ``draft``: deploy validation of its merged library, lint of the files it shows."""
    files = drafts.merged_files(session, draft)
    lint_files = {view.filename for view in drafts.file_list(session, draft)}
    return validate_files(files, lint_files, known_groups(session))


def known_groups(session: Session) -> set[tuple[str, str]]:
    """The (body, role) pairs some bureau of the organisation has a group for."""
    return {(body, role) for body, role in session.execute(select(Group.body_kind, Group.role)).all()}


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == ERROR for p in problems)


def validate_files(files: dict[str, bytes], lint_files: set[str] | None = None,
                   groups: set[tuple[str, str]] | None = None) -> list[Problem]:
    """Deploy validation of the whole of ``files`` and lint of ``lint_files`` (default: all of them).
    ``groups``: the organisation's (body, role) pairs (None: don't check that a group is staffed)."""
    lint_files = set(files) if lint_files is None else lint_files & set(files)
    roots: dict[str, etree._Element] = {}
    for name, content in files.items():
        if lib._kind(name) in ("bpmn", "dmn"):
            try:
                roots[name] = parse_xml(content, name)
            except DefinitionError:
                pass  # reported by the deploy validation
    problems: list[Problem] = []
    try:
        library = lib.build_library(files, runner.build_only_script_engine)
    except lib.LibraryError as exc:
        problems.extend(_deploy_problem(p, roots) for p in exc.problems)
    else:
        for bundle in library.processes.values():  # the warnings of the files shown, not the whole library's
            for warning in bundle.warnings:
                problem = _warning_problem(warning, bundle.bpmn_files, roots)
                if problem.file in lint_files:
                    problems.append(problem)
    for name in sorted(lint_files):
        root = roots.get(name)
        if root is None:
            continue
        if lib._kind(name) == "bpmn":
            problems.extend(_lint_bpmn(name, root, files, groups))
        else:
            problems.extend(_lint_dmn(name, root))
    return _dedupe(problems)


# ------------------------------------------------------------------------------------------------
# The deploy validation's problems
# ------------------------------------------------------------------------------------------------

def element_at_line(root: etree._Element, line: int | None) -> str | None:
    """The id of the element that encloses ``line``: the element starting on that line (else the last one
    starting before it) or, if it has no id, its nearest ancestor with one."""
    if not line:
        return None
    chosen = None
    for el in root.iter():
        if not isinstance(el.tag, str) or el.sourceline is None:
            continue
        if el.sourceline == line:
            chosen = el
            break
        if el.sourceline < line:
            chosen = el
        else:
            break
    while chosen is not None and not chosen.get("id"):
        chosen = chosen.getparent()
    if chosen is None or etree.QName(chosen).localname in ("definitions",):
        return None
    return chosen.get("id")


def _deploy_problem(error: DefinitionError, roots: dict[str, etree._Element]) -> Problem:
    reason = error.reason
    code, message_zh = "deploy", f"流程定义校验未通过：{reason}"
    for kind, pattern, template in _DEPLOY_PATTERNS:
        match = re.search(pattern, reason)
        if match:
            code = kind if kind in RULES else f"deploy.{kind}"
            shown = re.sub(r"\{http://www\.omg\.org/spec/BPMN/20100524/MODEL\}", "bpmn:", reason)
            message_zh = template.format(reason=shown, **{k: v for k, v in match.groupdict().items()})
            break
    root = roots.get(error.file or "")
    element = element_at_line(root, error.line) if root is not None else None
    if element is None and root is not None:
        quoted = re.search(r"task '([^']*)'", reason)
        if quoted:
            found = root.xpath("//*[@id=$v or @name=$v]", v=quoted.group(1))
            element = found[0].get("id") if found else None
    return Problem(error.file, element, error.line, ERROR, code, message_zh, reason)


def _warning_problem(warning: str, bpmn_files: dict, roots: dict) -> Problem:
    file, _, reason = warning.partition(": ")
    match = re.search(r"back-edge loop (\S+) -> (\S+)", reason)
    if match:
        return Problem(file, match.group(1), _line(roots.get(file), match.group(1)), WARNING, "loop",
                       f"流程中有回环（{match.group(1)} → {match.group(2)}）：每循环一次都会增大流程实例，"
                       "建议改用多实例或每轮一个实例", reason)
    return Problem(file or None, None, None, WARNING, "deploy.warning", f"提示：{reason}", reason)


def _dedupe(problems: list[Problem]) -> list[Problem]:
    """One problem per (file, element, code): a lint rule and the deploy validation may both find it."""
    seen, out = set(), []
    for p in problems:
        key = (p.file, p.element, p.code) if p.element else (p.file, p.line, p.code, p.message)
        if key in seen:
            continue
        seen.add(key)
        out.append(p)
    order = {ERROR: 0, WARNING: 1}
    return sorted(out, key=lambda p: (p.file or "", order.get(p.severity, 2), p.line or 0))


# ------------------------------------------------------------------------------------------------
# Lint: BPMN
# ------------------------------------------------------------------------------------------------

def _local(el) -> str:
    return etree.QName(el).localname


def _line(root, element_id):
    if root is None or not element_id:
        return None
    found = root.xpath("//*[@id=$id]", id=element_id)
    return found[0].sourceline if found else None


def _name(el) -> str:
    return el.get("name") or el.get("id") or ""


def _what(el) -> str:
    return f"{_LABELS.get(_local(el), _local(el))}“{_name(el)}”"


def _properties(el) -> dict[str, str]:
    return {p.get("name"): p.get("value") or "" for p in el.xpath(
        "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS)}


def _lint_bpmn(filename: str, root, files: dict[str, bytes], groups) -> list[Problem]:
    out: list[Problem] = []

    def add(code, el, message_zh, message):
        out.append(Problem(filename, el.get("id"), el.sourceline, RULES[code][0], code, message_zh, message))

    forms = {name for name in files if lib._kind(name) == "form"}
    messages = {m.get("id") for m in root.xpath("//bpmn:message", namespaces=NS)}
    for process in root.xpath("//bpmn:process", namespaces=NS):
        lane_of = {}
        for lane in process.xpath(".//bpmn:lane", namespaces=NS):
            for ref in lane.xpath("./bpmn:flowNodeRef", namespaces=NS):
                lane_of[(ref.text or "").strip()] = lane
            if lane.xpath("./bpmn:childLaneSet", namespaces=NS):
                continue
            group = conventions.parse_group_text(lane.get("name"), from_lane=True)
            if group is None:
                add("lane-group", lane, f"泳道“{_name(lane)}”的名称没有以“[机构/角色]”结尾，其中的用户任务找不到办理组",
                    f"lane {lane.get('id')} has no '[body/role]' group in its name")
            else:
                _check_group(add, lane, f"泳道“{_name(lane)}”", group, groups)
        for task in process.xpath(".//bpmn:userTask", namespaces=NS):
            props = _properties(task)
            form = props.get("form")
            if not form:
                add("user-task-form", task, f"{_what(task)}没有指定表单（任务属性 form）",
                    f"user task {task.get('id')} names no form")
            elif form not in forms:
                add("user-task-form", task, f"{_what(task)}使用的表单“{form}”不存在",
                    f"user task {task.get('id')} uses form {form!r}, which does not exist")
            if props.get("candidateGroup"):
                group = conventions.parse_group_text(props["candidateGroup"], from_lane=False)
                if group is None:
                    add("user-task-group", task, f"{_what(task)}的 candidateGroup 应写作“机构/角色”",
                        f"user task {task.get('id')}: candidateGroup is not 'body/role'")
                else:
                    _check_group(add, task, _what(task), group, groups)
            else:
                lane = lane_of.get(task.get("id"))
                if lane is None:
                    add("user-task-group", task, f"{_what(task)}不在任何泳道中，也没有设置 candidateGroup：无人能办理",
                        f"user task {task.get('id')} is in no lane and sets no candidateGroup")
                elif conventions.parse_group_text(lane.get("name"), from_lane=True) is None:
                    add("user-task-group", task, f"{_what(task)}所在泳道“{_name(lane)}”没有指定办理组（[机构/角色]）",
                        f"user task {task.get('id')}: its lane names no '[body/role]' group")
        for container in [process, *process.xpath(".//bpmn:subProcess", namespaces=NS)]:
            _lint_flows(add, container)
        waits_for_message = False
        for definition in process.xpath(".//bpmn:timerEventDefinition", namespaces=NS):
            event = definition.getparent()
            if not definition.xpath("./bpmn:timeDuration|./bpmn:timeDate|./bpmn:timeCycle", namespaces=NS) or \
                    not any((t.text or "").strip() for t in definition):
                add("timer-definition", event, f"{_what(event)}是定时事件，但没有设置时间（期限、日期或周期）",
                    f"timer event {event.get('id')} has no timeDuration, timeDate or timeCycle")
        for definition in process.xpath(".//bpmn:messageEventDefinition", namespaces=NS):
            event = definition.getparent()
            ref = definition.get("messageRef")
            if not ref or ref not in messages:
                add("message-ref", event, f"{_what(event)}是消息事件，但没有指定（存在的）消息",
                    f"message event {event.get('id')} names no message of the file" if not ref else
                    f"message event {event.get('id')} names message {ref!r}, which the file does not define")
            if _local(event) in ("intermediateCatchEvent", "boundaryEvent"):
                waits_for_message = True
        waits_for_message = waits_for_message or bool(process.xpath(".//bpmn:receiveTask", namespaces=NS))
        if waits_for_message and not _sets_correlation(process):
            add("message-correlation", process,
                f"流程“{_name(process)}”等待消息，但没有设置 correlation_key 变量：消息将按本流程实例的业务编号关联",
                f"process {process.get('id')} waits for messages but never sets correlation_key "
                "(messages correlate by the business key)")
        for event in process.xpath(".//bpmn:boundaryEvent", namespaces=NS):
            if not event.xpath("./bpmn:outgoing", namespaces=NS) and \
                    not _outgoing(process, event.get("id")) and \
                    not event.xpath("./bpmn:compensateEventDefinition", namespaces=NS):
                add("boundary-outgoing", event, f"{_what(event)}没有后续连线：事件发生后流程无处可去",
                    f"boundary event {event.get('id')} has no outgoing flow")
    return out


def _sets_correlation(process) -> bool:
    texts = process.xpath(".//bpmn:script/text()|.//spiffworkflow:preScript/text()|"
                          ".//spiffworkflow:postScript/text()", namespaces=NS)
    return any("correlation_key" in t for t in texts) or bool(
        process.xpath(".//spiffworkflow:processVariableCorrelation", namespaces=NS))


def _outgoing(container, node_id) -> list:
    return container.xpath("./bpmn:sequenceFlow[@sourceRef=$id]", namespaces=NS, id=node_id)


def _check_group(add, el, what: str, group: conventions.GroupRef, groups) -> None:
    unknown = [f"机构类型“{group.body}”" for _ in [0] if group.body not in BODIES] + \
              [f"角色“{group.role}”" for _ in [0] if group.role not in ROLES]
    if unknown:
        add("unknown-group", el, f"{what}的办理组中，{'、'.join(unknown)}不存在",
            f"{el.get('id')}: {'; '.join(group.problems())}")
    elif groups is not None and (group.body, group.role) not in groups:
        add("group-not-staffed", el, f"{what}的办理组“{group.body}/{group.role}”在组织机构中还没有任何用户组",
            f"{el.get('id')}: no bureau has a group {group.body}/{group.role}")


def _lint_flows(add, container) -> None:
    flows = container.xpath("./bpmn:sequenceFlow", namespaces=NS)
    incoming, outgoing = {}, {}
    for flow in flows:
        outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
        incoming.setdefault(flow.get("targetRef"), []).append(flow)
    in_event_subprocess = container.get("triggeredByEvent") == "true"
    for node in container:
        if not isinstance(node.tag, str) or etree.QName(node).namespace != BPMN or _local(node) not in _FLOW_NODES:
            continue
        kind, node_id = _local(node), node.get("id")
        has_in, has_out = bool(incoming.get(node_id)), bool(outgoing.get(node_id))
        if kind == "boundaryEvent":
            continue  # attached to its task; 'boundary-outgoing' checks its flow
        if kind == "startEvent" or (kind == "subProcess" and node.get("triggeredByEvent") == "true"):
            if in_event_subprocess or kind == "subProcess":
                continue
            if not has_out:
                add("no-outgoing", node, f"{_what(node)}没有后续连线", f"{node_id} has no outgoing flow")
            continue
        if kind == "endEvent":
            if not has_in:
                add("no-incoming", node, f"{_what(node)}没有连线进入，永远不会到达", f"{node_id} has no incoming flow")
            continue
        if not has_in and not has_out:
            add("not-connected", node, f"{_what(node)}没有任何连线，不会被执行", f"{node_id} is not connected")
        elif not has_in:
            add("no-incoming", node, f"{_what(node)}没有连线进入，永远不会到达", f"{node_id} has no incoming flow")
        elif not has_out:
            add("no-outgoing", node, f"{_what(node)}没有后续连线（流程在此结束，建议连到结束事件）",
                f"{node_id} has no outgoing flow")
        if kind in ("exclusiveGateway", "inclusiveGateway") and len(outgoing.get(node_id, [])) > 1:
            default = node.get("default")
            if not default:
                add("gateway-default", node, f"{_what(node)}没有默认路径：所有条件都不成立时流程会出错停止",
                    f"gateway {node_id} has several outgoing flows and no default flow")
            for flow in outgoing[node_id]:
                if flow.get("id") == default:
                    continue
                condition = flow.xpath("./bpmn:conditionExpression", namespaces=NS)
                if not condition or not (condition[0].text or "").strip():
                    add("flow-condition", flow, f"{_what(node)}的连线“{_name(flow)}”既不是默认路径也没有条件",
                        f"flow {flow.get('id')} out of gateway {node_id} has no condition and is not the default")


# ------------------------------------------------------------------------------------------------
# Lint: DMN
# ------------------------------------------------------------------------------------------------

_TYPES = {"string": (str,), "number": (int, float), "integer": (int,), "long": (int,), "double": (int, float),
          "boolean": (bool,)}
_TYPE_WORDS = {"string": "文本", "number": "数字", "integer": "整数", "long": "整数", "double": "数字", "boolean": "是/否"}


def _literal(text: str):
    """(True, value) for a Python literal (None stays allowed: "no value"), (False, None) for an expression."""
    try:
        return True, ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def _lint_dmn(filename: str, root) -> list[Problem]:
    out: list[Problem] = []
    for table in root.iter():
        if not isinstance(table.tag, str) or _local(table) != "decisionTable":
            continue
        outputs = [el for el in table if isinstance(el.tag, str) and _local(el) == "output"]
        rules = [el for el in table if isinstance(el.tag, str) and _local(el) == "rule"]
        for number, rule in enumerate(rules, 1):
            entries = [el for el in rule if isinstance(el.tag, str) and _local(el) == "outputEntry"]
            for output, entry in zip(outputs, entries):
                text_el = next((c for c in entry if isinstance(c.tag, str) and _local(c) == "text"), None)
                text = (text_el.text or "").strip() if text_el is not None else ""
                label = output.get("label") or output.get("name") or output.get("id")
                where = f"第 {number} 行的输出“{label}”"
                if not text:
                    out.append(Problem(filename, entry.get("id") or rule.get("id"), entry.sourceline, ERROR,
                                       "dmn-empty-output", f"{where}没有填写（不需要值时请写 None）",
                                       f"rule {rule.get('id')}: output {output.get('name')} is empty"))
                    continue
                type_ref = (output.get("typeRef") or "").lower()
                expected = _TYPES.get(type_ref)
                is_literal, value = _literal(text)
                if not expected or not is_literal or value is None:
                    continue
                wrong = not isinstance(value, expected) or (bool not in expected and isinstance(value, bool))
                if wrong:
                    out.append(Problem(filename, entry.get("id") or rule.get("id"), entry.sourceline, ERROR,
                                       "dmn-output-type",
                                       f"{where}应为{_TYPE_WORDS.get(type_ref, type_ref)}，实际填写的是 {text}",
                                       f"rule {rule.get('id')}: output {output.get('name')} is {type_ref}, "
                                       f"the entry is {text}"))
    return out
