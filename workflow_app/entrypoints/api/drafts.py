"""The process owner's workspace over the API: drafts, their files, validation, tests, publication, versions
and their comparison (docs/workspace.md)."""
from __future__ import annotations

import json

from flask import Response, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from workflow_app.entrypoints.api.common import current_principal, db
from workflow_app.entrypoints.api.schemas import ProblemSchema
from workflow_app.platform.modelling import diff, drafts, publication, validation
from workflow_app.platform.persistence.database import in_transaction

blp = Blueprint("drafts", __name__, url_prefix="/api", description="Process owners' drafts, publication and versions")


class DraftFileSchema(Schema):
    filename = fields.String()
    kind = fields.String(metadata={"description": "bpmn | dmn | form | test"})
    edited = fields.Boolean(metadata={"description": "the draft holds its own copy"})
    new = fields.Boolean(metadata={"description": "not in the library yet"})


class PublicationSchema(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"description": "submitted | published | rejected | withdrawn"})
    comment = fields.String()
    approvals = fields.Integer(metadata={"description": "second approvals required when submitted (0 or 1)"})
    files = fields.List(fields.String())
    restored_from = fields.String(allow_none=True)
    submitted_by = fields.String()
    submitted_at = fields.DateTime()
    approved_by = fields.String(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    rejected_by = fields.String(allow_none=True)
    rejected_at = fields.DateTime(allow_none=True)
    reason = fields.String(allow_none=True)
    deployment_id = fields.Integer(allow_none=True)


class DraftSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    process_key = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "editing | submitted | published | discarded"})
    revision = fields.Integer(metadata={"description": "send it back with a file save (409 when stale)"})
    created_by = fields.String()
    created_at = fields.DateTime()
    updated_by = fields.String()
    updated_at = fields.DateTime()


class DraftDetailSchema(DraftSchema):
    files = fields.List(fields.Nested(DraftFileSchema))
    changed_underneath = fields.List(fields.String())
    publication = fields.Nested(PublicationSchema, allow_none=True)
    history = fields.List(fields.Nested(PublicationSchema))
    refusal = fields.String(allow_none=True, metadata={
        "description": "restore only: why the restored draft was not submitted (it stays editing)"})


class DraftCreateSchema(Schema):
    title = fields.String(load_default="", validate=validate.Length(max=200))
    process_key = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class DraftQuerySchema(Schema):
    status = fields.String(load_default="open", validate=validate.OneOf(
        ["open", "editing", "submitted", "published", "discarded", "awaiting_me"]))


class RevisionQuerySchema(Schema):
    revision = fields.Integer(load_default=None, allow_none=True,
                              metadata={"description": "the draft revision the change is based on (409 when stale)"})


class ProblemItemSchema(Schema):
    file = fields.String(allow_none=True)
    element = fields.String(allow_none=True, metadata={"description": "BPMN/DMN element id"})
    line = fields.Integer(allow_none=True)
    severity = fields.String(metadata={"description": "error | warning"})
    code = fields.String(metadata={"description": "lint rule or deploy.<kind> (docs/workspace.md)"})
    message_zh = fields.String()
    message = fields.String()


class ValidationSchema(Schema):
    revision = fields.Integer()
    errors = fields.Integer()
    warnings = fields.Integer()
    problems = fields.List(fields.Nested(ProblemItemSchema))


class TestResultSchema(Schema):
    file = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    target = fields.String(allow_none=True)
    element = fields.String(allow_none=True)
    passed = fields.Boolean()
    message_zh = fields.String(allow_none=True)
    message = fields.String(allow_none=True)


class TestsSchema(Schema):
    passed = fields.Boolean()
    results = fields.List(fields.Nested(TestResultSchema))


class SubmitSchema(Schema):
    comment = fields.String(required=True, validate=validate.Length(max=publication.MAX_COMMENT))


class RejectSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(max=publication.MAX_COMMENT))


class RestoreSchema(Schema):
    comment = fields.String(load_default="", validate=validate.Length(max=publication.MAX_COMMENT))


class DiffQuerySchema(Schema):
    a = fields.Integer(required=True, validate=validate.Range(min=1))
    b = fields.Integer(required=True, validate=validate.Range(min=1))


class DiffSchema(Schema):
    process_key = fields.String()
    draft_id = fields.Integer()
    a = fields.Integer()
    b = fields.Integer()
    main_file = fields.String(allow_none=True)
    old_main_file = fields.String(allow_none=True)
    files = fields.List(fields.Dict(), metadata={
        "description": "per file: file, kind, status (added|removed|changed|same), summary, and bpmn "
                       "(elements with changes), dmn (tables with rows and cells) or form (fields)"})


class VersionHistorySchema(Schema):
    process_key = fields.String()
    version = fields.Integer()
    name = fields.String()
    deployed_at = fields.DateTime()
    deployed_by = fields.String()
    source = fields.String()
    deployment_id = fields.Integer()
    comment = fields.String(allow_none=True)
    submitted_by = fields.String(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    approved_by = fields.String(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    approvals = fields.Integer(allow_none=True)
    restored_from = fields.String(allow_none=True)
    draft_id = fields.Integer(allow_none=True)
    running_instances = fields.Integer()


def draft_view(s, draft, detail=False) -> dict:
    out = {k: getattr(draft, k) for k in ("id", "title", "process_key", "status", "revision", "created_by",
                                          "created_at", "updated_by", "updated_at")}
    if detail:
        out["files"] = [vars(f) for f in drafts.file_list(s, draft)]
        out["changed_underneath"] = drafts.changed_underneath(s, draft)
        history = [publication_view(r) for r in publication.history(s, draft)]
        out["history"] = history
        out["publication"] = history[0] if history else None
    return out


def publication_view(r) -> dict:
    out = {k: getattr(r, k) for k in ("id", "status", "comment", "approvals", "restored_from", "submitted_by",
                                      "submitted_at", "approved_by", "approved_at", "rejected_by", "rejected_at",
                                      "reason", "deployment_id")}
    out["files"] = json.loads(r.files)
    return out


def _validation(s, draft) -> dict:
    problems = validation.validate_draft(s, draft)
    return {"revision": draft.revision, "errors": sum(p.severity == "error" for p in problems),
            "warnings": sum(p.severity == "warning" for p in problems), "problems": [p.as_dict() for p in problems]}


# ------------------------------------------------------------------------------------------------
# Drafts
# ------------------------------------------------------------------------------------------------

@blp.route("/drafts")
@blp.arguments(DraftQuerySchema, location="query")
@blp.response(200, DraftSchema(many=True))
@blp.alt_response(403, schema=ProblemSchema)
def list_drafts(args):
    """Drafts: open ones (editing or submitted) by default; ``awaiting_me``: submitted by someone else for
    the caller to approve. Process owners only."""
    p = current_principal()

    def run(s):
        status = args["status"]
        if status == "awaiting_me":
            found = publication.awaiting_approval(s, p)
        else:
            found = drafts.list_drafts(s, p, drafts.OPEN_STATUSES if status == "open" else (status,))
        return [draft_view(s, d) for d in found]
    return in_transaction(db(), run)


@blp.route("/drafts", methods=["POST"])
@blp.arguments(DraftCreateSchema)
@blp.response(201, DraftDetailSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(404, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def create_draft(args):
    """Open a draft, from a process (its files are listed) or empty. Saving never deploys."""
    p = current_principal()
    return in_transaction(db(), lambda s: draft_view(s, drafts.create_draft(s, p, args["title"], args["process_key"]),
                                                     detail=True))


@blp.route("/drafts/<int:draft_id>")
@blp.response(200, DraftDetailSchema)
@blp.alt_response(404, schema=ProblemSchema)
def get_draft(draft_id):
    """A draft with its files, the files changed underneath it and its publication requests."""
    p = current_principal()
    return in_transaction(db(), lambda s: draft_view(s, drafts.get_draft(s, p, draft_id), detail=True))


@blp.route("/drafts/<int:draft_id>", methods=["DELETE"])
@blp.response(200, DraftSchema)
@blp.alt_response(404, schema=ProblemSchema)
@blp.alt_response(409, schema=ProblemSchema)
def discard_draft(draft_id):
    """Discard the draft (editing or submitted); nothing is deployed."""
    p = current_principal()
    return in_transaction(db(), lambda s: draft_view(s, drafts.discard(s, p, draft_id)))


@blp.route("/drafts/<int:draft_id>/files/<string:filename>")
@blp.alt_response(404, schema=ProblemSchema)
def get_file(draft_id, filename):
    """The draft's copy of a file, else the library's current one (raw bytes)."""
    p = current_principal()
    content = in_transaction(db(), lambda s: drafts.draft_file(s, drafts.get_draft(s, p, draft_id), filename))
    kind = filename.rsplit(".", 1)[-1].lower()
    mimetype = "application/json" if kind == "json" else "application/xml"
    return Response(content, mimetype=mimetype)


@blp.route("/drafts/<int:draft_id>/files/<string:filename>", methods=["PUT"])
@blp.arguments(RevisionQuerySchema, location="query")
@blp.doc(requestBody={"required": True, "content": {"application/octet-stream": {"schema": {
    "type": "string", "format": "binary"}}}})
@blp.response(200, ValidationSchema)
@blp.alt_response(404, schema=ProblemSchema)
@blp.alt_response(409, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def put_file(args, draft_id, filename):
    """Save a file into the draft (body: the file's bytes). ``revision`` names the draft revision the edit
    started from: a save based on an older one is refused with 409 and nothing changes. Answers the new
    revision and the draft's validation problems."""
    p = current_principal()
    content = request.get_data(cache=False)

    def run(s):
        draft = drafts.save_file(s, p, draft_id, filename, content, args["revision"])
        return _validation(s, draft)
    return in_transaction(db(), run)


@blp.route("/drafts/<int:draft_id>/files/<string:filename>", methods=["DELETE"])
@blp.arguments(RevisionQuerySchema, location="query")
@blp.response(200, ValidationSchema)
@blp.alt_response(404, schema=ProblemSchema)
@blp.alt_response(409, schema=ProblemSchema)
def revert_file(args, draft_id, filename):
    """Drop the draft's copy of a file: the library's version applies again."""
    p = current_principal()

    def run(s):
        return _validation(s, drafts.revert_file(s, p, draft_id, filename, args["revision"]))
    return in_transaction(db(), run)


@blp.route("/drafts/<int:draft_id>/problems")
@blp.response(200, ValidationSchema)
@blp.alt_response(404, schema=ProblemSchema)
def draft_problems(draft_id):
    """Validation of the draft: the deploy validation and the lint rules, each problem with its element id."""
    p = current_principal()
    return in_transaction(db(), lambda s: _validation(s, drafts.get_draft(s, p, draft_id)))


@blp.route("/drafts/<int:draft_id>/tests")
@blp.response(200, TestsSchema)
@blp.alt_response(404, schema=ProblemSchema)
def draft_tests(draft_id):
    """The definition tests run against the draft in memory (no case is created)."""
    p = current_principal()

    def run(s):
        passed, results = publication.test_results(drafts.merged_files(s, drafts.get_draft(s, p, draft_id)))
        return {"passed": passed, "results": results}
    return in_transaction(db(), run)


@blp.route("/drafts/<int:draft_id>/diff")
@blp.response(200, DiffSchema)
@blp.alt_response(404, schema=ProblemSchema)
def draft_diff(draft_id):
    """The draft's edited files compared with the library's current ones."""
    p = current_principal()
    return in_transaction(db(), lambda s: diff.compare_draft(s, p, draft_id))


# ------------------------------------------------------------------------------------------------
# Publication
# ------------------------------------------------------------------------------------------------

def _publication_step(draft_id, step):
    p = current_principal()

    def run(s):
        step(s, p)
        return draft_view(s, drafts.get_draft(s, p, draft_id), detail=True)
    return in_transaction(db(), run)


@blp.route("/drafts/<int:draft_id>/submit", methods=["POST"])
@blp.arguments(SubmitSchema)
@blp.response(200, DraftDetailSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(409, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def submit(args, draft_id):
    """Submit for publication with a comment. Refused (422) while validation has errors or a definition test
    fails (each failing test named in ``problems``), 409 when a file changed underneath the draft. Without
    four eyes (``CASEFLOW_PUBLISH_APPROVALS=0``) the submission publishes at once."""
    return _publication_step(draft_id, lambda s, p: publication.submit(s, p, draft_id, args["comment"]))


@blp.route("/drafts/<int:draft_id>/withdraw", methods=["POST"])
@blp.response(200, DraftDetailSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(409, schema=ProblemSchema)
def withdraw(draft_id):
    """The submitter takes the draft back for editing."""
    return _publication_step(draft_id, lambda s, p: publication.withdraw(s, p, draft_id))


@blp.route("/drafts/<int:draft_id>/approve", methods=["POST"])
@blp.response(200, DraftDetailSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(409, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def approve(draft_id):
    """A second process owner (not the submitter, of a top-level bureau) approves: every check runs again,
    then the draft is deployed (source ``workspace``)."""
    return _publication_step(draft_id, lambda s, p: publication.approve(s, p, draft_id))


@blp.route("/drafts/<int:draft_id>/reject", methods=["POST"])
@blp.arguments(RejectSchema)
@blp.response(200, DraftDetailSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(409, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def reject(args, draft_id):
    """A second process owner sends the draft back for editing, with the reason."""
    return _publication_step(draft_id, lambda s, p: publication.reject(s, p, draft_id, args["reason"]))


# ------------------------------------------------------------------------------------------------
# Versions
# ------------------------------------------------------------------------------------------------

@blp.route("/processes/<string:process_key>/history")
@blp.response(200, VersionHistorySchema(many=True))
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(404, schema=ProblemSchema)
def version_history(process_key):
    """Every version with who deployed it, who submitted and approved it, the comment and running cases."""
    p = current_principal()
    return in_transaction(db(), lambda s: publication.version_list(s, p, process_key))


@blp.route("/processes/<string:process_key>/diff")
@blp.arguments(DiffQuerySchema, location="query")
@blp.response(200, DiffSchema)
@blp.alt_response(404, schema=ProblemSchema)
def version_diff(args, process_key):
    """Compare versions ``a`` and ``b``: BPMN elements, DMN rows (cell by cell), form fields."""
    p = current_principal()
    return in_transaction(db(), lambda s: diff.compare_versions(s, p, process_key, args["a"], args["b"]))


@blp.route("/processes/<string:process_key>/versions/<int:version>/restore", methods=["POST"])
@blp.arguments(RestoreSchema)
@blp.response(201, DraftDetailSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(404, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def restore(args, process_key, version):
    """Publish an old version's files as a new version: a draft holding them, submitted for approval.

    When the old files do not pass today's validation or definition tests (a test written since pins newer
    behaviour), the draft is created but not submitted: it stays ``editing`` and ``refusal`` says why."""
    p = current_principal()

    def run(s):
        restored = publication.restore(s, p, process_key, version, args["comment"])
        view = draft_view(s, drafts.get_draft(s, p, restored.draft_id), detail=True)
        view["refusal"] = restored.refusal.detail if restored.refusal else None
        return view
    return in_transaction(db(), run)

