"""Editing a draft's files in the browser (docs/workspace.md "Editing"): the BPMN modeler with the
properties panel of this project's conventions, the DMN decision-table editor, and the form editor with a
live preview drawn by the task page's own renderer.

* ``GET /drafts/<id>/edit/<filename>`` — the editor for that file (by its kind);
* ``PUT /drafts/<id>/edit/<filename>`` — save: JSON ``{"content": text, "revision": n}`` → the draft's new
  revision and the deploy-validation problems of the whole draft; 409 when the draft moved on since
  ``revision`` (nothing saved; the page offers the user's edits as a download);
* ``POST /drafts/<id>/form-preview`` — JSON ``{"content": text}`` → the form's HTML as a task page draws it.

Session + CSRF (``X-CSRF-Token``) like every page; only process owners (docs/workspace.md "Who").
"""
from __future__ import annotations

import re

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from lxml import etree

from workflow_app.entrypoints.api.common import db
from workflow_app.entrypoints.web.common import bp, error_text, principal
from workflow_app.entrypoints.web.form_renderer import form_fields, uses_pickers
from workflow_app.platform.engine import library as lib
from workflow_app.platform.engine.xml_safety import DefinitionError, parse_xml
from workflow_app.platform.errors import DomainError, Invalid, NotFound
from workflow_app.platform.modelling import drafts, validation
from workflow_app.platform.organisation import BODY_LABELS, ROLE_LABELS
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.tasks import task_view

#: The editor of each kind of file.
EDITORS = {"bpmn": "web/modeler/bpmn.html", "dmn": "web/modeler/dmn.html", "form": "web/modeler/form.html",
           # definition tests (docs/definition-tests.md): the form editor's JSON view, no field list or preview
           "test": "web/modeler/form.html"}


def _editor_kind(filename: str) -> str:
    kind = lib._kind(filename)
    if kind not in EDITORS:
        raise NotFound(f"文件 {filename} 不能在浏览器中编辑", f"no editor for {filename!r}")
    return kind


# -- problems -------------------------------------------------------------------------------------------

def _problems(session, draft) -> list[dict]:
    """The problems of the whole draft (deploy validation + the conventions' lint rules, docs/workspace.md
    "Validation"): ``{file, element, line, severity, code, message_zh, message}`` each."""
    return [problem.as_dict() for problem in validation.validate_draft(session, draft)]


# -- forms ----------------------------------------------------------------------------------------------

_FORM_REASONS = [
    (re.compile(r"not valid JSON: .*line (\d+) column (\d+)"), "不是有效的 JSON（第{0}行第{1}列）"),
    (re.compile(r"a form must be an object"), "表单必须是一个含 schema 对象的 JSON 对象"),
    (re.compile(r"a form schema must have type 'object'"), "表单 schema 的 type 必须是 object"),
    (re.compile(r"invalid JSON Schema: (.+)"), "JSON Schema 无效：{0}"),
    (re.compile(r"ui\.(\w+) names unknown field '(.+)'"), "ui.{0} 中的字段 {1} 不存在"),
    (re.compile(r"ui\.(\w+) must be an object"), "ui.{0} 必须是对象"),
    (re.compile(r"field names may not start with '_' \((.+)\)"), "字段名不能以下划线开头（{0}）"),
    (re.compile(r"field name '(.+)' is reserved"), "字段名 {0} 为系统保留"),
]


def _parse_form(filename: str, text: str) -> dict:
    """The form in ``text``, or :class:`Invalid` in Chinese (nothing is saved or drawn)."""
    try:
        return lib.parse_form(filename, text.encode("utf-8"))
    except DefinitionError as exc:
        for pattern, words in _FORM_REASONS:
            match = pattern.search(exc.reason)
            if match:
                raise Invalid(words.format(*match.groups()), exc.reason, errors={"content": exc.reason}) from None
        raise Invalid(f"表单定义无效：{exc.reason}", exc.reason, errors={"content": exc.reason}) from None


def _preview_fields(form: dict, choices: dict) -> list[dict]:
    return form_fields(form, {}, editable=True, choices=choices)


# -- pages ----------------------------------------------------------------------------------------------

def _vocabulary(session, draft) -> dict:
    """What the properties panel offers: the organisation's bodies and roles, the forms and decisions of
    the draft (library + the draft's own)."""
    files = drafts.merged_files(session, draft)
    decisions = []
    for name, content in sorted(files.items()):
        if lib._kind(name) != "dmn":
            continue
        try:
            root = parse_xml(content, name)
        except DefinitionError:
            continue
        decisions += [(el.get("id"), el.get("name") or el.get("id")) for el in root.iter()
                      if isinstance(el.tag, str) and etree.QName(el).localname == "decision" and el.get("id")]
    return {"bodies": [[code, _(label)] for code, label in BODY_LABELS.items()],
            "roles": [[code, _(label)] for code, label in ROLE_LABELS.items()],
            "forms": sorted(n for n in files if lib._kind(n) == "form" and not n.endswith(".test.json")),
            "decisions": decisions}


@bp.route("/drafts/<int:draft_id>/edit/<string:filename>")
def edit_file(draft_id, filename):
    p = principal()
    kind = _editor_kind(filename)

    def load(s):
        draft = drafts.get_draft(s, p, draft_id)
        content = drafts.draft_file(s, draft, filename)
        return {"draft": draft, "draft_id": draft.id, "title": draft.title, "revision": draft.revision,
                "editable": draft.status == drafts.EDITING, "status": draft.status,
                "content": content.decode("utf-8", errors="replace"), "problems": _problems(s, draft),
                "vocabulary": _vocabulary(s, draft)}
    ctx = in_transaction(db(), load)
    return render_template(EDITORS[kind], filename=filename, kind=kind,
                           raw_only=kind == "test", **ctx)


def _json_error(error: DomainError):
    body = {"title": error_text(error), "detail": error.detail, "status": error.status}
    body.update({k: v for k, v in error.extra.items() if k in ("revision", "errors")})
    return jsonify(body), error.status


@bp.route("/drafts/<int:draft_id>/edit/<string:filename>", methods=["PUT", "POST"])
def save_edited_file(draft_id, filename):
    try:
        p = principal()
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict) or not isinstance(payload.get("content"), str):
            raise Invalid("请求格式无效", "expected a JSON object with 'content' (text) and 'revision'")
        revision = payload.get("revision")
        if not isinstance(revision, int) or isinstance(revision, bool):
            raise Invalid("缺少草稿版本号", "'revision' (the draft revision the edit started from) is required")
        text = payload["content"]
        if lib._kind(filename) == "form":
            _parse_form(filename, text)  # an invalid form is refused before anything is stored

        def save(s):
            draft = drafts.save_file(s, p, draft_id, filename, text.encode("utf-8"), revision)
            return draft.revision, draft.updated_at
        new_revision, saved_at = in_transaction(db(), save)
        problems = in_transaction(db(), lambda s: _problems(s, drafts.get_draft(s, p, draft_id)))
    except DomainError as error:
        return _json_error(error)
    return jsonify({"revision": new_revision, "saved_at": saved_at.isoformat(), "problems": problems,
                    "file_problems": [x for x in problems if x["file"] == filename]})


@bp.route("/drafts/<int:draft_id>/form-preview", methods=["POST"])
def form_preview(draft_id):
    """The form as the task page draws it (form_renderer + the task form macros), or a Chinese error."""
    try:
        p = principal()
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict) or not isinstance(payload.get("content"), str):
            raise Invalid("请求格式无效", "expected a JSON object with 'content' (the form's JSON text)")
        form = _parse_form(str(payload.get("filename") or "preview.json"), payload["content"])

        def load(s):
            drafts.get_draft(s, p, draft_id)
            return task_view.picker_choices(s) if uses_pickers(form, ("user", "group")) else {}
        choices = in_transaction(db(), load)
    except DomainError as error:
        return _json_error(error)
    return render_template("web/modeler/_form_preview.html", fields=_preview_fields(form, choices))
