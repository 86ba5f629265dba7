"""The case file (案卷): one instance's case, registration, diagram, tasks, documents, the decisions of its
completed tasks, linked cases and timeline; the diagram's JSON (BPMN plus completed and active elements) for
``static/diagram.js``."""
from __future__ import annotations

from flask import jsonify, redirect, render_template, request, url_for

from workflow_app.domain.cases import case_actions
from workflow_app.domain.collaboration import workspaces
from workflow_app.domain.cases.case_file import case_file, timeline as case_timeline_of
from workflow_app.domain.intake import queries as intake_queries
from workflow_app.entrypoints.api.common import db
from workflow_app.entrypoints.web.common import MESSAGES, bp, principal
from workflow_app.entrypoints.web.form_renderer import uses_pickers
from workflow_app.entrypoints.web.tasks import decision_view
from workflow_app.platform.errors import NotFound
from workflow_app.platform.identity import access
from workflow_app.platform.persistence.database import in_transaction
from workflow_app.platform.runtime import history
from workflow_app.platform.tasks import task_view


#: The pages of the collaboration instances that are not cases (domain/collaboration/workspaces.py).
WORKSPACE_PAGES = {"meeting": ("web.meeting_page", "meeting_id"), "hearing": ("web.hearing_page", "hearing_id"),
                   "police_transfer": ("web.police_transfer_page", "transfer_id")}


@bp.route("/cases/<int:instance_id>")
def case_page(instance_id):
    p = principal()
    # A meeting, a hearing, a police transfer: their own page (which checks access); ?view=process shows the
    # instance's file itself (diagram, tasks, timeline), as the hearing page's 会商流程 link asks.
    workspace = None if request.args.get("view") == "process" else in_transaction(
        db(), lambda s: workspaces.workspace_of(s, instance_id))
    if workspace is not None:
        endpoint, key = WORKSPACE_PAGES[workspace[0]]
        return redirect(url_for(endpoint, **{key: workspace[1]}))

    def run(s):
        ctx = case_file(s, p, instance_id)
        claims = (ctx["case"] or {}).get("claims") or (ctx["complaint"] or {}).get("claims") or []
        decisions = task_view.decisions(s, instance_id)
        # the pickers' options are read once for the page, and only when a decision's form has a picker
        choices = task_view.picker_choices(s) if any(
            uses_pickers(d["schema_form"], ("user", "group")) for d in decisions) else {}
        choices["claim"] = [(c["code"], c["label"]) for c in claims if c.get("code")]
        ctx["decisions"] = [decision_view(d, choices) for d in decisions]
        # the action bar and the case's transfers and supervision (web/case_actions.py has the forms)
        ctx["actions"] = case_actions.actions_for(s, p, instance_id)
        ctx["collaboration"] = case_actions.collaboration_of(s, instance_id)
        return ctx
    ctx = in_transaction(db(), run)
    return render_template("web/cases/case.html", confirmation=MESSAGES.get(request.args.get("msg", "")), **ctx)


@bp.route("/cases/<int:instance_id>/timeline")
def case_timeline(instance_id):
    """The timeline alone (htmx: after a file is added, the page shows its event without a reload)."""
    p = principal()
    timeline = in_transaction(db(), lambda s: case_timeline_of(s, p, instance_id))
    return render_template("web/cases/_timeline.html", timeline=timeline)


@bp.route("/cases/by-number/<path:number>")
def case_by_number(number):
    p = principal()

    def run(s):
        case = intake_queries.case_by_number(s, number)
        if case is None:
            raise NotFound("案件不存在", "no such case")
        access.visible_instance(s, p, case.instance_id)
        return case.instance_id
    return redirect(url_for("web.case_page", instance_id=in_transaction(db(), run)))


@bp.route("/cases/<int:instance_id>/diagram.json")
def case_diagram(instance_id):
    p = principal()
    return jsonify(in_transaction(db(), lambda s: history.diagram(s, access.visible_instance(s, p, instance_id))))
