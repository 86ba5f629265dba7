"""The process owner's workspace pages: drafts, a draft (files, problems, tests, publication), the version
list of a process, a version read-only, the visual comparison of two versions (docs/workspace.md).

The editors of a draft's files (``/drafts/<id>/edit/<filename>``) are their own pages; a draft page links
to them and also takes a file upload (上传文件), which replaces or adds a file in the draft.
"""
from __future__ import annotations

import json

from flask import Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from workflow_app.entrypoints.api.common import db
from workflow_app.entrypoints.web.common import bp, error_text, principal
from workflow_app.platform.errors import DomainError, Invalid
from workflow_app.platform.identity import access
from workflow_app.platform.modelling import diff, drafts, publication
from workflow_app.platform.organisation import N_
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.persistence.models import RegistryFile
from workflow_app.platform.processes import registry

CONFIRMATIONS = {
    "created": N_("草稿已创建"), "uploaded": N_("文件已保存到草稿（未发布）"), "reverted": N_("已恢复为库中版本"),
    "submitted": N_("已提交发布，等待另一位流程管理员审核"), "published": N_("已发布：新版本已生效"),
    "withdrawn": N_("已撤回，可以继续修改"), "rejected": N_("已退回提交人修改"), "discarded": N_("草稿已放弃"),
    "restored": N_("已按旧版本创建草稿并提交发布"), "created_file": N_("新文件已加入草稿"),
    "restored_blocked": N_("已按旧版本创建草稿，但它未通过当前的校验或测试（见下方），修改后再提交发布"),
}
STATUS_LABELS = {"editing": N_("编辑中"), "submitted": N_("待审核"), "published": N_("已发布"),
                 "discarded": N_("已放弃")}
REQUEST_LABELS = {"submitted": N_("待审核"), "published": N_("已发布"), "rejected": N_("已退回"),
                  "withdrawn": N_("已撤回")}
#: BPMN element kinds as the diff lists them (diff.py's ``type``: the element's local name).
ELEMENT_LABELS = {
    "process": N_("流程"), "subProcess": N_("子流程"), "transaction": N_("事务子流程"),
    "adHocSubProcess": N_("自由子流程"), "callActivity": N_("调用活动"), "task": N_("任务"),
    "userTask": N_("用户任务"), "manualTask": N_("人工任务"), "scriptTask": N_("脚本任务"),
    "serviceTask": N_("服务任务"), "businessRuleTask": N_("决策任务"), "sendTask": N_("发送任务"),
    "receiveTask": N_("接收任务"), "startEvent": N_("开始事件"), "endEvent": N_("结束事件"),
    "intermediateCatchEvent": N_("中间捕获事件"), "intermediateThrowEvent": N_("中间抛出事件"),
    "boundaryEvent": N_("边界事件"), "exclusiveGateway": N_("排他网关"), "parallelGateway": N_("并行网关"),
    "inclusiveGateway": N_("包容网关"), "eventBasedGateway": N_("事件网关"), "complexGateway": N_("复杂网关"),
    "sequenceFlow": N_("顺序流"), "lane": N_("泳道"), "message": N_("消息"), "signal": N_("信号"),
    "error": N_("错误"), "escalation": N_("升级"), "dataObject": N_("数据对象"),
    "dataObjectReference": N_("数据对象引用"), "dataStoreReference": N_("数据存储引用"),
    "textAnnotation": N_("注释"), "association": N_("关联"), "participant": N_("参与者（池）"),
    "messageFlow": N_("消息流"), "collaboration": N_("协作"),
}
KIND_LABELS = {"bpmn": N_("流程图"), "dmn": N_("决策表"), "form": N_("表单"), "test": N_("测试")}
#: Largest upload into a draft (the drafts' own limit, docs/workspace.md "Drafts").
MAX_UPLOAD = 2 * 1024 * 1024


def _owner():
    p = principal()
    access.require_process_owner(p)
    return p


def _confirmation():
    return CONFIRMATIONS.get(request.args.get("msg", ""))  # base.html shows (and translates) it


def _done(endpoint: str, msg: str, **values):
    return redirect(url_for(endpoint, msg=msg, **values), 303)


def _labels():
    return {"status_labels": STATUS_LABELS, "request_labels": REQUEST_LABELS, "kind_labels": KIND_LABELS,
            "element_labels": ELEMENT_LABELS}


# ------------------------------------------------------------------------------------------------
# Drafts
# ------------------------------------------------------------------------------------------------

@bp.route("/drafts")
def drafts_page():
    p = _owner()
    return _drafts_page(p)


def _drafts_page(p, error=None, status=200, form=None):
    tab = request.args.get("tab", "mine")

    def run(s):
        open_drafts = drafts.list_drafts(s, p)
        awaiting = publication.awaiting_approval(s, p)
        mine = [d for d in open_drafts if d.created_by == p.username]
        others = [d for d in open_drafts if d.created_by != p.username]
        published = drafts.list_drafts(s, p, (drafts.PUBLISHED,))[:20]
        requests = {d.id: publication.current_request(s, d) for d in open_drafts + published}
        return {"mine": mine, "others": others, "awaiting": awaiting, "published": published,
                "requests": requests, "processes": registry.list_latest(s)}
    data = in_transaction(db(), run)
    if tab not in ("mine", "others", "awaiting", "published"):
        tab = "mine"
    return render_template("web/workspace/drafts.html", tab=tab, error=error, form=form or {},
                           confirmation=_confirmation(), **_labels(), **data), status


@bp.route("/drafts", methods=["POST"])
def create_draft_page():
    p = _owner()
    form = {"title": request.form.get("title", ""), "process_key": request.form.get("process_key") or None}
    try:
        draft = in_transaction(db(), lambda s: drafts.create_draft(s, p, form["title"], form["process_key"]))
    except DomainError as error:
        if error.status == 403:
            raise
        return _drafts_page(p, error_text(error), error.status, form)
    return _done("web.draft_page", "created", draft_id=draft.id)


def _draft_context(s, p, draft_id: int) -> dict:
    draft = drafts.get_draft(s, p, draft_id)
    state = publication.readiness(s, draft)
    request_ = publication.current_request(s, draft)
    by_file: dict[str, dict[str, list]] = {}
    for problem in state.problems:
        by_file.setdefault(problem.file or "", {}).setdefault(problem.element or "", []).append(problem)
    may_deploy = True
    try:
        access.require_can_deploy(s, p)
    except DomainError:
        may_deploy = False
    return {"draft": draft, "files": drafts.file_list(s, draft), "state": state, "problems_by_file": by_file,
            "request": request_, "history": publication.history(s, draft), "may_deploy": may_deploy,
            "approvals": publication.approvals_required(),
            "is_submitter": bool(request_ and request_.submitted_by == p.username)}


def _draft_page(p, draft_id: int, error=None, status=200, form=None):
    data = in_transaction(db(), lambda s: _draft_context(s, p, draft_id))
    return render_template("web/workspace/draft.html", error=error, form=form or {}, confirmation=_confirmation(),
                           **_labels(), **data), status


@bp.route("/drafts/<int:draft_id>")
def draft_page(draft_id):
    return _draft_page(_owner(), draft_id)


def _draft_action(draft_id: int, action, msg: str, form=None):
    """Run ``action(session, principal)``: redirect with ``msg``, or the draft page with the refusal."""
    p = _owner()
    try:
        in_transaction(db(), lambda s: action(s, p))
    except DomainError as error:
        if error.status == 404 and "draft" in (error.detail or "") and "file" not in (error.detail or ""):
            raise
        return _draft_page(p, draft_id, error_text(error), error.status, form)
    return _done("web.draft_page", msg, draft_id=draft_id)


def _revision() -> int | None:
    try:
        return int(request.form.get("revision", ""))
    except ValueError:
        return None


@bp.route("/drafts/<int:draft_id>/upload", methods=["POST"])
def upload_draft_file(draft_id):
    upload = request.files.get("file")

    def run(s, p):
        if upload is None or not upload.filename:
            raise Invalid("请选择要上传的文件", "multipart field 'file' is empty", errors={"file": "required"})
        content = upload.read(MAX_UPLOAD + 1)
        name = (request.form.get("filename") or "").strip() or upload.filename
        drafts.save_file(s, p, draft_id, name, content, _revision())
    return _draft_action(draft_id, run, "uploaded")


@bp.route("/drafts/<int:draft_id>/new-file", methods=["POST"])
def new_draft_file(draft_id):
    """A new form, diagram or decision table from its skeleton, opened in its editor (docs/workspace.md)."""
    created: dict = {}

    def run(s, p):
        _draft, created["name"] = drafts.new_file(s, p, draft_id, request.form.get("kind", ""),
                                                  request.form.get("name", ""), request.form.get("title", ""),
                                                  _revision())
    answer = _draft_action(draft_id, run, "created_file", form={"kind": request.form.get("kind"),
                                                                  "name": request.form.get("name"),
                                                                  "title": request.form.get("title")})
    if created.get("name"):
        return redirect(url_for("web.edit_file", draft_id=draft_id, filename=created["name"]), 303)
    return answer


@bp.route("/drafts/<int:draft_id>/files/<string:filename>/revert", methods=["POST"])
def revert_draft_file(draft_id, filename):
    return _draft_action(draft_id, lambda s, p: drafts.revert_file(s, p, draft_id, filename, _revision()),
                         "reverted")


@bp.route("/drafts/<int:draft_id>/files/<string:filename>")
def draft_file_raw(draft_id, filename):
    p = _owner()
    content = in_transaction(db(), lambda s: drafts.draft_file(s, drafts.get_draft(s, p, draft_id), filename))
    mimetype = "application/json" if filename.endswith(".json") else "application/xml"
    return Response(content, mimetype=mimetype, headers={"Cache-Control": "no-store"})


@bp.route("/drafts/<int:draft_id>/submit", methods=["POST"])
def submit_draft(draft_id):
    comment = request.form.get("comment", "")

    def run(s, p):
        result["request"] = publication.submit(s, p, draft_id, comment)
    result: dict = {}
    answer = _draft_action(draft_id, run, "submitted", form={"comment": comment})
    if result.get("request") is not None and result["request"].status == publication.PUBLISHED:
        return _done("web.draft_page", "published", draft_id=draft_id)
    return answer


@bp.route("/drafts/<int:draft_id>/withdraw", methods=["POST"])
def withdraw_draft(draft_id):
    return _draft_action(draft_id, lambda s, p: publication.withdraw(s, p, draft_id), "withdrawn")


@bp.route("/drafts/<int:draft_id>/approve", methods=["POST"])
def approve_draft(draft_id):
    return _draft_action(draft_id, lambda s, p: publication.approve(s, p, draft_id), "published")


@bp.route("/drafts/<int:draft_id>/reject", methods=["POST"])
def reject_draft(draft_id):
    reason = request.form.get("reason", "")
    return _draft_action(draft_id, lambda s, p: publication.reject(s, p, draft_id, reason), "rejected",
                         form={"reason": reason})


@bp.route("/drafts/<int:draft_id>/discard", methods=["POST"])
def discard_draft(draft_id):
    return _draft_action(draft_id, lambda s, p: drafts.discard(s, p, draft_id), "discarded")


@bp.route("/drafts/<int:draft_id>/diff")
def draft_diff_page(draft_id):
    p = _owner()

    def run(s):
        draft = drafts.get_draft(s, p, draft_id)
        return {"draft": draft, "result": diff.compare_draft(s, p, draft_id)}
    data = in_transaction(db(), run)
    sources = {f["file"]: {"a": url_for("web.library_file_raw", filename=f["file"]) if f["status"] != "added" else None,
                           "b": url_for("web.draft_file_raw", draft_id=draft_id, filename=f["file"])}
               for f in data["result"]["files"] if f["kind"] == "bpmn"}
    return render_template("web/workspace/diff.html", title=_("草稿与库中版本比较"), a_label=_("库中当前版本"),
                           b_label=_("草稿"), sources=sources, back=url_for("web.draft_page", draft_id=draft_id),
                           element_labels=ELEMENT_LABELS, **data)


@bp.route("/library/files/<string:filename>")
def library_file_raw(filename):
    """The library's current copy of a definition file (what a draft's file is compared with)."""
    _owner()
    content = in_transaction(db(), lambda s: s.scalar(select(RegistryFile.content).where(
        RegistryFile.filename == filename)))
    if content is None:
        return Response(_("文件不存在"), status=404, mimetype="text/plain")
    return Response(content, mimetype="application/xml", headers={"Cache-Control": "no-store"})


# ------------------------------------------------------------------------------------------------
# Versions
# ------------------------------------------------------------------------------------------------

@bp.route("/processes/<string:process_key>/versions")
def versions_page(process_key):
    p = _owner()
    return _versions_page(p, process_key)


def _versions_page(p, process_key, error=None, status=200):
    def run(s):
        versions = publication.version_list(s, p, process_key)
        return {"versions": versions, "latest": registry.latest_version(s, process_key)}
    data = in_transaction(db(), run)
    return render_template("web/workspace/versions.html", process_key=process_key, error=error,
                           confirmation=_confirmation(), **data), status


@bp.route("/processes/<string:process_key>/versions/<int:version>/restore", methods=["POST"])
def restore_version(process_key, version):
    p = _owner()
    comment = request.form.get("comment", "")
    try:
        request_ = in_transaction(db(), lambda s: publication.restore(s, p, process_key, version, comment))
    except DomainError as error:
        if error.status == 404:
            raise
        return _versions_page(p, process_key, error_text(error), error.status)
    if request_.publication is None:  # the old files do not pass today's checks: the draft says why
        return _done("web.draft_page", "restored_blocked", draft_id=request_.draft_id)
    return _done("web.draft_page", "published" if request_.publication.status == publication.PUBLISHED
                 else "restored", draft_id=request_.draft_id)


@bp.route("/processes/<string:process_key>/versions/<int:version>")
def version_page(process_key, version):
    p = _owner()

    def run(s):
        v = registry.get_version(s, process_key, version)
        files = publication.version_files(v)
        tables = {}
        for name, content in files.items():
            if name.endswith(".dmn"):
                tables[name] = diff.dmn_tables(content, name)
        forms = {name: diff.form_fields(json.loads(content)) for name, content in files.items()
                 if name.endswith(".json")}
        return {"version": v, "files": sorted(files), "main_file": publication.main_file(v), "tables": tables,
                "forms": forms, "warnings": json.loads(v.warnings_json),
                "history": {h["version"]: h for h in publication.version_list(s, p, process_key)}.get(version)}
    data = in_transaction(db(), run)
    return render_template("web/workspace/version.html", process_key=process_key, **data)


@bp.route("/processes/<string:process_key>/versions/<int:version>/files/<string:filename>")
def version_file_raw(process_key, version, filename):
    p = _owner()

    def run(s):
        access.require_process_owner(p)
        return publication.version_files(registry.get_version(s, process_key, version)).get(filename)
    content = in_transaction(db(), run)
    if content is None:
        return Response(_("文件不存在"), status=404, mimetype="text/plain")
    mimetype = "application/json" if filename.endswith(".json") else "application/xml"
    return Response(content, mimetype=mimetype, headers={"Cache-Control": "private, max-age=3600"})


def _int_arg(name: str) -> int | None:
    try:
        value = int(request.args.get(name, ""))
    except ValueError:
        return None
    return value if value > 0 else None


@bp.route("/processes/<string:process_key>/diff")
def version_diff_page(process_key):
    p = _owner()
    a, b = _int_arg("a"), _int_arg("b")
    if a is None or b is None or a == b:
        return _versions_page(p, process_key, _("请选择两个不同的版本进行比较"), 422)
    result = in_transaction(db(), lambda s: diff.compare_versions(s, p, process_key, a, b))

    def source(version, name):
        return url_for("web.version_file_raw", process_key=process_key, version=version, filename=name)
    sources = {f["file"]: {"a": source(a, f["file"]) if f["status"] != "added" else None,
                           "b": source(b, f["file"]) if f["status"] != "removed" else None}
               for f in result["files"] if f["kind"] == "bpmn"}
    return render_template("web/workspace/diff.html", title=_("版本比较"), result=result, sources=sources,
                           a_label=_("第 %(n)s 版", n=a), b_label=_("第 %(n)s 版", n=b), draft=None,
                           back=url_for("web.versions_page", process_key=process_key), element_labels=ELEMENT_LABELS)

