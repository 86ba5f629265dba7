"""The process registry: deploy definition files, keep one immutable version per content change.

A deployment validates the whole library as it would be after the upload (uploaded files replace
current files of the same name), then runs the library's definition tests on it in memory
(engine/definition_tests.py, docs/definition-tests.md). Only if everything passes are files and new
versions stored, in the caller's transaction; otherwise nothing changes and every problem — or every
failing test, named — is reported.

Test files (``*.test.json``, kind "test") are stored as registry files and travel with the library; they
are not part of any process version's bundle, so a version's content hash never changes because a test did.

Definitions are installation-wide (no bureau column): who may deploy is the caller's check,
:func:`services.access.require_can_deploy` for the API (process owners of a top-level bureau only,
docs/security.md §2 "Deploy scope"); the CLI and the start-up sync run as the server's operator.
"""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow_app.platform import clock
from workflow_app.platform.engine import definition_tests
from workflow_app.platform.engine import library as lib
from workflow_app.platform.engine import runner, serialization
from workflow_app.platform.engine.xml_safety import DefinitionError
from workflow_app.platform.persistence.models import Deployment, ProcessVersion, RegistryFile
from workflow_app.platform.audit import trail as audit
from workflow_app.platform.errors import DefinitionRejected, NotFound

MAX_FILES_PER_DEPLOYMENT = 100


@dataclass
class DeployResult:
    deployment_id: int | None
    created: list[ProcessVersion] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _rejected(problems: list[DefinitionError]) -> DefinitionRejected:
    first = problems[0]
    return DefinitionRejected(
        f"流程定义校验未通过：{first}",
        "; ".join(str(p) for p in problems),
        problems=[p.as_dict() for p in problems],
    )


def _tests_failed(report: definition_tests.TestReport) -> DefinitionRejected:
    # Checks first (statutory ranges and the like say most directly what is wrong), then decision cases,
    # then scenarios (which often fail as a consequence).
    order = {"check": 0, "decision": 1, "scenario": 2}
    failures = sorted(report.failures, key=lambda f: order.get(f.kind, 3))
    first = failures[0]
    return DefinitionRejected(
        f"定义测试未通过（{len(failures)} 项），不能发布：{first.message_zh}",
        f"{len(failures)} definition test(s) failed: " + "; ".join(f"{f.file}: {f.message}" for f in failures),
        problems=[{"file": f.file, "line": None, "reason": f.message, "reason_zh": f.message_zh, "test": f.name,
                   "kind": f.kind, "target": f.target, "element": f.element, "step": f.step} for f in failures],
    )


def check_library(files: dict[str, bytes]) -> lib.Library:
    """The library ``files`` make, validated and its definition tests passed, or :class:`DefinitionRejected`
    (problems by file and line, or the failing tests named). Stores nothing."""
    try:
        library = lib.build_library(files, runner.build_only_script_engine)
    except lib.LibraryError as exc:
        raise _rejected(exc.problems) from None
    report = definition_tests.run_for_deployment(library, files)
    if not report.passed:
        raise _tests_failed(report)
    return library


def _check_upload(files: dict[str, bytes]) -> None:
    if not files:
        raise DefinitionRejected("没有上传任何文件", "no files in the deployment", problems=[])
    if len(files) > MAX_FILES_PER_DEPLOYMENT:
        raise DefinitionRejected("一次上传的文件过多", f"at most {MAX_FILES_PER_DEPLOYMENT} files per deployment",
                                 problems=[])
    problems = []
    for name in files:
        try:
            lib.check_filename(name)
        except DefinitionError as exc:
            problems.append(exc)
    if problems:
        raise _rejected(problems)


def merged_files(session: Session, files: dict[str, bytes]) -> dict[str, bytes]:
    """The library as it would be after deploying ``files`` (uploaded files replace current files of the
    same name); the upload's names are checked first (:class:`DefinitionRejected`). Stores nothing."""
    _check_upload(files)
    merged = {row.filename: row.content for row in session.scalars(select(RegistryFile))}
    merged.update(files)
    return merged


def deploy(session: Session, files: dict[str, bytes], actor: str, source: str = "api") -> DeployResult:
    merged = merged_files(session, files)
    current = {row.filename: row for row in session.scalars(select(RegistryFile))}
    library = check_library(merged)

    now = clock.now()
    deployment = Deployment(deployed_at=now, deployed_by=actor, source=source, files=json.dumps(sorted(files)))
    session.add(deployment)
    session.flush()
    for name, content in files.items():
        digest = hashlib.sha256(content).hexdigest()
        row = current.get(name)
        if row is None:
            session.add(RegistryFile(filename=name, kind=lib._kind(name), content=content, content_hash=digest,
                                     updated_at=now, updated_by=actor))
        elif row.content_hash != digest:
            row.content, row.content_hash, row.updated_at, row.updated_by = content, digest, now, actor

    result = DeployResult(deployment_id=deployment.id)
    for process_id, bundle in sorted(library.processes.items()):
        result.warnings.extend(bundle.warnings)
        latest = latest_version(session, process_id)
        if latest is not None and latest.content_hash == bundle.content_hash:
            result.unchanged.append(process_id)
            continue
        version = ProcessVersion(
            process_key=process_id,
            version=(latest.version if latest else 0) + 1,
            name=bundle.name,
            content_hash=bundle.content_hash,
            deployment_id=deployment.id,
            spec_json=serialization.dump_spec(bundle.spec, bundle.subprocess_specs),
            files_json=json.dumps({"bpmn": {k: v.decode("utf-8") for k, v in bundle.bpmn_files.items()},
                                   "dmn": {k: v.decode("utf-8") for k, v in bundle.dmn_files.items()}},
                                  ensure_ascii=False),
            forms_json=json.dumps(bundle.forms, ensure_ascii=False),
            warnings_json=json.dumps(bundle.warnings, ensure_ascii=False),
            deployed_at=now,
        )
        session.add(version)
        result.created.append(version)
    session.flush()
    audit.record(session, actor, "process.deploy", "deployment", deployment.id, after={
        "files": sorted(files), "created": [f"{v.process_key}:v{v.version}" for v in result.created],
        "unchanged": result.unchanged})
    return result


def library_files(folders: list[Path]) -> dict[str, bytes]:
    """Definition files under the library folders, by plain file name (names must be unique)."""
    files: dict[str, bytes] = {}
    origin: dict[str, Path] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() not in (".bpmn", ".dmn", ".json") or not path.is_file():  # *.test.json too
                continue
            if path.name in files:
                raise DefinitionRejected(f"文件名重复：{path.name}", f"{path} and {origin[path.name]} share a name",
                                         problems=[{"file": path.name, "line": None, "reason": "duplicate file name"}])
            files[path.name] = path.read_bytes()
            origin[path.name] = path
    return files


def sync_folders(session: Session, folders: list[Path], actor: str = "system") -> DeployResult:
    """Deploy the library shipped in ``bpmn/`` and ``forms/``: only changed bundles make new versions."""
    files = library_files(folders)
    if not files:
        return DeployResult(deployment_id=None)
    current = {row.filename: row.content_hash for row in session.scalars(select(RegistryFile))}
    changed = {n: c for n, c in files.items() if current.get(n) != hashlib.sha256(c).hexdigest()}
    if not changed:
        return DeployResult(deployment_id=None, unchanged=sorted(latest_keys(session)))
    return deploy(session, changed, actor, source="startup")


def latest_version(session: Session, process_key: str) -> ProcessVersion | None:
    return session.scalar(select(ProcessVersion).where(ProcessVersion.process_key == process_key)
                          .order_by(ProcessVersion.version.desc()).limit(1))


def latest_keys(session: Session) -> list[str]:
    return list(session.scalars(select(ProcessVersion.process_key).distinct()))


def get_version(session: Session, process_key: str, version: int | None = None) -> ProcessVersion:
    if version is None:
        found = latest_version(session, process_key)
    else:
        found = session.scalar(select(ProcessVersion).where(ProcessVersion.process_key == process_key,
                                                            ProcessVersion.version == version))
    if found is None:
        raise NotFound(f"流程 {process_key} 不存在", f"process {process_key!r} version {version or 'latest'} not found")
    return found


def list_latest(session: Session) -> list[ProcessVersion]:
    latest = (select(ProcessVersion.process_key, func.max(ProcessVersion.version).label("v"))
              .group_by(ProcessVersion.process_key).subquery())
    return list(session.scalars(select(ProcessVersion).join(
        latest, (ProcessVersion.process_key == latest.c.process_key) & (ProcessVersion.version == latest.c.v))
        .order_by(ProcessVersion.process_key)))


@dataclass
class LoadedVersion:
    spec: object
    subprocess_specs: dict
    forms: dict[str, dict]


class _SpecCache:
    """Deserialized specs keyed by (process, content hash): content-addressed, so entries never go stale
    and two databases served by one process can never mix their versions up."""

    def __init__(self, size: int = 256):
        self._items: OrderedDict[tuple[str, str], LoadedVersion] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, version: ProcessVersion) -> LoadedVersion:
        key = (version.process_key, version.content_hash)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        spec, subs = serialization.load_spec(version.spec_json)
        loaded = LoadedVersion(spec, subs, json.loads(version.forms_json))
        with self._lock:
            self._items[key] = loaded
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return loaded

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


spec_cache = _SpecCache()
