"""Turn a set of definition files into runnable, validated process bundles.

Validation happens in full before anything is stored (the registry service stores only what this module
accepted):

1. every file parses as hardened XML (BPMN/DMN) or JSON (forms; definition tests ``*.test.json`` against
   their JSON Schema, engine/test_files.py);
2. BPMN and DMN files validate against their XML schemas;
3. SpiffWorkflow parses every process and decision; every executable process builds a workflow;
4. every diagram text (scripts, conditions, timers, task-property expressions, DMN entries) compiles
   under the sandbox policy;
5. every user task resolves to a candidate group and names a form that exists and is valid JSON Schema;
6. every referenced decision and called process exists;
7. every decision, output, rule, process, task, timer and message a definition test names exists.

Running the definition tests is engine/definition_tests.py's job (docs/definition-tests.md).

A bundle is what one deployed version of a process needs: its BPMN file, the files of the processes it
calls, the decision files and the forms it uses. Its content hash decides whether a new version is due.
"""
from __future__ import annotations

import ast
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from workflow_app.platform.engine import conventions, sandbox, task_data, test_files
from workflow_app.platform.engine.runner import EXPRESSION_PROPERTIES
from workflow_app.platform.engine.xml_safety import MAX_XML_BYTES, DefinitionError, parse_xml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}

# EXPRESSION_PROPERTIES (from engine/runner.py, the code that evaluates them): every task property whose
# value is a sandbox expression — priority, dueDate, summary and the clock directives. Each is compiled here.

#: Upper bound on nodes in one process: Spiff's parser recurses along a chain (docs/sandbox.md, "Engine limits").
MAX_NODES_PER_PROCESS = 400


class LibraryError(Exception):
    """One or more files were refused; ``problems`` lists every one of them."""

    def __init__(self, problems: list[DefinitionError]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass
class ProcessBundle:
    process_id: str
    name: str
    spec: object
    subprocess_specs: dict
    bpmn_files: dict[str, bytes]
    dmn_files: dict[str, bytes]
    forms: dict[str, dict]
    warnings: list[str] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for kind, files in (("bpmn", self.bpmn_files), ("dmn", self.dmn_files)):
            for name in sorted(files):
                digest.update(f"{kind}:{name}\0".encode())
                digest.update(hashlib.sha256(files[name]).digest())
        for name in sorted(self.forms):
            digest.update(f"form:{name}\0".encode())
            digest.update(json.dumps(self.forms[name], sort_keys=True, ensure_ascii=False).encode())
        return digest.hexdigest()


@dataclass
class DecisionInfo:
    """A decision of the library: the file it is in and its parsed table (SpiffWorkflow's model)."""
    decision_id: str
    filename: str
    table: object


@dataclass
class Library:
    processes: dict[str, ProcessBundle]
    forms: dict[str, dict]
    #: decision id -> its file and table (what decision tests and checks run against)
    decisions: dict[str, DecisionInfo] = field(default_factory=dict)
    #: test file name -> its validated document (docs/definition-tests.md); never part of a bundle
    tests: dict[str, dict] = field(default_factory=dict)


def _kind(filename: str) -> str:
    if test_files.is_test_file(filename):
        return "test"
    suffix = PurePosixPath(filename).suffix.lower()
    return {".bpmn": "bpmn", ".dmn": "dmn", ".json": "form"}.get(suffix, "")


def check_filename(filename: str) -> None:
    name = PurePosixPath(filename).name
    if not name or name != filename or name.startswith(".") or len(name) > 200:
        raise DefinitionError(filename, "file name must be a plain name such as 'case.bpmn'")
    if not _kind(name):
        raise DefinitionError(filename, "unsupported file type (expected .bpmn, .dmn, .json or .test.json)")


def parse_form(filename: str, content: bytes) -> dict:
    """A form file: ``{"schema": JSON Schema 2020-12, "ui": {...}}``."""
    if len(content) > MAX_XML_BYTES:
        raise DefinitionError(filename, "file is too large")
    try:
        form = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise DefinitionError(filename, f"not valid JSON: {exc}", line) from None
    if not isinstance(form, dict) or not isinstance(form.get("schema"), dict):
        raise DefinitionError(filename, "a form must be an object with a 'schema' object and optional 'ui'")
    schema = form["schema"]
    if schema.get("type") != "object":
        raise DefinitionError(filename, "a form schema must have type 'object'")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise DefinitionError(filename, f"invalid JSON Schema: {exc.message}") from None
    ui = form.get("ui", {})
    if not isinstance(ui, dict):
        raise DefinitionError(filename, "'ui' must be an object")
    props = schema.get("properties", {})
    for key in ("order",):
        for name in ui.get(key, []):
            if name not in props:
                raise DefinitionError(filename, f"ui.{key} names unknown field '{name}'")
    for key in ("labels", "widgets", "help", "enumLabels", "translations"):
        if not isinstance(ui.get(key, {}), dict):
            raise DefinitionError(filename, f"ui.{key} must be an object")
    for lang, texts in ui.get("translations", {}).items():
        # Translations of the labels, help and enum labels, by language (docs/ui.md "Task forms").
        if not isinstance(texts, dict) or any(not isinstance(texts.get(k, {}), dict)
                                              for k in ("labels", "help", "enumLabels")):
            raise DefinitionError(filename, f"ui.translations.{lang} must hold objects labels, help, enumLabels")
    for name in props:
        if name.startswith("_"):
            raise DefinitionError(filename, f"field names may not start with '_' ({name})")
        if name == task_data.RESERVED_KEY:
            raise DefinitionError(filename, f"field name '{name}' is reserved by the engine's storage format")
    return form


def _spiff_problem(exc: Exception, filename: str | None, roots: dict[str, etree._Element]) -> DefinitionError:
    file = getattr(exc, "file_name", None) or filename
    line = getattr(exc, "line_number", None) or None
    if not line and getattr(exc, "id", None) and file in roots:
        found = roots[file].xpath("//*[@id=$id]", id=exc.id)
        line = found[0].sourceline if found else None
    reason = str(exc).split("\n")[0] if str(exc) else type(exc).__name__
    return DefinitionError(file or None, reason, line if isinstance(line, int) else None)


def _lint_expressions(filename: str, root: etree._Element) -> list[DefinitionError]:
    """Compile every piece of diagram text under the sandbox policy."""
    problems: list[DefinitionError] = []

    def check(element, text, mode, what):
        errors = sandbox.check_source(text or "", mode) if (text or "").strip() else []
        for error in errors:
            problems.append(DefinitionError(filename, f"{what}: {error}", element.sourceline))

    for el in root.xpath(".//bpmn:scriptTask/bpmn:script", namespaces=NS):
        check(el, el.text, "exec", "script")
    for tag in ("preScript", "postScript"):
        for el in root.xpath(f".//spiffworkflow:{tag}", namespaces=NS):
            check(el, el.text, "exec", tag)
    for el in root.xpath(".//spiffworkflow:messagePayload", namespaces=NS):
        check(el, el.text, "eval", "messagePayload")
    for el in root.xpath(".//spiffworkflow:processVariableCorrelation/spiffworkflow:expression", namespaces=NS):
        check(el, el.text, "eval", "correlation expression")
    for tag in ("conditionExpression", "timeDuration", "timeDate", "timeCycle", "loopCardinality",
                "completionCondition", "loopCondition", "condition", "messagePath", "formalExpression"):
        for el in root.xpath(f".//bpmn:{tag}", namespaces=NS):
            check(el, el.text, "eval", tag)
    for el in root.xpath(".//spiffworkflow:property", namespaces=NS):
        if el.get("name") in EXPRESSION_PROPERTIES:
            check(el, el.get("value"), "eval", f"property {el.get('name')}")
    # DMN (any DMN namespace version): input expressions, input entries, output entries.
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        local = etree.QName(el).localname
        if local != "text":
            continue
        parent = etree.QName(el.getparent()).localname
        text = (el.text or "").strip()
        if not text or text == "-":
            continue
        if parent in ("inputExpression", "outputEntry"):
            check(el, text, "eval", parent)
        elif parent == "inputEntry":
            check(el, _dmn_match_expression(text), "eval", "inputEntry")
    return problems


def _dmn_match_expression(text: str) -> str:
    # Mirrors SpiffWorkflow's DMN engine: '?' stands for the input; a bare value means equality; a
    # leading operator ("> 5") is applied to the input.
    if "?" in text:
        return text.replace("?", "dmninputexpr")
    try:
        ast.parse(text)
        return f"(dmninputexpr) == ({text})"
    except SyntaxError:
        return f"dmninputexpr {text}"


def _find_cycles(process_el: etree._Element) -> list[str]:
    """Sequence-flow cycles (back-edge loops) in a process: they grow Spiff's task tree each round."""
    edges: dict[str, list[str]] = {}
    for flow in process_el.xpath("./bpmn:sequenceFlow", namespaces=NS):
        edges.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
    seen, stack, cycles = set(), set(), []

    def visit(node):
        seen.add(node)
        stack.add(node)
        for nxt in edges.get(node, []):
            if nxt in stack:
                cycles.append(f"{node} -> {nxt}")
            elif nxt not in seen:
                visit(nxt)
        stack.discard(node)

    for start in list(edges):
        if start not in seen:
            visit(start)
    return cycles


def build_library(files: dict[str, bytes], script_engine_factory) -> Library:
    """Validate ``files`` as a whole and return the process bundles, or raise :class:`LibraryError`."""
    problems: list[DefinitionError] = []
    roots: dict[str, etree._Element] = {}
    forms: dict[str, dict] = {}
    tests: dict[str, dict] = {}
    for filename, content in sorted(files.items()):
        try:
            check_filename(filename)
            if _kind(filename) == "test":
                tests[filename] = test_files.parse_test_file(filename, content)
            elif _kind(filename) == "form":
                forms[filename] = parse_form(filename, content)
            else:
                roots[filename] = parse_xml(content, filename)
        except DefinitionError as exc:
            problems.append(exc)
    if problems:
        raise LibraryError(problems)

    parser = SpiffBpmnParser(validator=VALIDATOR)
    dmn_files = {f: r for f, r in roots.items() if _kind(f) == "dmn"}
    bpmn_files = {f: r for f, r in roots.items() if _kind(f) == "bpmn"}
    for filename, root in dmn_files.items():
        try:
            parser.add_dmn_xml(root, filename=filename)
        except (ValidationException, SpiffWorkflowException, etree.LxmlError, ValueError, KeyError,
                AttributeError, TypeError) as exc:
            problems.append(_spiff_problem(exc, filename, roots))
    for filename, root in bpmn_files.items():
        if root.tag != f"{{{BPMN_NS}}}definitions":
            problems.append(DefinitionError(filename, "root element must be bpmn:definitions", root.sourceline))
            continue
        try:
            parser.add_bpmn_xml(root, filename=filename)
        except (ValidationException, SpiffWorkflowException, etree.LxmlError, ValueError, KeyError,
                AttributeError, TypeError) as exc:
            problems.append(_spiff_problem(exc, filename, roots))
    for filename, root in roots.items():
        problems.extend(_lint_expressions(filename, root))
    if problems:
        raise LibraryError(problems)

    decision_files = {ref: dp.filename for ref, dp in parser.dmn_parsers.items()}
    process_files = {pid: pp.filename for pid, pp in parser.process_parsers.items()}
    bundles: dict[str, ProcessBundle] = {}
    for process_id in parser.get_process_ids():
        filename = process_files[process_id]
        try:
            bundles[process_id] = _build_bundle(
                parser, process_id, files, roots, forms, decision_files, process_files, script_engine_factory)
        except DefinitionError as exc:
            problems.append(exc)
        except RecursionError:
            problems.append(DefinitionError(filename, f"process '{process_id}' is nested or chained too deeply"))
        except (ValidationException, SpiffWorkflowException, ValueError, KeyError, AttributeError,
                TypeError, IndexError) as exc:
            problems.append(_spiff_problem(exc, filename, roots))
    if problems:
        raise LibraryError(problems)

    decisions: dict[str, DecisionInfo] = {}
    for ref, dmn_parser in parser.dmn_parsers.items():
        try:
            dmn_parser.parse()
            decisions[ref] = DecisionInfo(ref, dmn_parser.filename, dmn_parser.decision.decisionTables[0])
        except (ValidationException, SpiffWorkflowException, ValueError, KeyError, AttributeError, TypeError,
                IndexError) as exc:
            problems.append(_spiff_problem(exc, dmn_parser.filename, roots))
    facts = {pid: test_files.ProcessFacts(b.spec, b.subprocess_specs) for pid, b in bundles.items()}
    for filename, document in tests.items():
        problems.extend(test_files.check_references(
            filename, document, {ref: d.table for ref, d in decisions.items()}, facts))
    if problems:
        raise LibraryError(problems)
    return Library(processes=bundles, forms=forms, decisions=decisions, tests=tests)


def _build_bundle(parser, process_id, files, roots, forms, decision_files, process_files, script_engine_factory):
    filename = process_files[process_id]
    process_el = roots[filename].xpath("//bpmn:process[@id=$id]", namespaces=NS, id=process_id)[0]
    node_count = len(process_el.xpath(".//bpmn:*[@id]", namespaces=NS))
    if node_count > MAX_NODES_PER_PROCESS:
        raise DefinitionError(filename, f"process '{process_id}' has {node_count} elements; the limit is "
                                        f"{MAX_NODES_PER_PROCESS} (split it into called processes)",
                              process_el.sourceline)
    spec = parser.get_spec(process_id)
    subprocess_specs = parser.get_subprocess_specs(process_id)
    # It must build: instantiate once without running anything.
    BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine_factory())

    used_bpmn = {filename} | {process_files[sp] for sp in subprocess_specs if sp in process_files}
    used_dmn, used_forms = set(), {}
    for spec_obj, spec_file in [(spec, filename)] + [
            (s, process_files.get(name, filename)) for name, s in subprocess_specs.items()]:
        root = roots[spec_file]
        for task_spec in spec_obj.task_specs.values():
            line = _line_of(root, task_spec.bpmn_id if hasattr(task_spec, "bpmn_id") else None)
            if getattr(task_spec, "manual", False):
                _check_user_task(task_spec, spec_file, line, forms, used_forms, spec_obj)
        for el in root.xpath("//bpmn:process[@id=$id]//spiffworkflow:calledDecisionId", namespaces=NS,
                             id=spec_obj.name):
            ref = (el.text or "").strip()
            if ref not in decision_files:
                raise DefinitionError(spec_file, f"decision '{ref}' does not exist", el.sourceline)
            used_dmn.add(decision_files[ref])
    warnings = [f"{filename}: back-edge loop {c} (prefer loop characteristics or one instance per cycle)"
                for c in _find_cycles(process_el)]
    return ProcessBundle(
        process_id=process_id,
        name=process_el.get("name") or process_id,
        spec=spec,
        subprocess_specs=subprocess_specs,
        bpmn_files={f: files[f] for f in sorted(used_bpmn)},
        dmn_files={f: files[f] for f in sorted(used_dmn)},
        forms=used_forms,
        warnings=warnings,
    )


def _line_of(root, element_id):
    if not element_id:
        return None
    found = root.xpath("//*[@id=$id]", id=element_id)
    return found[0].sourceline if found else None


def _check_user_task(task_spec, filename, line, forms, used_forms, process_spec):
    label = f"task '{task_spec.bpmn_name or task_spec.bpmn_id}'"
    group = conventions.candidate_group_of(task_spec)
    if group is None:
        raise DefinitionError(filename, f"{label} has no candidate group: put it in a lane labelled "
                                        f"'... [body/role]' or set the candidateGroup property", line)
    problems = group.problems()
    if problems:
        raise DefinitionError(filename, f"{label}: {'; '.join(problems)}", line)
    form_name = conventions.task_properties(task_spec).get("form")
    if not form_name:
        raise DefinitionError(filename, f"{label} names no form (property 'form')", line)
    if form_name not in forms:
        raise DefinitionError(filename, f"{label} uses form '{form_name}', which does not exist", line)
    used_forms[form_name] = forms[form_name]
    same = conventions.task_properties(task_spec).get("sameAssigneeAs")
    if same:
        target = next((t for t in process_spec.task_specs.values()
                       if getattr(t, "bpmn_id", None) == same and getattr(t, "manual", False)), None)
        if target is None:
            raise DefinitionError(filename, f"{label}: sameAssigneeAs names '{same}', which is not a user task "
                                            f"of the same process", line)
