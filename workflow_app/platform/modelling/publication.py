"""Publishing a draft: submit, a second process owner approves (four eyes) or sends it back, deploy.

The rules (docs/workspace.md "Publication"):

* a draft is submitted with a comment only when its validation has no error, its definition tests pass and
  none of its files changed underneath it; the draft is then ``submitted`` and cannot be edited;
* the submitter may withdraw it (back to ``editing``); a second process owner rejects it with a reason
  (back to ``editing``) or approves it; the approver must not be the submitter and must have deploy rights
  (docs/security.md §2); approval re-runs every check and deploys the draft's files through the registry
  (source ``workspace``), in the same transaction;
* an installation may publish without a second approval (:func:`configure`, ``CASEFLOW_PUBLISH_APPROVALS=0``):
  the submission then deploys at once, with the same checks and the submitter's deploy rights;
* restoring an old version is a draft holding that version's files, submitted like any other;
* every step is audited; a refused step changes nothing.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.engine import library as lib
from workflow_app.platform.errors import Conflict, DefinitionRejected, DomainError, Forbidden, Invalid
from workflow_app.platform.identity import access
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.modelling import definition_tests, drafts, validation
from workflow_app.platform.persistence.models import (
    Deployment,
    ProcessDraft,
    ProcessInstance,
    ProcessPublication,
    ProcessVersion,
    RegistryFile,
)
from workflow_app.platform.processes import registry

SUBMITTED, PUBLISHED, REJECTED, WITHDRAWN = "submitted", "published", "rejected", "withdrawn"
MAX_COMMENT = 2000

_settings = {"approvals": 1}


def configure(approvals: int) -> None:
    """How many second approvals a publication needs on this installation: 1 (four eyes) or 0."""
    if approvals not in (0, 1):
        raise ValueError("publish approvals must be 0 or 1")
    _settings["approvals"] = approvals


def approvals_required() -> int:
    return _settings["approvals"]


# ------------------------------------------------------------------------------------------------
# Checks: validation, definition tests, changed underneath
# ------------------------------------------------------------------------------------------------

def _run_tests(files: dict[str, bytes]):
    """The definition tests of the library ``files`` make (docs/workspace.md "Tests before publishing").

    The one place publication calls the definition tests (docs/definition-tests.md): the report's
    ``passed`` and ``results`` (each with ``file``, ``name``, ``kind``, ``passed``, ``message_zh``,
    ``message``)."""
    return definition_tests.run_tests(files)


def _result(item, key):
    return item.get(key) if isinstance(item, dict) else getattr(item, key, None)


def test_results(files: dict[str, bytes]) -> tuple[bool, list[dict]]:
    """(passed, results as dicts) of the definition tests on ``files``."""
    report = _run_tests(files)
    results = [{k: _result(r, k) for k in ("file", "name", "kind", "target", "element", "passed", "message_zh",
                                            "message")} for r in (report.results or [])]
    return bool(report.passed) and all(r["passed"] for r in results), results


@dataclass
class Readiness:
    """What stands between a draft and its publication."""

    problems: list[validation.Problem]
    tests_passed: bool
    tests: list[dict]
    changed_underneath: list[str]

    @property
    def errors(self) -> list[validation.Problem]:
        return [p for p in self.problems if p.severity == validation.ERROR]

    @property
    def ready(self) -> bool:
        return not self.errors and self.tests_passed and not self.changed_underneath


def readiness(session: Session, draft: ProcessDraft) -> Readiness:
    problems = validation.validate_draft(session, draft)
    passed, tests = test_results(drafts.merged_files(session, draft))
    return Readiness(problems, passed, tests, drafts.changed_underneath(session, draft))


def _require_ready(session: Session, draft: ProcessDraft) -> None:
    """Refuse (and so change nothing) unless the draft could be deployed as it is."""
    if not drafts.edited_files(session, draft):
        raise Invalid("草稿中没有任何修改，无需发布", f"draft {draft.id} changes no file")
    changed = drafts.changed_underneath(session, draft)
    if changed:
        raise Conflict(f"以下文件在草稿创建后已被他人发布了新版本：{'、'.join(changed)}。请先在草稿中合并最新版本",
                       f"files changed in the library since the draft copied them: {', '.join(changed)}",
                       files=changed)
    state = readiness(session, draft)
    if state.errors:
        first = state.errors[0]
        raise DefinitionRejected(
            f"校验未通过（{len(state.errors)} 个错误），不能发布：{first.file}：{first.message_zh}",
            f"{len(state.errors)} validation error(s): " + "; ".join(
                f"{p.file}{':' + str(p.line) if p.line else ''}: {p.message}" for p in state.errors),
            problems=[p.as_dict() for p in state.errors])
    if not state.tests_passed:
        failed = [t for t in state.tests if not t["passed"]]
        names = "、".join(f"“{t['name']}”" for t in failed[:5])
        raise DefinitionRejected(
            f"定义测试未通过（{len(failed)} 项）：{names}，不能发布。{failed[0]['message_zh'] or ''}".strip(),
            f"{len(failed)} definition test(s) failed: " + "; ".join(
                f"{t['file']}: {t['name']}: {t['message']}" for t in failed),
            problems=[{"file": t["file"], "line": None, "reason": t["message"], "reason_zh": t["message_zh"],
                       "test": t["name"], "element": t["element"]} for t in failed])


# ------------------------------------------------------------------------------------------------
# Submit, withdraw, reject, approve
# ------------------------------------------------------------------------------------------------

def current_request(session: Session, draft: ProcessDraft) -> ProcessPublication | None:
    """The draft's latest publication request (the open one while it is submitted)."""
    return session.scalar(select(ProcessPublication).where(ProcessPublication.draft_id == draft.id)
                          .order_by(ProcessPublication.id.desc()).limit(1))


def history(session: Session, draft: ProcessDraft) -> list[ProcessPublication]:
    return list(session.scalars(select(ProcessPublication).where(ProcessPublication.draft_id == draft.id)
                                .order_by(ProcessPublication.id.desc())))


def _clean_comment(comment: str | None, field_name="comment", label="发布说明") -> str:
    text = (comment or "").strip()
    if not text:
        raise Invalid(f"请填写{label}", f"{field_name} is required", errors={field_name: "required"})
    if len(text) > MAX_COMMENT:
        raise Invalid(f"{label}过长（最多{MAX_COMMENT}字）", f"{field_name} longer than {MAX_COMMENT} characters",
                      errors={field_name: "too long"})
    return text


def submit(session: Session, principal: Principal, draft_id: int, comment: str | None,
           restored_from: str | None = None) -> ProcessPublication:
    """Submit the draft for publication (or, without four eyes, publish it at once)."""
    draft = drafts.get_draft(session, principal, draft_id)
    restored_from = restored_from or draft.restored_from  # a restore the owner had to adjust first
    text = _clean_comment(comment)
    if draft.status == drafts.SUBMITTED:
        raise Conflict("草稿已提交，正在等待审核", f"draft {draft.id} is already submitted")
    if draft.status != drafts.EDITING:
        raise Conflict("草稿已发布或已放弃，不能提交", f"draft {draft.id} is {draft.status}")
    approvals = approvals_required()
    if approvals == 0:
        access.require_can_deploy(session, principal)  # the submitter publishes directly
    _require_ready(session, draft)
    now = clock.now()
    request = ProcessPublication(draft_id=draft.id, process_key=draft.process_key, status=SUBMITTED, comment=text,
                                 approvals=approvals, restored_from=restored_from,
                                 files=json.dumps(sorted(drafts.edited_files(session, draft))),
                                 submitted_by=principal.username, submitted_at=now)
    session.add(request)
    draft.status, draft.updated_at, draft.updated_by = drafts.SUBMITTED, now, principal.username
    session.flush()
    audit.record(session, principal.username, "draft.submit", "process_draft", draft.id,
                 after={"publication": request.id, "comment": text, "files": json.loads(request.files),
                        "approvals": approvals, "restored_from": restored_from})
    if approvals == 0:
        _publish(session, principal, draft, request)
    return request


def _open_request(session: Session, draft: ProcessDraft) -> ProcessPublication:
    request = current_request(session, draft)
    if draft.status != drafts.SUBMITTED or request is None or request.status != SUBMITTED:
        raise Conflict("草稿不在待审核状态", f"draft {draft.id} is {draft.status}, not submitted")
    return request


def withdraw(session: Session, principal: Principal, draft_id: int) -> ProcessPublication:
    """The submitter takes the draft back for editing."""
    draft = drafts.get_draft(session, principal, draft_id)
    request = _open_request(session, draft)
    if request.submitted_by != principal.username:
        raise Forbidden("只有提交人可以撤回；其他流程管理员请选择“退回”并说明原因",
                        "only the submitter withdraws a submission; another owner rejects it")
    now = clock.now()
    request.status, request.withdrawn_at = WITHDRAWN, now
    draft.status, draft.updated_at, draft.updated_by = drafts.EDITING, now, principal.username
    session.flush()
    audit.record(session, principal.username, "draft.withdraw", "process_draft", draft.id,
                 after={"publication": request.id})
    return request


def _require_second_owner(session: Session, principal: Principal, request: ProcessPublication, verb: str) -> None:
    access.require_can_deploy(session, principal)
    if request.submitted_by == principal.username:
        raise Forbidden(f"发布需要另一位流程管理员审核：不能{verb}自己提交的草稿",
                        f"four eyes: the submitter cannot {'approve' if verb == '批准' else 'reject'} "
                        "their own submission")


def reject(session: Session, principal: Principal, draft_id: int, reason: str | None) -> ProcessPublication:
    """A second owner sends the draft back for editing, saying why."""
    draft = drafts.get_draft(session, principal, draft_id)
    request = _open_request(session, draft)
    _require_second_owner(session, principal, request, "退回")
    text = _clean_comment(reason, "reason", "退回原因")
    now = clock.now()
    request.status, request.rejected_by, request.rejected_at, request.reason = REJECTED, principal.username, now, text
    draft.status, draft.updated_at, draft.updated_by = drafts.EDITING, now, principal.username
    session.flush()
    audit.record(session, principal.username, "draft.reject", "process_draft", draft.id,
                 after={"publication": request.id, "reason": text})
    return request


def approve(session: Session, principal: Principal, draft_id: int) -> ProcessPublication:
    """A second owner approves: every check runs again, then the draft's files are deployed."""
    draft = drafts.get_draft(session, principal, draft_id)
    request = _open_request(session, draft)
    _require_second_owner(session, principal, request, "批准")
    _require_ready(session, draft)
    _publish(session, principal, draft, request)
    return request


def _publish(session: Session, principal: Principal, draft: ProcessDraft, request: ProcessPublication) -> None:
    result = registry.deploy(session, drafts.edited_files(session, draft), principal.username, source="workspace")
    now = clock.now()
    request.status, request.approved_by, request.approved_at = PUBLISHED, principal.username, now
    request.deployment_id = result.deployment_id
    draft.status, draft.updated_at, draft.updated_by = drafts.PUBLISHED, now, principal.username
    session.flush()
    audit.record(session, principal.username, "draft.publish", "process_draft", draft.id,
                 after={"publication": request.id, "deployment": result.deployment_id,
                        "submitted_by": request.submitted_by, "approvals": request.approvals,
                        "created": [f"{v.process_key}:v{v.version}" for v in result.created]})


# ------------------------------------------------------------------------------------------------
# Versions: their files, the version list, restore
# ------------------------------------------------------------------------------------------------

def version_files(version: ProcessVersion) -> dict[str, bytes]:
    """The definition files of a deployed version (forms written back as JSON)."""
    files = json.loads(version.files_json)
    out = {name: text.encode("utf-8") for kind in ("bpmn", "dmn") for name, text in files.get(kind, {}).items()}
    for name, form in json.loads(version.forms_json).items():
        out[name] = (json.dumps(form, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return out


def main_file(version: ProcessVersion) -> str | None:
    """The BPMN file that defines the version's own process."""
    files = json.loads(version.files_json).get("bpmn", {})
    for name, text in sorted(files.items()):
        if f'id="{version.process_key}"' in text:
            return name
    return next(iter(sorted(files)), None)


def version_list(session: Session, principal: Principal, process_key: str) -> list[dict]:
    """Every version of a process, newest first: when, by whom (submitted, approved), comment, cases."""
    access.require_process_owner(principal)
    rows = session.execute(
        select(ProcessVersion, Deployment).join(Deployment, Deployment.id == ProcessVersion.deployment_id)
        .where(ProcessVersion.process_key == process_key).order_by(ProcessVersion.version.desc())).all()
    if not rows:
        registry.get_version(session, process_key)  # the 404
    deployments = [d.id for _, d in rows]
    requests = {r.deployment_id: r for r in session.scalars(
        select(ProcessPublication).where(ProcessPublication.deployment_id.in_(deployments)))}
    counts = dict(session.execute(
        select(ProcessInstance.process_version_id, func.count()).where(
            ProcessInstance.process_key == process_key, ProcessInstance.status == "running")
        .group_by(ProcessInstance.process_version_id)).all())
    out = []
    for version, deployment in rows:
        request = requests.get(deployment.id)
        out.append({"process_key": version.process_key, "version": version.version, "name": version.name,
                    "deployed_at": version.deployed_at, "deployed_by": deployment.deployed_by,
                    "source": deployment.source, "deployment_id": deployment.id,
                    "comment": request.comment if request else None,
                    "submitted_by": request.submitted_by if request else None,
                    "submitted_at": request.submitted_at if request else None,
                    "approved_by": request.approved_by if request else None,
                    "approved_at": request.approved_at if request else None,
                    "approvals": request.approvals if request else None,
                    "restored_from": request.restored_from if request else None,
                    "draft_id": request.draft_id if request else None,
                    "running_instances": counts.get(version.id, 0)})
    return out


@dataclass
class Restored:
    """What a restore made: the draft holding the old files, and its submission — or, when the draft does
    not pass today's checks (e.g. a definition test written after that version pins the newer behaviour),
    no submission and the refusal, the draft left open for the owner to adjust (docs/workspace.md "Restore")."""

    draft_id: int
    publication: ProcessPublication | None
    refusal: DomainError | None = None


def restore(session: Session, principal: Principal, process_key: str, version: int,
            comment: str | None) -> Restored:
    """Publish an old version's files as a new version: a draft holding them, submitted like any other."""
    access.require_process_owner(principal)
    old = registry.get_version(session, process_key, version)
    latest = registry.latest_version(session, process_key)
    if latest is not None and latest.id == old.id:
        raise Invalid(f"第 {version} 版就是当前版本，无需恢复", f"version {version} is the latest version")
    text = (comment or "").strip() or f"恢复第 {version} 版"
    _clean_comment(text)
    current = {row.filename: row.content for row in session.scalars(select(RegistryFile))}
    files = {name: content for name, content in version_files(old).items()
             if _differs(name, current.get(name), content)}
    if not files:
        raise Invalid(f"第 {version} 版的文件与当前库中的文件相同，无需恢复",
                      f"version {version}'s files equal the library's current files")
    draft = drafts.create_draft(session, principal, f"恢复 {old.name} 第 {version} 版", process_key)
    draft.restored_from = f"{process_key}:{version}"
    for name, content in sorted(files.items()):
        drafts.save_file(session, principal, draft.id, name, content, expected_revision=None)
    audit.record(session, principal.username, "process.restore", "process_version", f"{process_key}:v{version}",
                 after={"draft": draft.id, "files": sorted(files)})
    try:
        with session.begin_nested():  # a refused submission leaves the draft, not half a submission
            request = submit(session, principal, draft.id, text, restored_from=f"{process_key}:{version}")
    except (DefinitionRejected, Conflict) as refusal:
        return Restored(draft.id, None, refusal)
    return Restored(draft.id, request)


def _differs(name: str, current: bytes | None, content: bytes) -> bool:
    if current is None:
        return True
    if lib._kind(name) == "form":  # a version keeps forms parsed: compare them as data
        try:
            return json.loads(current) != json.loads(content)
        except (ValueError, UnicodeDecodeError):
            return True
    return current != content


def awaiting_approval(session: Session, principal: Principal) -> list[ProcessDraft]:
    """Submitted drafts that ``principal`` may approve (someone else's, and ``principal`` may deploy)."""
    access.require_process_owner(principal)
    try:
        access.require_can_deploy(session, principal)
    except Forbidden:
        return []
    # one query: a submitted draft has exactly one request in status submitted (earlier ones were
    # withdrawn or rejected)
    return list(session.scalars(
        select(ProcessDraft).join(ProcessPublication, ProcessPublication.draft_id == ProcessDraft.id)
        .where(ProcessDraft.status == drafts.SUBMITTED, ProcessPublication.status == SUBMITTED,
               ProcessPublication.submitted_by != principal.username)
        .order_by(ProcessDraft.updated_at.desc(), ProcessDraft.id.desc())))
