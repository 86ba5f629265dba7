"""The intake pages (intake clerks): the registration form, a registration with its routing and receipt,
the list of recent registrations (docs/intake.md). The form's fields are named by the API document's
paths (``employer.name``, ``claims[0].code``), so :func:`parse_registration` turns a submitted form into
the document the API takes, and the registration's per-field errors land next to their fields."""
from __future__ import annotations

import re

from flask import redirect, render_template, request, url_for
from flask_babel import get_locale

from workflow_app.domain.cases import search as case_search
from workflow_app.domain.intake import catalog as catalog_mod
from workflow_app.domain.intake import queries as intake_queries
from workflow_app.domain.intake import registration
from workflow_app.entrypoints.api.common import db
from workflow_app.entrypoints.web.common import MESSAGES, bp, error_text, htmx_redirect, is_htmx, principal
from workflow_app.entrypoints.web.search import link, pager
from workflow_app.platform import clock
from workflow_app.platform.errors import Invalid
from workflow_app.platform.persistence.database import in_transaction

_PATH = re.compile(r"^(\w+)\[(\d{1,2})\]\.(\w+)$")
REG_BOOLEANS = {"relationship_disputed", "dispute_major", "media_exposure", "mass_incident", "employer_absconded"}
REG_DEFAULT_TRUE = {"facts_clear", "evidence_sufficient"}
REG_INTS = {"workers_affected", "months_unpaid"}
REG_NUMBERS = {"amount"}
#: Check boxes that are sent only when ticked (true), never as text.
REG_FLAGS = ("violation_ongoing", "employment_ongoing")


def _reg_value(key: str, raw: str):
    leaf = key.rsplit(".", 1)[-1]
    if leaf in REG_INTS:
        try:
            return int(raw)
        except ValueError:
            return raw
    if leaf in REG_NUMBERS:
        try:
            return float(raw) if "." in raw else int(raw)
        except ValueError:
            return raw
    return raw


def _nested(data: dict, path: list[str]) -> dict:
    """The object at ``path`` in ``data``. A hand-made form may send both ``employer`` and ``employer.name``:
    the nested fields win over a stray plain value, which the API's validation then reports if required."""
    target = data
    for part in path:
        if not isinstance(target.get(part), dict):
            target[part] = {}
        target = target[part]
    return target


def parse_registration(form) -> dict:
    """The registration document of a submitted form: dotted names nest, ``list[i].field`` rows become
    lists (empty rows dropped), numbers are typed, check boxes become booleans, a ``datetime-local``
    reception time is China time."""
    data: dict = {}
    lists: dict[str, dict[int, dict]] = {}
    for key in form.keys():
        if key in ("csrf_token",) or key.endswith("__present"):
            continue
        raw = (form.get(key) or "").strip()
        if raw == "":
            continue
        m = _PATH.match(key)
        if m:
            lists.setdefault(m.group(1), {}).setdefault(int(m.group(2)), {})[m.group(3)] = _reg_value(m.group(3), raw)
            continue
        if key in REG_BOOLEANS | REG_DEFAULT_TRUE | {*REG_FLAGS, "complainant.anonymous", "employer.uscc_confirmed"}:
            continue
        parts = key.split(".")
        _nested(data, parts[:-1])[parts[-1]] = _reg_value(key, raw)
    for name in REG_BOOLEANS:
        if form.get(name):
            data[name] = True
    for name in REG_DEFAULT_TRUE:
        data[name] = bool(form.get(name))
    if form.get("complainant.anonymous"):
        _nested(data, ["complainant"])["anonymous"] = True
    if form.get("employer.uscc_confirmed"):
        _nested(data, ["employer"])["uscc_confirmed"] = True
    for name in REG_FLAGS:
        if form.get(name):
            data[name] = True
    for name, items in lists.items():
        data[name] = [items[i] for i in sorted(items) if any(v not in ("", None) for v in items[i].values())]
    if "received_at" in data and len(data["received_at"]) == 16:  # datetime-local: local time
        data["received_at"] = data["received_at"] + ":00+08:00"
    return data


def _reg_context(session, p, values: dict | None = None, errors: dict | None = None):
    windows = intake_queries.intake_windows(p)
    return {"catalog": catalog_mod.load(session).as_dict(),
            "districts": intake_queries.registration_districts(session, windows), "windows": windows,
            "v": values or {}, "errors": errors or {},
            "now": clock.now().astimezone(clock.CHINA_TZ).strftime("%Y-%m-%dT%H:%M")}


def registration_errors(error: Invalid) -> dict[str, str]:
    """The refusal's messages by field path in the page's language: the registration's validation made them
    in Chinese (``errors``) and English (``errors_en``) at once (docs/intake.md "Messages in two languages");
    a refusal without fields (another window, say) shows its own text at the top."""
    english = str(get_locale() or "") == "en"
    errors = error.extra.get("errors_en" if english else "errors") or error.extra.get("errors")
    return dict(errors) if errors else {"_": error_text(error)}


@bp.route("/intake/register", methods=["GET", "POST"])
def register_page():
    p = principal()
    if request.method == "GET":
        return render_template("web/intake/register.html", **in_transaction(db(), lambda s: _reg_context(s, p)))
    data = parse_registration(request.form)
    try:
        complaint_id = in_transaction(db(), lambda s: registration.register(s, p, data).id)
    except Invalid as exc:
        errors = registration_errors(exc)
        ctx = in_transaction(db(), lambda s: _reg_context(s, p, request.form, errors))
        return render_template("web/intake/_register_form.html", **ctx), 422
    target = url_for("web.complaint_page", complaint_id=complaint_id, msg="registered")
    if is_htmx():
        return htmx_redirect(target)
    return redirect(target)


@bp.route("/intake/complaints/<int:complaint_id>")
def complaint_page(complaint_id):
    p = principal()

    def run(s):
        complaint = intake_queries.visible_complaint(s, p, complaint_id)
        doc = intake_queries.complaint_dict(s, complaint)
        return {"c": doc, "receipt": intake_queries.receipt(s, complaint, doc)}
    ctx = in_transaction(db(), run)
    return render_template("web/intake/complaint.html", confirmation=MESSAGES.get(request.args.get("msg", "")), **ctx)


@bp.route("/intake/complaints")
def complaints_page():
    """The registrations the reader may see, newest first, a page at a time (the search's, unfiltered)."""
    p = principal()
    args = {"kind": "complaints", "page": request.args.get("page") or ""}

    def run(s):
        try:
            query = case_search.parse(s, args)
        except Invalid as exc:
            return None, error_text(exc)
        return case_search.search(s, p, query), None
    result, error = in_transaction(db(), run)
    return render_template("web/intake/complaints.html", result=result, error=error,
                           pager=pager(result["page"], result["pages"]) if result else [],
                           link=lambda **kw: link(url_for("web.complaints_page"), {}, **kw)), 422 if error else 200
