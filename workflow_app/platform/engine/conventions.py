"""How a diagram says who works a task and how it appears in the inbox.

These conventions are what a process owner writes in the modeler; they are checked at deploy time so that
a task whose group cannot be resolved never reaches production.

* Lane label ``劳动保障监察·监察员 [inspection/inspector]``: the bracket names the body and role of the
  candidate group; the bureau is the case's jurisdiction. ``[^body/role]`` targets the parent bureau.
* Task properties (``spiffworkflow:properties``): ``form``, ``candidateGroup``, ``priority``, ``dueDate``,
  ``summary``. Expressions are evaluated in the sandbox against the task's data.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from workflow_app.platform.organisation import BODIES, ROLES

DEFAULT_PRIORITY = 50

_GROUP = re.compile(r"\[(\^?)([a-z_]+)/([a-z_]+)\]\s*$")
_PROPERTY_GROUP = re.compile(r"^(\^?)([a-z_]+)/([a-z_]+)$")


@dataclass(frozen=True)
class GroupRef:
    """A candidate group relative to a case's jurisdiction."""

    body: str
    role: str
    parent_level: bool = False

    def resolve(self, jurisdiction: str, parent_of: dict[str, str | None]) -> str:
        bureau = jurisdiction
        if self.parent_level:
            bureau = parent_of.get(jurisdiction) or jurisdiction
        return group_key(bureau, self.body, self.role)

    def problems(self) -> list[str]:
        out = []
        if self.body not in BODIES:
            out.append(f"unknown body '{self.body}' (known: {', '.join(BODIES)})")
        if self.role not in ROLES:
            out.append(f"unknown role '{self.role}' (known: {', '.join(ROLES)})")
        return out


def group_key(bureau: str, body: str, role: str) -> str:
    return f"{bureau}/{body}/{role}"


def parse_group_text(text: str | None, from_lane: bool) -> GroupRef | None:
    if not text:
        return None
    match = (_GROUP.search if from_lane else _PROPERTY_GROUP.match)(text.strip())
    if not match:
        return None
    return GroupRef(body=match.group(2), role=match.group(3), parent_level=bool(match.group(1)))


def task_properties(task_spec) -> dict[str, str]:
    return dict((getattr(task_spec, "extensions", None) or {}).get("properties", {}) or {})


def candidate_group_of(task_spec) -> GroupRef | None:
    """The candidate group a user task declares (task property wins over the lane)."""
    props = task_properties(task_spec)
    if props.get("candidateGroup"):
        return parse_group_text(props["candidateGroup"], from_lane=False)
    return parse_group_text(getattr(task_spec, "lane", None), from_lane=True)
