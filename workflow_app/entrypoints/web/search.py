"""The search page (/search): registrations (投诉举报) or cases (案件) by number, employer, credit code,
complainant, district, body, status, channel, issue, flag and received date, a page at a time
(docs/ui.md "Search"); the query and the visibility rules are the domain's (``domain/cases/search.py``).
The top bar's search box sends ``q`` here; the dashboard links here with the same parameters."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import render_template, request
from flask_babel import gettext as _

from workflow_app.domain.cases import search as case_search
from workflow_app.domain.intake import catalog as catalog_mod
from workflow_app.domain.vocabulary import COMPLAINT_STATUS_LABELS
from workflow_app.entrypoints.api.common import db
from workflow_app.entrypoints.web.common import bp, claim_label, error_text, principal
from workflow_app.platform.errors import Invalid
from workflow_app.platform.organisation import BODY_LABELS, HANDLING_BODIES
from workflow_app.platform.persistence.database import in_transaction

#: How many page numbers the pager shows on each side of the current page.
PAGER_SPAN = 3


def pager(page: int, pages: int) -> list[int | None]:
    """The page numbers to show: the first, the last and those near ``page``; ``None`` marks a gap (…)."""
    near = set(range(max(1, page - PAGER_SPAN), min(pages, page + PAGER_SPAN) + 1)) | {1, pages}
    out: list[int | None] = []
    for number in sorted(near):
        if out and number - (out[-1] or 0) > 1:
            out.append(None)
        out.append(number)
    return out


def _choices(session) -> dict:
    catalog = catalog_mod.load(session)
    return {"districts": case_search.districts(session),
            "bodies": [(b, BODY_LABELS[b]) for b in HANDLING_BODIES],
            "channels": list(catalog_mod.CHANNELS.items()),
            "issues": [(code, item.label) for code, item in catalog.issue_codes.items()],
            "flags": list(case_search.FLAGS.items()),
            "statuses": {"complaints": list(COMPLAINT_STATUS_LABELS.items()),
                         "cases": list(case_search.CASE_STATUSES.items())}}


def _translated(choices: dict) -> dict:
    """The choices' labels in the page's language (issue codes: their catalogue's English name)."""
    out = {key: [(code, _(label)) for code, label in options] for key, options in choices.items()
           if key not in ("districts", "issues", "statuses")}
    out["statuses"] = {kind: [(code, _(label)) for code, label in options]
                       for kind, options in choices["statuses"].items()}
    out["issues"] = [(code, claim_label({"code": code, "label": label})) for code, label in choices["issues"]]
    out["districts"] = choices["districts"]
    return out


def search_context(session, p, args) -> dict:
    """The page's context: the choices of the form and either the result or the refusal of bad parameters."""
    ctx = {**_choices(session), "kinds": case_search.KINDS, "v": {k: (args.get(k) or "") for k in args.keys()},
           "result": None, "error": None, "errors": {}, "query": None}
    try:
        query = case_search.parse(session, args)
    except Invalid as exc:
        ctx.update(error=error_text(exc), errors=exc.extra.get("errors") or {})
        return ctx
    ctx.update(query=query, result=case_search.search(session, p, query))
    return ctx


def link(path: str, params: dict, **changes) -> str:
    merged = {**params, **changes}
    query = urlencode({k: v for k, v in merged.items() if v not in (None, "")})
    return f"{path}?{query}" if query else path


@bp.route("/search")
def search_page():
    p = principal()
    ctx = in_transaction(db(), lambda s: search_context(s, p, request.args))
    ctx.update(_translated({key: ctx[key] for key in ("districts", "bodies", "channels", "issues", "flags", "statuses")}))
    params = ctx["query"].params() if ctx["query"] else {}
    ctx["link"] = lambda **kw: link("/search", params, **kw)
    ctx["pager"] = pager(ctx["result"]["page"], ctx["result"]["pages"]) if ctx["result"] else []
    return render_template("web/search/search.html", **ctx), (422 if ctx["error"] else 200)
