"""Every audited action the code records has a label for timelines (docs/ui.md "Names, not codes").

The test reads the source: each call of ``audit.record(session, actor, ACTION, ...)`` (and the inbox's
``_audit(session, principal, ACTION, ...)``). An action written as text must have a label; an action built
from an event name (``f"transfer.{event}"``) must have a label for every event the module compares that
name with (``event == "sent"``, ``event in (...)``) or passes for it (``kind="transfer"``).
"""
from __future__ import annotations

import ast
from pathlib import Path

from workflow_app.platform.audit.action_labels import ACTION_LABELS, action_label

PACKAGE = Path(__file__).resolve().parents[1] / "workflow_app"

#: Modules whose events reach another module's action family (police transfers report as ``transfer.*``).
SHARED_EVENTS = {"domain/collaboration/transfers.py": ["domain/collaboration/police.py"]}


def _is_record_call(node: ast.Call) -> bool:
    f = node.func
    name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
    owner = f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else ""
    return (name == "record" and owner in ("audit", "trail")) or name == "_audit"


def _constants(tree: ast.AST, variable: str) -> set[str]:
    """The text values a module compares ``variable`` with or passes as ``variable=...``."""
    values: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            subject = node.left
            named = (isinstance(subject, ast.Name) and subject.id == variable) or (
                isinstance(subject, ast.Attribute) and subject.attr == variable)
            if not named:
                continue
            for op, right in zip(node.ops, node.comparators):
                if isinstance(op, ast.Eq) and isinstance(right, ast.Constant) and isinstance(right.value, str):
                    values.add(right.value)
                if isinstance(op, ast.In) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
                    values |= {e.value for e in right.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
        if isinstance(node, ast.keyword) and node.arg == variable and isinstance(node.value, ast.Constant):
            values.add(node.value.value)
    return values


def _actions_of(node: ast.expr, tree_of) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _actions_of(node.body, tree_of) | _actions_of(node.orelse, tree_of)
    if isinstance(node, ast.JoinedStr):
        prefix = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        formatted = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
        assert len(formatted) == 1, ast.unparse(node)
        value, cut = formatted[0], None
        if isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Slice):  # d.kind[:-5]
            cut = ast.literal_eval(value.slice.upper)
            value = value.value
        variable = value.id if isinstance(value, ast.Name) else value.attr
        events = set().union(*(_constants(t, variable) for t in tree_of()))
        assert events, f"no values found for {ast.unparse(node)}"
        return {prefix + (e[:cut] if cut is not None else e) for e in events}
    if isinstance(node, ast.Name):  # inbox._audit's parameter: its callers pass the text
        return set()
    raise AssertionError(f"an action the test cannot read: {ast.unparse(node)}")


def recorded_actions() -> dict[str, str]:
    """Every action recorded in the code, with where."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        shared = [ast.parse((PACKAGE / other).read_text(encoding="utf-8")) for other in SHARED_EVENTS.get(rel, [])]
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _is_record_call(node) and len(node.args) >= 3:
                for action in _actions_of(node.args[2], lambda: [tree, *shared]):
                    found.setdefault(action, f"{rel}:{node.lineno}")
    return found


def test_the_source_scan_finds_literal_and_built_actions():
    actions = recorded_actions()
    assert {"complaint.triage", "case.open", "task.claim", "user.deactivate", "clock.suspend",
            "transfer.sent", "transfer.filing_decision", "hearing.opinion", "ledger.notification"} <= set(actions)


def test_every_recorded_action_has_a_label():
    missing = {a: where for a, where in recorded_actions().items() if a not in ACTION_LABELS}
    assert not missing, f"actions without a timeline label (platform/audit/action_labels.py): {missing}"


def test_labels_are_words():
    assert action_label("complaint.triage") == "分流判定"
    assert all(not any(c.isascii() and c.isalpha() for c in label) for label in ACTION_LABELS.values())
    assert action_label("no.such") == "no.such"
