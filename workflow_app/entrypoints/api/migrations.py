"""Migrating running instances between process versions, and the live view's figures (docs/operations.md):
/api/processes/{key}/migrations/dry-run, /api/processes/{key}/migrations, /api/migrations/{id},
/api/processes/{key}/live. Process owners; dry runs and migrations need deploy rights."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from workflow_app.entrypoints.api.common import current_principal, db
from workflow_app.entrypoints.api.schemas import ProblemSchema
from workflow_app.platform.operations import live_view, migration
from workflow_app.platform.persistence.database import in_transaction

blp = Blueprint("migrations", __name__, url_prefix="/api", description="Process operations: migration, live view")


class MigrationRequestSchema(Schema):
    source_version = fields.Integer(required=True)
    target_version = fields.Integer(required=True)
    instance_ids = fields.List(fields.Integer(), load_default=None, allow_none=True, metadata={
        "description": "the instances to examine or move (default: every running instance of the source version)"})


class MigrateRequestSchema(MigrationRequestSchema):
    batch_size = fields.Integer(load_default=migration.DEFAULT_BATCH,
                                validate=validate.Range(min=1, max=migration.MAX_BATCH))


class ObstacleSchema(Schema):
    code = fields.String(metadata={"description": "removed_active | removed_history | subprocess_missing | "
                                                  "not_restorable | not_loadable"})
    element = fields.String()
    name = fields.String()
    message_zh = fields.String()
    message_en = fields.String()


class ResetSchema(Schema):
    element = fields.String()
    name = fields.String()
    attributes = fields.List(fields.String())


class CandidateSchema(Schema):
    instance_id = fields.Integer()
    business_key = fields.String()
    started_at = fields.DateTime()
    movable = fields.Boolean()
    obstacles = fields.List(fields.Nested(ObstacleSchema))
    resets = fields.List(fields.Nested(ResetSchema), metadata={
        "description": "active tasks whose element changed: reset on the target element (same task id)"})


class DryRunSchema(Schema):
    process_key = fields.String()
    source_version = fields.Integer()
    target_version = fields.Integer()
    total = fields.Integer(metadata={"description": "running instances of the source version (or of instance_ids)"})
    movable = fields.Integer()
    candidates = fields.List(fields.Nested(CandidateSchema))


class ResultSchema(Schema):
    instance_id = fields.Integer()
    business_key = fields.String()
    status = fields.String(metadata={"description": "pending | migrated | failed (failed: still on the source)"})
    batch = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True, metadata={"description": "why it failed, in Chinese"})
    detail = fields.String(allow_none=True, metadata={"description": "why it failed, in English"})
    notes = fields.List(fields.Dict())
    finished_at = fields.DateTime(allow_none=True)


class RunSchema(Schema):
    id = fields.Integer()
    process_key = fields.String()
    source_version = fields.Integer()
    target_version = fields.Integer()
    batch_size = fields.Integer()
    status = fields.String(metadata={"description": "running | finished"})
    total = fields.Integer()
    migrated = fields.Integer()
    failed = fields.Integer()
    started_by = fields.String()
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    results = fields.List(fields.Nested(ResultSchema))


class ElementFiguresSchema(Schema):
    tasks = fields.Integer(metadata={"description": "open user tasks at the element"})
    overdue = fields.Integer(metadata={"description": "of those, late by the inbox's rule"})
    timers = fields.Integer(metadata={"description": "waiting timers"})
    messages = fields.Integer(metadata={"description": "message waits"})
    incidents = fields.Integer(metadata={"description": "open incidents of the element's timers"})


class LiveViewSchema(Schema):
    process_key = fields.String()
    name = fields.String()
    version = fields.Integer()
    running = fields.Integer()
    versions = fields.List(fields.Dict())
    elements = fields.Dict(keys=fields.String(), values=fields.Nested(ElementFiguresSchema))
    totals = fields.Dict()
    incidents = fields.List(fields.Dict())


def _run_dict(run, results) -> dict:
    out = {c: getattr(run, c) for c in ("id", "process_key", "source_version", "target_version", "batch_size",
                                        "status", "total", "migrated", "failed", "started_by", "started_at",
                                        "finished_at")}
    out["results"] = [{"instance_id": r.instance_id, "business_key": r.business_key, "status": r.status,
                       "batch": r.batch, "reason": r.reason, "detail": r.detail,
                       "notes": migration.result_notes(r), "finished_at": r.finished_at} for r in results]
    return out


@blp.route("/processes/<string:process_key>/migrations/dry-run", methods=["POST"])
@blp.arguments(MigrationRequestSchema)
@blp.response(200, DryRunSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(404, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def dry_run(args, process_key):
    """Which running instances of the source version can move to the target, and why the others cannot.
    Nothing changes."""
    principal = current_principal()

    def run(s):
        dry = migration.dry_run(s, principal, process_key, args["source_version"], args["target_version"],
                                args["instance_ids"])
        return {"process_key": process_key, "source_version": dry.source.version,
                "target_version": dry.target.version, "total": dry.total, "movable": len(dry.movable),
                "candidates": [c.as_dict() for c in dry.candidates]}
    return in_transaction(db(), run)


@blp.route("/processes/<string:process_key>/migrations", methods=["POST"])
@blp.arguments(MigrateRequestSchema)
@blp.response(201, RunSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(404, schema=ProblemSchema)
@blp.alt_response(422, schema=ProblemSchema)
def migrate(args, process_key):
    """Move the instances in batches (each batch committed on its own, each instance in its own savepoint);
    a failed instance stays on the source version with its reason in the results."""
    principal = current_principal()
    run = in_transaction(db(), lambda s: migration.start_run(
        s, principal, process_key, args["source_version"], args["target_version"], args["instance_ids"],
        args["batch_size"]))
    run_id = run.id
    while True:
        run, results = in_transaction(db(), lambda s: migration.advance(s, principal, run_id))
        if run.status != "running":
            return _run_dict(run, results), 201


@blp.route("/processes/<string:process_key>/migrations")
@blp.response(200, RunSchema(many=True))
@blp.alt_response(403, schema=ProblemSchema)
def list_runs(process_key):
    """The process's migration runs, newest first (without their results)."""
    principal = current_principal()
    return in_transaction(db(), lambda s: [_run_dict(r, []) for r in migration.list_runs(s, principal, process_key)])


@blp.route("/migrations/<int:run_id>")
@blp.response(200, RunSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(404, schema=ProblemSchema)
def get_run(run_id):
    """A migration run and the result of each of its instances."""
    principal = current_principal()
    return in_transaction(db(), lambda s: _run_dict(*migration.get_run(s, principal, run_id)))


@blp.route("/processes/<string:process_key>/live")
@blp.response(200, LiveViewSchema)
@blp.alt_response(403, schema=ProblemSchema)
@blp.alt_response(404, schema=ProblemSchema)
def live(process_key):
    """A version's figures per element (default: the latest version with running instances)."""
    principal = current_principal()
    view = in_transaction(db(), lambda s: live_view.live_view(s, principal, process_key, request.args.get("version")))
    view.pop("xml", None)
    return view
