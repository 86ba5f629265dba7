"""Drafts: a process owner's edited copies of definition files, saved without deploying.

A draft is a change set over the current library (the registry's files). It holds only the files it
changed; every other file reads through to the registry, so a draft never goes stale for files it does not
touch. Saves are guarded by the draft's ``revision`` (docs/workspace.md "Drafts"): a save names the revision
it started from, and a save based on an older revision is refused with 409 instead of overwriting another
owner's work. Who may do what: docs/workspace.md "Who".
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.engine import library as lib
from workflow_app.platform.engine.xml_safety import MAX_XML_BYTES, DefinitionError
from workflow_app.platform.errors import Conflict, Invalid, NotFound
from workflow_app.platform.identity import access
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.persistence.models import (
    Deployment,
    ProcessDraft,
    ProcessDraftFile,
    RegistryFile,
)
from workflow_app.platform.processes import registry

EDITING, SUBMITTED, PUBLISHED, DISCARDED = "editing", "submitted", "published", "discarded"
OPEN_STATUSES = (EDITING, SUBMITTED)
MAX_FILES_PER_DRAFT = registry.MAX_FILES_PER_DEPLOYMENT


@dataclass
class DraftFileView:
    filename: str
    kind: str  # bpmn | dmn | form | test
    edited: bool  # the draft holds its own copy
    new: bool  # not in the library yet


def create_draft(session: Session, principal: Principal, title: str, process_key: str | None = None) -> ProcessDraft:
    access.require_process_owner(principal)
    title = (title or "").strip()
    if process_key:
        version = registry.get_version(session, process_key)  # 404 for an unknown process
        title = title or f"修改 {version.name}"
    if not title:
        raise Invalid("请填写草稿名称", "title is required", errors={"title": "required"})
    if len(title) > 200:
        raise Invalid("草稿名称过长（最多200字）", "title longer than 200 characters", errors={"title": "too long"})
    now = clock.now()
    latest = session.scalar(select(Deployment.id).order_by(Deployment.id.desc()).limit(1))
    draft = ProcessDraft(title=title, process_key=process_key or None, status=EDITING, revision=0,
                         base_deployment_id=latest, created_by=principal.username, created_at=now,
                         updated_by=principal.username, updated_at=now)
    session.add(draft)
    session.flush()
    audit.record(session, principal.username, "draft.create", "process_draft", draft.id,
                 after={"title": title, "process_key": process_key})
    return draft


def get_draft(session: Session, principal: Principal, draft_id: int) -> ProcessDraft:
    """Any process owner sees every draft: a second owner has to read a draft to approve it."""
    access.require_process_owner(principal)
    draft = session.get(ProcessDraft, draft_id)
    if draft is None:
        raise NotFound(f"草稿 {draft_id} 不存在", f"draft {draft_id} not found")
    return draft


def list_drafts(session: Session, principal: Principal, statuses=OPEN_STATUSES) -> list[ProcessDraft]:
    access.require_process_owner(principal)
    return list(session.scalars(select(ProcessDraft).where(ProcessDraft.status.in_(statuses))
                                .order_by(ProcessDraft.updated_at.desc(), ProcessDraft.id.desc())))


def edited_files(session: Session, draft: ProcessDraft) -> dict[str, bytes]:
    rows = session.scalars(select(ProcessDraftFile).where(ProcessDraftFile.draft_id == draft.id))
    return {row.filename: row.content for row in rows}


def merged_files(session: Session, draft: ProcessDraft) -> dict[str, bytes]:
    """The whole library as it would be if the draft were published now."""
    files = {row.filename: row.content for row in session.scalars(select(RegistryFile))}
    files.update(edited_files(session, draft))
    return files


def draft_file(session: Session, draft: ProcessDraft, filename: str) -> bytes:
    """The draft's copy of ``filename``, else the library's current one."""
    row = _draft_row(session, draft, filename)
    if row is not None:
        return row.content
    current = session.scalar(select(RegistryFile).where(RegistryFile.filename == filename))
    if current is None:
        raise NotFound(f"文件 {filename} 不存在", f"file {filename!r} is neither in the draft nor in the library")
    return current.content


def process_files(session: Session, process_key: str) -> list[str]:
    """The files the latest version of ``process_key`` is made of (its BPMN, called processes, decisions,
    forms): what an owner opening that process wants to see."""
    version = registry.get_version(session, process_key)
    files = json.loads(version.files_json)
    names = sorted(files.get("bpmn", {})) + sorted(files.get("dmn", {})) + sorted(json.loads(version.forms_json))
    return names


def file_list(session: Session, draft: ProcessDraft) -> list[DraftFileView]:
    """The files to show for a draft: those of its process (if any) and every file it edited or added."""
    edited = {row.filename for row in session.scalars(
        select(ProcessDraftFile).where(ProcessDraftFile.draft_id == draft.id))}
    library = set(session.scalars(select(RegistryFile.filename)))
    names = set(edited)
    if draft.process_key:
        own = [n for n in process_files(session, draft.process_key) if n in library or n in edited]
        names.update(own)
        # the tests that guard them: a test file is named after its table or process (docs/definition-tests.md)
        stems = {n.rsplit(".", 1)[0] for n in own} | {draft.process_key}
        names.update(n for n in library if lib._kind(n) == "test" and n[:-len(".test.json")] in stems)
    order = {"bpmn": 0, "dmn": 1, "form": 2, "test": 3}
    views = [DraftFileView(n, lib._kind(n), n in edited, n not in library) for n in names]
    return sorted(views, key=lambda v: (order.get(v.kind, 9), v.filename))


def _draft_row(session: Session, draft: ProcessDraft, filename: str) -> ProcessDraftFile | None:
    return session.scalar(select(ProcessDraftFile).where(ProcessDraftFile.draft_id == draft.id,
                                                         ProcessDraftFile.filename == filename))


def _require_editable(draft: ProcessDraft) -> None:
    if draft.status == SUBMITTED:
        raise Conflict("草稿已提交发布审核，撤回后才能修改", f"draft {draft.id} is submitted for publication; "
                       "withdraw it before editing")
    if draft.status != EDITING:
        raise Conflict("草稿已发布或已放弃，不能再修改", f"draft {draft.id} is {draft.status}")


def _require_revision(draft: ProcessDraft, expected_revision: int | None) -> None:
    if expected_revision is not None and expected_revision != draft.revision:
        raise Conflict("草稿已被他人修改（或在另一窗口保存过），请重新打开后再保存",
                       f"draft {draft.id} is at revision {draft.revision}, the save was based on "
                       f"{expected_revision}", revision=draft.revision)


def save_file(session: Session, principal: Principal, draft_id: int, filename: str, content: bytes,
              expected_revision: int | None) -> ProcessDraft:
    """Store ``content`` as the draft's copy of ``filename``. The content may be invalid (a draft is work in
    progress; validation reports the problems, publication refuses them), but it must be a definition file
    of a known kind within the size limit."""
    draft = get_draft(session, principal, draft_id)
    _require_editable(draft)
    _require_revision(draft, expected_revision)
    try:
        lib.check_filename(filename)
    except DefinitionError as exc:
        raise Invalid(f"文件名不可用：{filename}", exc.reason, errors={"filename": exc.reason}) from None
    if not isinstance(content, bytes | bytearray):
        raise Invalid("文件内容无效", "content must be bytes")
    if len(content) > MAX_XML_BYTES:
        raise Invalid("文件过大（最大2MB）", f"file is larger than {MAX_XML_BYTES} bytes",
                      errors={"content": "too large"})
    digest = hashlib.sha256(content).hexdigest()
    row = _draft_row(session, draft, filename)
    now = clock.now()
    if row is None:
        if len(edited_files(session, draft)) >= MAX_FILES_PER_DRAFT:
            raise Invalid("一个草稿中的文件过多", f"at most {MAX_FILES_PER_DRAFT} files per draft")
        current = session.scalar(select(RegistryFile).where(RegistryFile.filename == filename))
        row = ProcessDraftFile(draft_id=draft.id, filename=filename, content=bytes(content), content_hash=digest,
                               base_hash=current.content_hash if current else None, updated_at=now,
                               updated_by=principal.username)
        session.add(row)
    else:
        row.content, row.content_hash, row.updated_at, row.updated_by = bytes(content), digest, now, principal.username
    draft.revision += 1
    draft.updated_at, draft.updated_by = now, principal.username
    session.flush()
    audit.record(session, principal.username, "draft.save", "process_draft", draft.id,
                 after={"file": filename, "sha256": digest, "revision": draft.revision})
    return draft


#: The starting content of a new file, by kind (data files beside this module, docs/workspace.md "New files").
SKELETONS = {"form": "form.json", "bpmn": "process.bpmn", "dmn": "decision.dmn"}
_SUFFIX = {"form": ".json", "bpmn": ".bpmn", "dmn": ".dmn"}
_NEW_NAME = re.compile(r"^[a-z][a-z0-9_]{0,80}$")


def new_file(session: Session, principal: Principal, draft_id: int, kind: str, name: str, title: str,
             expected_revision: int | None) -> tuple[ProcessDraft, str]:
    """Add a new form, diagram or decision table to the draft, from a skeleton that passes validation
    (a form with one field; a process start → end; a table with one default row). ``name`` is the file's
    name without suffix, which is also the new process's or decision's id. Returns the draft and the file name."""
    if kind not in SKELETONS:
        raise Invalid("请选择要新建的文件类型", f"kind must be one of {sorted(SKELETONS)}", errors={"kind": "unknown"})
    name = (name or "").strip()
    if not _NEW_NAME.match(name):
        raise Invalid("文件名只能用小写英文字母、数字和下划线，并以字母开头（例如 case_review）",
                      "name must match ^[a-z][a-z0-9_]{0,80}$", errors={"name": "invalid"})
    filename = name + _SUFFIX[kind]
    draft = get_draft(session, principal, draft_id)
    exists = session.scalar(select(RegistryFile.id).where(RegistryFile.filename == filename)) is not None
    if exists or _draft_row(session, draft, filename) is not None:
        raise Conflict(f"文件 {filename} 已存在，请换一个名称", f"{filename} already exists in the library or the draft")
    label = (title or "").strip()[:200] or name
    text = (Path(__file__).parent / "skeletons" / SKELETONS[kind]).read_text(encoding="utf-8")
    text = text.replace("{id}", name).replace("{name}", _xml_text(label))
    return save_file(session, principal, draft_id, filename, text.encode("utf-8"), expected_revision), filename


def _xml_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def revert_file(session: Session, principal: Principal, draft_id: int, filename: str,
                expected_revision: int | None) -> ProcessDraft:
    """Drop the draft's copy of ``filename``: the library's version applies again."""
    draft = get_draft(session, principal, draft_id)
    _require_editable(draft)
    _require_revision(draft, expected_revision)
    row = _draft_row(session, draft, filename)
    if row is None:
        raise NotFound(f"草稿中没有修改过文件 {filename}", f"draft {draft.id} holds no copy of {filename!r}")
    session.delete(row)
    draft.revision += 1
    draft.updated_at, draft.updated_by = clock.now(), principal.username
    session.flush()
    audit.record(session, principal.username, "draft.revert_file", "process_draft", draft.id,
                 after={"file": filename, "revision": draft.revision})
    return draft


def discard(session: Session, principal: Principal, draft_id: int) -> ProcessDraft:
    draft = get_draft(session, principal, draft_id)
    if draft.status not in OPEN_STATUSES:
        raise Conflict("草稿已发布或已放弃", f"draft {draft.id} is {draft.status}")
    draft.status = DISCARDED
    draft.updated_at, draft.updated_by = clock.now(), principal.username
    session.flush()
    audit.record(session, principal.username, "draft.discard", "process_draft", draft.id)
    return draft


def changed_underneath(session: Session, draft: ProcessDraft) -> list[str]:
    """Files the draft edits that someone published a different version of since the draft first changed
    them: publishing would silently undo that publication, so it is refused until the owner rebases."""
    if draft.status not in OPEN_STATUSES:  # a published draft's files are the library's now, not "changed"
        return []
    current = {row.filename: row.content_hash for row in session.scalars(select(RegistryFile))}
    rows = session.scalars(select(ProcessDraftFile).where(ProcessDraftFile.draft_id == draft.id))
    return sorted(row.filename for row in rows if current.get(row.filename) != row.base_hash)
