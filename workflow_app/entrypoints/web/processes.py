"""流程管理 for process owners (docs/operations.md): the process list, a version's live view (the diagram with
the instances at each element, overdue tasks, incidents with retry; ``static/live_view.js``), and the
migration of running instances between versions (dry run, runs in batches, results). Templates in
``templates/web/processes/``; the services are ``platform/operations/``."""
from __future__ import annotations

from flask import jsonify, redirect, render_template, request, url_for

from workflow_app.entrypoints.api.common import db
from workflow_app.entrypoints.web.common import MESSAGES, bp, error_text, principal
from workflow_app.platform.errors import DomainError, Invalid
from workflow_app.platform.operations import live_view, migration
from workflow_app.platform.persistence.database import in_transaction

#: The batch sizes the migration page offers.
BATCH_SIZES = (1, 10, 50, 100, 500)


@bp.route("/processes")
def processes_page():
    p = principal()
    listing = in_transaction(db(), lambda s: live_view.process_list(s, p))
    return render_template("web/processes/list.html", processes=listing)


@bp.route("/processes/<key>")
def live_view_page(key):
    p = principal()
    view = in_transaction(db(), lambda s: live_view.live_view(s, p, key, request.args.get("version")))
    return render_template("web/processes/live.html", view=view, key=key,
                           confirmation=MESSAGES.get(request.args.get("msg", "")))


@bp.route("/processes/<key>/live.json")
def live_view_json(key):
    """The diagram and its figures per element, for ``static/live_view.js``."""
    p = principal()
    view = in_transaction(db(), lambda s: live_view.live_view(s, p, key, request.args.get("version")))
    return jsonify({k: view[k] for k in ("process_key", "version", "xml", "has_di", "elements")})


@bp.route("/processes/<key>/elements/<element>")
def live_view_element(key, element):
    """The instances at one element (htmx fragment under the diagram)."""
    p = principal()
    at = in_transaction(db(), lambda s: live_view.instances_at(s, p, key, request.args.get("version"), element))
    # the element's name as the diagram shows it (the script sends it; only words, never markup: escaped)
    name = (request.args.get("name") or element)[:200]
    return render_template("web/processes/_at_element.html", at=at, key=key, element_name=name)


@bp.route("/processes/<key>/incidents/<int:incident_id>/retry", methods=["POST"])
def live_view_retry(key, incident_id):
    p = principal()
    in_transaction(db(), lambda s: live_view.retry_incident(s, p, key, incident_id))
    return redirect(url_for("web.live_view_page", key=key, version=request.form.get("version") or None,
                            msg="incident_retried"))


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@bp.route("/processes/<key>/migrate", methods=["GET", "POST"])
def migrate_page(key):
    """Choose source and target; 试运行 (GET with both) shows the table; 迁移 (POST) starts a run."""
    p = principal()
    source = request.values.get("source")
    target = request.values.get("target")
    error = None
    if request.method == "POST":
        ids = [i for i in (_int(v) for v in request.form.getlist("instance")) if i is not None]
        try:
            if request.form.get("confirm") != "yes":
                raise Invalid("请勾选确认后再迁移", "confirmation missing", errors={"confirm": "请确认"})
            run = in_transaction(db(), lambda s: migration.start_run(
                s, p, key, source, target, ids or [], _int(request.form.get("batch_size")) or migration.DEFAULT_BATCH))
            return redirect(url_for("web.migration_run_page", key=key, run_id=run.id))
        except DomainError as exc:
            error = error_text(exc)

    def run_(s):
        view = live_view.live_view(s, p, key)
        dry = None
        if source and target:
            try:
                dry = migration.dry_run(s, p, key, source, target)
            except Invalid as exc:
                nonlocal error
                error = error or error_text(exc)
        runs = migration.list_runs(s, p, key)
        return view, dry, runs
    view, dry, runs = in_transaction(db(), run_)
    default_source = source or next((str(v["version"]) for v in reversed(view["versions"]) if v["running"]), "")
    default_target = target or str(view["versions"][0]["version"])
    return render_template("web/processes/migrate.html", key=key, view=view, dry=dry, runs=runs, error=error,
                           source=default_source, target=default_target, batch_sizes=BATCH_SIZES), \
        422 if error and request.method == "POST" else 200


@bp.route("/processes/<key>/migrations/<int:run_id>")
def migration_run_page(key, run_id):
    p = principal()
    run, results = in_transaction(db(), lambda s: migration.get_run(s, p, run_id))
    return render_template("web/processes/run.html", key=key, run=run, results=results,
                           notes=migration.result_notes)


@bp.route("/processes/<key>/migrations/<int:run_id>/batch", methods=["POST"])
def migration_batch(key, run_id):
    """Run the next batch (htmx: the run page asks batch after batch until the run is finished) and answer
    with the run's progress and results."""
    p = principal()

    run, results = in_transaction(db(), lambda s: migration.advance(s, p, run_id))
    return render_template("web/processes/_run_progress.html", key=key, run=run, results=results,
                           notes=migration.result_notes)
