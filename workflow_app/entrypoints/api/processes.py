"""Process registry: list versions, deploy files."""
from __future__ import annotations

import json

from flask import request
from flask_smorest import Blueprint
from sqlalchemy import select

from workflow_app.entrypoints.api.common import current_principal, db
from workflow_app.entrypoints.api.schemas import (
    DefinitionTestReportSchema,
    DeploymentResultSchema,
    DeploymentUploadSchema,
    ProblemSchema,
    ProcessVersionDetailSchema,
    ProcessVersionSchema,
)
from workflow_app.platform.errors import DefinitionRejected
from workflow_app.platform.identity import access
from workflow_app.platform.modelling import definition_tests
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.persistence.models import ProcessVersion
from workflow_app.platform.processes import registry

blp = Blueprint("processes", __name__, url_prefix="/api", description="Process definitions and deployments")


def _version(v, detail=False) -> dict:
    out = {"process_key": v.process_key, "name": v.name, "version": v.version, "content_hash": v.content_hash,
           "deployed_at": v.deployed_at, "deployment_id": v.deployment_id}
    if detail:
        out.update(files=json.loads(v.files_json), forms=json.loads(v.forms_json),
                   warnings=json.loads(v.warnings_json))
    return out


@blp.route("/processes")
@blp.response(200, ProcessVersionSchema(many=True))
def list_processes():
    """Latest version of every deployed process."""
    current_principal()
    return in_transaction(db(), lambda s: [_version(v) for v in registry.list_latest(s)])


@blp.route("/processes/<string:process_key>/versions")
@blp.response(200, ProcessVersionSchema(many=True))
@blp.alt_response(404, schema=ProblemSchema)
def list_versions(process_key):
    """All versions of one process, newest first."""
    current_principal()

    def run(s):
        rows = s.scalars(select(ProcessVersion).where(ProcessVersion.process_key == process_key)
                         .order_by(ProcessVersion.version.desc())).all()
        if not rows:
            registry.get_version(s, process_key)  # raises the 404
        return [_version(v) for v in rows]
    return in_transaction(db(), run)


@blp.route("/processes/<string:process_key>/versions/<int:version>")
@blp.response(200, ProcessVersionDetailSchema)
@blp.alt_response(404, schema=ProblemSchema)
def get_version(process_key, version):
    """One version with its BPMN/DMN files, forms and lint warnings."""
    current_principal()
    return in_transaction(db(), lambda s: _version(registry.get_version(s, process_key, version), detail=True))


def _uploaded_files() -> dict[str, bytes]:
    """The definition files of a multipart request (field ``files``, repeatable), by file name."""
    uploads = request.files.getlist("files")
    if not uploads:
        raise DefinitionRejected("没有上传任何文件", "multipart field 'files' is empty", problems=[])
    return {upload.filename or "": upload.read() for upload in uploads}


@blp.route("/deployments", methods=["POST"])
@blp.arguments(DeploymentUploadSchema, location="files")
@blp.response(201, DeploymentResultSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def deploy(_args):
    """Deploy BPMN, DMN and form files (multipart field ``files``, repeatable).

    The whole library is validated as it would be after the upload; if anything is wrong nothing is
    stored and the answer lists each problem with file, line and reason. Definitions are installation-wide:
    only a process owner of a top-level bureau deploys (403 otherwise).
    """
    principal = current_principal()
    in_transaction(db(), lambda s: access.require_can_deploy(s, principal))
    files = _uploaded_files()

    def run(s):
        result = registry.deploy(s, files, principal.username, source="api")
        return {"deployment_id": result.deployment_id, "created": [_version(v) for v in result.created],
                "unchanged": result.unchanged, "warnings": result.warnings}
    return in_transaction(db(), run)


@blp.route("/definition-tests", methods=["POST"])
@blp.arguments(DeploymentUploadSchema, location="files")
@blp.response(200, DefinitionTestReportSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def run_definition_tests(_args):
    """Run the definition tests of the library as it would be after deploying the uploaded files
    (multipart field ``files``, repeatable, as for ``/deployments``) — in memory: nothing is stored and no
    case is created. The answer lists every test with its outcome; ``passed`` is false when one fails or
    the library does not build (``problems``). Test files are ``*.test.json`` (docs/definition-tests.md).
    """
    principal = current_principal()
    in_transaction(db(), lambda s: access.require_can_deploy(s, principal))
    files = _uploaded_files()
    merged = in_transaction(db(), lambda s: registry.merged_files(s, files))
    return definition_tests.run_tests(merged).as_dict()
