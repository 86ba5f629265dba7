"""Document types, their DOCX templates and the methods of service: the data of ``documents/``; filling a
template with docxtpl.

Templates are edited by people (process owners, in Word), so they are filled in a sandboxed Jinja
environment with autoescape: a tag may read the context it is given and nothing else — no attributes that
start with an underscore, no calls into Python internals — and a value can never inject Word XML
(docs/documents.md, templates). An unknown field is an error, not a blank on an official document.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from workflow_app.platform.errors import NotFound, TemplateRejected

#: The folder of types.json and templates/ (a top-level data folder of the repository).
DEFAULT_ROOT = Path(__file__).resolve().parents[3] / "documents"
_REQUIRED = ("code", "label_zh", "label_en", "template", "number_kind", "number_label", "number_pattern")


@dataclass(frozen=True)
class DocumentType:
    code: str
    label_zh: str
    label_en: str
    template: str
    number_kind: str
    number_label: str
    number_pattern: str
    issuing_bodies: tuple[str, ...] = field(default_factory=tuple)
    root: Path = DEFAULT_ROOT

    @property
    def template_path(self) -> Path:
        return self.root / "templates" / self.template

    def as_dict(self) -> dict:
        return {"code": self.code, "label_zh": self.label_zh, "label_en": self.label_en, "template": self.template,
                "number_kind": self.number_kind, "number_label": self.number_label,
                "number_pattern": self.number_pattern, "issuing_bodies": list(self.issuing_bodies)}


def load_types(root: Path = DEFAULT_ROOT) -> dict[str, DocumentType]:
    """Every document type of ``root/types.json``, checked (a broken file fails loudly at start-up)."""
    path = root / "types.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, DocumentType] = {}
    for entry in data.get("types", []):
        missing = [k for k in _REQUIRED if not isinstance(entry.get(k), str) or not entry[k].strip()]
        if missing:
            raise ValueError(f"{path}: type {entry.get('code')!r} lacks {', '.join(missing)}")
        if entry["code"] in out:
            raise ValueError(f"{path}: type {entry['code']!r} appears twice")
        doc_type = DocumentType(**{k: entry[k] for k in _REQUIRED},
                                issuing_bodies=tuple(entry.get("issuing_bodies") or ()), root=root)
        if not doc_type.template_path.is_file():
            raise ValueError(f"{path}: template {doc_type.template_path} of {doc_type.code!r} does not exist")
        out[doc_type.code] = doc_type
    return out


@lru_cache(maxsize=4)
def _cached_types(root: Path) -> dict[str, DocumentType]:
    return load_types(root)


def document_types(root: Path = DEFAULT_ROOT) -> dict[str, DocumentType]:
    return _cached_types(root)


def document_type(code: str, root: Path = DEFAULT_ROOT) -> DocumentType:
    found = document_types(root).get(code)
    if found is None:
        raise NotFound(f"文书种类 {code} 不存在", f"document type {code!r} not found")
    return found


@lru_cache(maxsize=4)
def _cached_methods(root: Path) -> dict[str, dict]:
    data = json.loads((root / "service_methods.json").read_text(encoding="utf-8"))
    out = {}
    for entry in data["methods"]:
        if not all(isinstance(entry.get(k), str) and entry[k] for k in ("code", "label_zh", "label_en")):
            raise ValueError(f"service_methods.json: incomplete method {entry!r}")
        out[entry["code"]] = {"code": entry["code"], "label_zh": entry["label_zh"], "label_en": entry["label_en"]}
    return out


def service_methods(root: Path = DEFAULT_ROOT) -> dict[str, dict]:
    """The methods of service (送达方式) of documents/service_methods.json, by code, in their order."""
    return _cached_methods(root)


def sandboxed_environment() -> SandboxedEnvironment:
    """The Jinja environment every template is filled in: sandboxed, autoescaped, strict about names."""
    return SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)


def render_docx(template_path: Path, context: dict) -> bytes:
    """The filled DOCX of ``template_path`` for ``context`` (plain values, lists and dicts)."""
    template = DocxTemplate(str(template_path))
    try:
        template.render(context, jinja_env=sandboxed_environment(), autoescape=True)
    except SecurityError as exc:
        raise TemplateRejected("文书模板含有不允许的内容，请流程管理员修改模板",
                               f"template {template_path.name} was refused by the sandbox: {exc}") from exc
    except UndefinedError as exc:
        raise TemplateRejected(f"文书模板引用了未知字段（{exc.message}），请流程管理员修改模板",
                               f"template {template_path.name} uses an unknown field: {exc.message}") from exc
    except TemplateError as exc:
        raise TemplateRejected("文书模板的标记有误，请流程管理员修改模板",
                               f"template {template_path.name} could not be filled: {exc}") from exc
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()
