"""The attachments service: add a file to a case or task, list a case's files, fetch one, read its bytes, and
link files to another case (a transfer carries them) — with the case's access rules and an audit event on
the case's chain for each (docs/files.md).

The bytes go to the configured :class:`~workflow_app.platform.files.storage.BlobStore` before the row is
written: a transaction that rolls back leaves at most an unreferenced blob (harmless: content-addressed,
and the next upload of the same content reuses it), never a row without its bytes.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.errors import Conflict, Invalid, NotFound
from workflow_app.platform.files.content_types import FileType, FileTypePolicy
from workflow_app.platform.files.storage import BlobCorrupted, BlobMissing, BlobStore
from workflow_app.platform.identity import access
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.persistence.models import Attachment, ProcessInstance, TaskRow, User

MAX_DESCRIPTION = 2000
MAX_FILENAME = 200


@dataclass
class _Configuration:
    store: BlobStore | None = None
    policy: FileTypePolicy | None = None


_configured = _Configuration()


def configure(store: BlobStore, policy: FileTypePolicy) -> None:
    """Install the blob store and the type policy (the application's start-up does, from its settings)."""
    _configured.store, _configured.policy = store, policy


def store() -> BlobStore:
    if _configured.store is None:
        raise RuntimeError("file storage is not configured (entrypoints/app.py configures it from the settings)")
    return _configured.store


def policy() -> FileTypePolicy:
    if _configured.policy is None:
        _configured.policy = FileTypePolicy.load()
    return _configured.policy


# ------------------------------------------------------------------------------------------------
# Names
# ------------------------------------------------------------------------------------------------

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def sanitise_filename(name: str | None, file_type: FileType | None = None) -> str:
    """A display and download name: no folders, no control or reserved characters, at most 200 characters,
    ending in the extension of the detected type (a JPEG called ``a.pdf`` becomes ``a.pdf.jpg``)."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = re.split(r"[/\\]", text)[-1]
    text = _UNSAFE.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    if not text:
        text = "附件"
    if file_type is not None:
        extension = file_type.extension.lower()
        alternatives = {"jpg": ("jpg", "jpeg"), "tif": ("tif", "tiff"), "doc": ("doc", "dot")}.get(extension, (extension,))
        if text.rsplit(".", 1)[-1].lower() not in alternatives or "." not in text:
            text = f"{text}.{extension}"
    if len(text) > MAX_FILENAME:
        stem, dot, extension = text.rpartition(".")
        text = (stem[:MAX_FILENAME - len(extension) - 1] + dot + extension) if dot and len(extension) < 16 \
            else text[:MAX_FILENAME]
    return text


# ------------------------------------------------------------------------------------------------
# Access
# ------------------------------------------------------------------------------------------------

def _visible_task(session: Session, p: Principal, instance: ProcessInstance, task_id: str) -> TaskRow:
    row = None
    if isinstance(task_id, str) and 0 < len(task_id) <= 36:
        row = session.scalar(select(TaskRow).where(TaskRow.id == task_id, TaskRow.instance_id == instance.id,
                                                   access.task_visibility(p)))
    if row is None:
        raise NotFound("任务不存在或无权查看", f"task {task_id} not found on instance {instance.id}")
    return row


def _visible_files(p: Principal):
    """SQL: the attachments ``p`` may see — of a visible case, and of a visible task when added on one."""
    task_seen = exists().where(TaskRow.id == Attachment.task_id, access.task_visibility(p))
    return (exists().where(ProcessInstance.id == Attachment.instance_id, access.instance_visibility(p)),
            or_(Attachment.task_id.is_(None), task_seen))


def _audit_after(row: Attachment) -> dict:
    return {"filename": row.filename, "sha256": row.sha256, "size": row.size, "media_type": row.media_type,
            "kind": row.kind, "task_id": row.task_id}


# ------------------------------------------------------------------------------------------------
# Use cases
# ------------------------------------------------------------------------------------------------

def attach(session: Session, actor: str, instance: ProcessInstance, filename: str | None, data: bytes, *,
           task_id: str | None = None, kind: str = "evidence", description: str | None = None,
           field_name: str = "file") -> Attachment:
    """Store ``data`` and attach it to ``instance`` for a caller whose access was already checked (a use case
    that generates a document, for example); :func:`add` is the checked entry for people."""
    rules = policy()
    if kind not in rules.kinds:
        raise Invalid("附件类别无效", f"unknown attachment kind {kind!r}", errors={"kind": "附件类别无效"})
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise Invalid(f"说明不能超过 {MAX_DESCRIPTION} 个字符", "description too long",
                      errors={"description": f"不能超过 {MAX_DESCRIPTION} 个字符"})
    if not isinstance(data, (bytes, bytearray)):
        raise Invalid("请选择要上传的文件", "no file content", errors={field_name: "请选择文件"})
    data = bytes(data)
    file_type = rules.check(data, field_name)
    sha256 = store().put(data)
    row = Attachment(instance_id=instance.id, task_id=task_id, sha256=sha256, size=len(data),
                     media_type=file_type.media_type, filename=sanitise_filename(filename, file_type), kind=kind,
                     description=(description or "").strip() or None, uploaded_by=actor, uploaded_at=clock.now())
    session.add(row)
    session.flush()
    audit.record(session, actor, "attachment.add", "attachment", row.id, instance_id=instance.id,
                 business_key=instance.business_key, after=_audit_after(row))
    return row


def add(session: Session, p: Principal, instance_id: int, filename: str | None, data: bytes, *,
        task_id: str | None = None, kind: str = "evidence", description: str | None = None) -> Attachment:
    """Attach a file to a case the caller sees (to one of its tasks the caller sees, with ``task_id``)."""
    instance = access.visible_instance(session, p, instance_id)
    if task_id is not None:
        _visible_task(session, p, instance, task_id)
    return attach(session, p.username, instance, filename, data, task_id=task_id, kind=kind,
                  description=description)


def list_for_instance(session: Session, p: Principal, instance_id: int, *, task_id: str | None = None,
                      kind: str | None = None) -> list[Attachment]:
    """The files of a case the caller sees, newest first (only those of ``task_id`` when given)."""
    instance = access.visible_instance(session, p, instance_id)
    query = select(Attachment).where(Attachment.instance_id == instance.id, *_visible_files(p))
    if task_id is not None:
        query = query.where(Attachment.task_id == task_id)
    if kind is not None:
        query = query.where(Attachment.kind == kind)
    return list(session.scalars(query.order_by(Attachment.uploaded_at.desc(), Attachment.id.desc())))


def get(session: Session, p: Principal, attachment_id: int) -> Attachment:
    """One attachment, or 404 — also when it exists but its case (or task) is hidden from the caller."""
    ok = isinstance(attachment_id, int) and 0 < attachment_id < 2**31
    row = session.scalar(select(Attachment).where(Attachment.id == attachment_id, *_visible_files(p))) if ok else None
    if row is None:
        raise NotFound("附件不存在或无权查看", f"attachment {attachment_id} not found")
    return row


def read_bytes(row: Attachment) -> bytes:
    """The content of an attachment, checked against its hash."""
    try:
        return store().get(row.sha256)
    except (BlobMissing, BlobCorrupted) as exc:
        raise Conflict("附件内容无法读取（存储中缺失或与登记的哈希值不符），请联系系统管理员",
                       f"blob {row.sha256} of attachment {row.id}: {type(exc).__name__}") from None


def check_files_of(session: Session, instance_id: int, attachment_ids, field_name: str = "attachments") -> list[int]:
    """``attachment_ids`` (a list of ids, possibly empty), each a file of ``instance_id`` — else :class:`Invalid`.
    The ids come back without duplicates, in their order."""
    if attachment_ids is None:
        return []
    if not isinstance(attachment_ids, list) or len(attachment_ids) > 200 or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**31 for i in attachment_ids):
        raise Invalid("所选附件无效", "attachments must be a list of attachment ids",
                      errors={field_name: "所选附件无效"})
    wanted = list(dict.fromkeys(attachment_ids))
    if not wanted:
        return []
    found = set(session.scalars(select(Attachment.id).where(Attachment.id.in_(wanted),
                                                            Attachment.instance_id == instance_id)))
    missing = [i for i in wanted if i not in found]
    if missing:
        raise Invalid("所选附件不属于本案件", f"attachments {missing} are not files of instance {instance_id}",
                      errors={field_name: "所选附件不属于本案件"})
    return wanted


def link_to_instance(session: Session, actor: str, source: ProcessInstance, target: ProcessInstance,
                     attachment_ids: list[int] | None, *, field_name: str = "attachments") -> list[Attachment]:
    """Give ``target`` the files ``attachment_ids`` of ``source`` (a transfer carries them): the same blob, a
    new row on the receiving case, an audit event on both chains. Every id must be a file of ``source``."""
    wanted = check_files_of(session, source.id, attachment_ids, field_name)
    if not wanted:
        return []
    rows = {r.id: r for r in session.scalars(select(Attachment).where(Attachment.id.in_(wanted)))}
    linked = []
    for attachment_id in wanted:
        original = rows[attachment_id]
        copy = Attachment(instance_id=target.id, task_id=None, sha256=original.sha256, size=original.size,
                          media_type=original.media_type, filename=original.filename, kind=original.kind,
                          description=original.description, uploaded_by=actor, uploaded_at=clock.now(),
                          source_attachment_id=original.id)
        session.add(copy)
        session.flush()
        audit.record(session, actor, "attachment.link", "attachment", copy.id, instance_id=target.id,
                     business_key=target.business_key,
                     after={**_audit_after(copy), "from_business_key": source.business_key,
                            "from_attachment_id": original.id})
        audit.record(session, actor, "attachment.send", "attachment", original.id, instance_id=source.id,
                     business_key=source.business_key,
                     after={**_audit_after(original), "to_business_key": target.business_key,
                            "to_attachment_id": copy.id})
        linked.append(copy)
    return linked


# ------------------------------------------------------------------------------------------------
# Read model
# ------------------------------------------------------------------------------------------------

def describe(session: Session, rows: list[Attachment]) -> list[dict]:
    """What the API and the pages show of attachments: the row's fields, the type's and kind's labels, whether
    the browser can preview it, the uploader's display name."""
    rules = policy()
    usernames = {r.uploaded_by for r in rows}
    names = dict(session.execute(select(User.username, User.display_name).where(User.username.in_(usernames))).all()) \
        if usernames else {}
    out = []
    for r in rows:
        file_type = rules.types.get(r.media_type)
        out.append({
            "id": r.id, "instance_id": r.instance_id, "task_id": r.task_id, "sha256": r.sha256, "size": r.size,
            "media_type": r.media_type, "type_label": file_type.label if file_type else r.media_type,
            "type_label_en": (file_type.label_en or file_type.label) if file_type else r.media_type,
            "filename": r.filename, "kind": r.kind, "kind_label": rules.kinds.get(r.kind, r.kind),
            "kind_label_en": rules.kinds_en.get(r.kind) or rules.kinds.get(r.kind, r.kind),
            "description": r.description, "uploaded_by": r.uploaded_by,
            "uploaded_by_name": names.get(r.uploaded_by, r.uploaded_by), "uploaded_at": r.uploaded_at,
            "previewable": bool(file_type and file_type.preview),
            "source_attachment_id": r.source_attachment_id,
        })
    return out


def previewable(row: Attachment) -> bool:
    file_type = policy().types.get(row.media_type)
    return bool(file_type and file_type.preview)
