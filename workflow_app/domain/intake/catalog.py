"""The intake vocabulary, read from the deployed decision tables (never hard-coded routing).

The issue codes a registration may use, their Chinese labels and groups, and the construction-project
types are the literal rows of ``issue_codes.dmn`` (decision ``issue_catalog``) and ``regulators.dmn``
(decision ``regulators``) in the latest deployed version of ``intake_triage``. A process owner who adds a
row to those tables (and deploys) adds a code the window accepts, with no Python change.

Only rows whose input entry is a literal (``"wage_arrears"``) name a code; the catch-all row (``-``) does
not. The result is cached per deployed content hash.
"""
from __future__ import annotations

import ast
import json
import threading
from dataclasses import dataclass, field

from lxml import etree
from sqlalchemy.orm import Session

from workflow_app.platform.engine.xml_safety import parse_xml
from workflow_app.platform.organisation import N_
from workflow_app.platform.persistence.models import ProcessVersion
from workflow_app.platform.processes import registry
from workflow_app.platform.errors import ProcessFailed

TRIAGE_PROCESS = "intake_triage"
ISSUE_DECISION = "issue_catalog"
REGULATOR_DECISION = "regulators"
OTHER_PROJECT = "other"

# The labels below are marked for translation (N_): pages show them in the reader's language (docs/ui.md).

CHANNELS: dict[str, str] = {
    "window": N_("窗口接待"), "phone_12333": N_("12333电话"), "online": N_("网上投诉"), "letter": N_("来信"),
    "wage_platform": N_("国家欠薪线索反映平台"), "transfer": N_("其他部门转来"), "early_warning": N_("欠薪预警线索"),
}
KINDS: dict[str, str] = {"complaint": N_("投诉"), "report": N_("举报")}
PROCEEDINGS: dict[str, str] = {"none": N_("无"), "mediation": N_("调解中"), "arbitration": N_("仲裁中"), "litigation": N_("诉讼中")}
GROUPS: dict[str, str] = {"labour_standard": N_("劳动标准"), "si_enforcement": N_("社会保险（征缴执法）"),
                          "si_audit": N_("社会保险（稽核）"), "labour_dispute": N_("劳动争议"), "outside": N_("非人社部门职责")}
PROJECT_TYPE_LABELS: dict[str, str] = {
    "housing_construction": N_("房屋建筑和市政工程"), "transport": N_("交通运输工程"), "water_conservancy": N_("水利工程"),
    "power": N_("电力工程"), "energy": N_("能源工程"), OTHER_PROJECT: N_("其他"),
}


@dataclass(frozen=True)
class IssueCode:
    code: str
    label: str
    group: str
    wage: bool
    department: str | None = None
    department_name: str | None = None
    label_en: str | None = None  # the English name pages show in English (docs/ui.md "Error messages in English")


@dataclass
class Catalog:
    version: int
    issue_codes: dict[str, IssueCode] = field(default_factory=dict)
    project_types: dict[str, str | None] = field(default_factory=dict)  # type -> regulator name (None: other)

    def as_dict(self) -> dict:
        return {
            "process_version": self.version,
            "kinds": [{"code": k, "label": v} for k, v in KINDS.items()],
            "channels": [{"code": k, "label": v} for k, v in CHANNELS.items()],
            "proceedings": [{"code": k, "label": v} for k, v in PROCEEDINGS.items()],
            "issue_codes": [{"code": c.code, "label": c.label, "group": c.group, "group_label": GROUPS.get(c.group, c.group),
                             "wage": c.wage, "department": c.department, "department_name": c.department_name,
                             "label_en": c.label_en}
                            for c in self.issue_codes.values()],
            "project_types": [{"code": k, "label": PROJECT_TYPE_LABELS.get(k, k), "regulator": v}
                              for k, v in self.project_types.items()],
        }


_cache: dict[str, Catalog] = {}
_lock = threading.Lock()


def load(session: Session) -> Catalog:
    """The vocabulary of the latest deployed intake triage process."""
    try:
        version = registry.get_version(session, TRIAGE_PROCESS)
    except Exception:  # noqa: BLE001 - NotFound: the library was never deployed
        raise ProcessFailed("综合窗口分流流程尚未部署，暂不能登记", f"process {TRIAGE_PROCESS!r} is not deployed") from None
    with _lock:
        hit = _cache.get(version.content_hash)
    if hit is not None:
        return hit
    catalog = parse(version)
    with _lock:
        if len(_cache) > 32:
            _cache.clear()
        _cache[version.content_hash] = catalog
    return catalog


def parse(version: ProcessVersion) -> Catalog:
    dmn_files = json.loads(version.files_json).get("dmn", {})
    tables = {}
    for filename, text in dmn_files.items():
        root = parse_xml(text.encode("utf-8"), filename)
        for decision in root.iter():
            if isinstance(decision.tag, str) and etree.QName(decision).localname == "decision":
                tables[decision.get("id")] = decision
    catalog = Catalog(version=version.version)
    for entry, outputs in _literal_rows(tables.get(ISSUE_DECISION)):
        values = {name.split(".", 1)[-1]: value for name, value in outputs.items()}
        if not isinstance(entry, str):
            continue
        catalog.issue_codes.setdefault(entry, IssueCode(
            code=entry, label=str(values.get("label") or entry), group=str(values.get("group") or "unknown"),
            wage=bool(values.get("wage")), department=values.get("department"),
            department_name=values.get("department_name"),
            label_en=str(values["label_en"]) if values.get("label_en") else None))
    for entry, outputs in _literal_rows(tables.get(REGULATOR_DECISION)):
        if isinstance(entry, str):
            catalog.project_types.setdefault(entry, outputs.get("regulator_name"))
    catalog.project_types.setdefault(OTHER_PROJECT, None)
    return catalog


def _literal_rows(decision):
    """(literal of the first input entry, {output name: literal output}) for each rule with literal cells."""
    if decision is None:
        return
    table = next((el for el in decision if isinstance(el.tag, str) and etree.QName(el).localname == "decisionTable"), None)
    if table is None:
        return
    names = [el.get("name") for el in table if isinstance(el.tag, str) and etree.QName(el).localname == "output"]
    for rule in table:
        if not isinstance(rule.tag, str) or etree.QName(rule).localname != "rule":
            continue
        inputs = [_text(el) for el in rule if isinstance(el.tag, str) and etree.QName(el).localname == "inputEntry"]
        outputs = [_text(el) for el in rule if isinstance(el.tag, str) and etree.QName(el).localname == "outputEntry"]
        if not inputs:
            continue
        key = _literal(inputs[0])
        if key is _NOT_LITERAL:
            continue
        values = {}
        for name, text in zip(names, outputs):
            value = _literal(text)
            if value is not _NOT_LITERAL:
                values[name] = value
        yield key, values


def _text(el) -> str:
    for child in el:
        if isinstance(child.tag, str) and etree.QName(child).localname == "text":
            return (child.text or "").strip()
    return ""


_NOT_LITERAL = object()


def _literal(text: str):
    if not text or text == "-":
        return _NOT_LITERAL
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return _NOT_LITERAL
