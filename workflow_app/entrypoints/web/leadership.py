"""The dashboard (统计看板) of leadership and division heads: the page with its filters, each chart's data
as JSON for ``static/dashboard.js`` (ECharts) and as an .xlsx export.

The figures come from ``domain/reports/figures.py`` (SQL aggregates, the viewer's jurisdiction); this
module only puts them into words (labels in the page's language) and links each bar or slice to the list
behind it: the search page (``/search``, helper "search"), ``/team?overdue=1``, ``/ledgers`` and
``/police-transfers?step=`` — literal paths, as docs/ui.md "Dashboard" lists them.
"""
from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from flask import jsonify, make_response, render_template, request
from flask_babel import gettext as _

from workflow_app.domain.intake import catalog as intake_catalog
from workflow_app.domain.reports import export, figures
from workflow_app.domain.vocabulary import TRANSFER_KIND_LABELS, TRANSFER_STATUS_LABELS
from workflow_app.entrypoints.api.common import db
from workflow_app.entrypoints.web.common import bp, claim_label, principal
from workflow_app.platform import clock
from workflow_app.platform.errors import Invalid, NotFound
from workflow_app.platform.identity import directory
from workflow_app.platform.organisation import BODY_LABELS, N_
from workflow_app.platform.persistence.database import in_transaction

#: The charts in the order the page shows them: (name, title).
CHARTS = [
    ("channel", N_("投诉举报来源渠道")),
    ("district", N_("各辖区投诉举报")),
    ("issue", N_("诉求类别趋势")),
    ("stage", N_("各机构案件办理阶段")),
    ("overdue", N_("各机构逾期率（当前）")),
    ("acks", N_("移送签收用时")),
    ("police", N_("移送公安进度")),
    ("emergencies", N_("应急与挂牌督办案件")),
]
TITLES = dict(CHARTS)
#: How many issues the trend draws (the export lists all of them).
TOP_ISSUES = 8
STAGE_END_LABELS = {"completed": N_("已办结"), "terminated": N_("已终止")}
GRAIN_LABELS = {"week": N_("按周"), "month": N_("按月")}


def _filters() -> tuple[figures.Period, str | None]:
    """The period and district of the query string; a malformed value is a clear 400, never a 500."""
    def day(name):
        value = (request.args.get(name) or "").strip()
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise Invalid("日期格式应为 YYYY-MM-DD", f"{name} is not a date: {value!r}",
                          english="Dates are written YYYY-MM-DD") from None
    grain = request.args.get("grain") or None
    return figures.period(day("from"), day("to"), grain), (request.args.get("district") or "").strip() or None


def _search(p: figures.Period, district: str | None, **params) -> str:
    query = {**params, "from": p.start.isoformat(), "to": p.end.isoformat()}
    if district:
        query["district"] = district
    return "/search?" + urlencode(query)


@bp.route("/dashboard")
def dashboard_page():
    me = principal()
    period, district = _filters()

    def run(s):
        figures.viewer_scope(s, me, district)  # Forbidden for a district outside the viewer's jurisdiction
        names = directory.bureau_names(s)
        choices = figures.districts(s, figures.viewer_scope(s, me))
        return [(code, names.get(code, code)) for code in choices]
    districts = in_transaction(db(), run)
    query = {"from": period.start.isoformat(), "to": period.end.isoformat(), "grain": period.grain}
    if district:
        query["district"] = district
    charts = [{"name": name, "title": title, "json": f"/dashboard/{name}.json?{urlencode(query)}",
               "xlsx": f"/dashboard/{name}.xlsx?{urlencode(query)}", "list": _list_link(name, period, district)}
              for name, title in CHARTS]
    return render_template("web/leadership/dashboard.html", charts=charts, period=period, district=district,
                           districts=districts, grains=GRAIN_LABELS)


def _list_link(name: str, p: figures.Period, district: str | None) -> str:
    """The list behind a whole chart (the 查看列表 link)."""
    return {"channel": _search(p, district, kind="complaints"), "district": _search(p, district, kind="complaints"),
            "issue": _search(p, district, kind="complaints"), "stage": _search(p, district, kind="cases"),
            "overdue": "/team?overdue=1", "acks": "/ledgers", "police": "/police-transfers",
            "emergencies": _search(p, district, kind="cases", flag="emergency")}[name]


def _chart(name: str) -> dict:
    if name not in TITLES:
        raise NotFound("没有这个统计图", f"unknown chart {name!r}", english="There is no such chart")
    me = principal()
    period, district = _filters()

    def run(s):
        rows = figures.figure(s, me, name, period, district)
        names = directory.bureau_names(s) if name == "district" else {}
        return rows, names, figures.as_of(s, name)
    rows, names, as_of = in_transaction(db(), run)
    view = VIEWS[name](rows, period, district, names)
    subtitle = f"{period.start.isoformat()} — {period.end.isoformat()}"
    if district:
        subtitle += " " + (names.get(district) or district)
    empty = not any(item["value"] for series in view["series"] for item in series["data"])
    # a snapshot figure says which instant it stands at (docs/reports.md "Roll-ups")
    stamp = as_of.astimezone(clock.CHINA_TZ).strftime("%Y-%m-%d %H:%M") if as_of else None
    return {"name": name, "title": _(TITLES[name]), "subtitle": subtitle, "list": _list_link(name, period, district),
            "empty": empty, "legend": False, "as_of": as_of.isoformat() if as_of else None,
            "as_of_text": _("数据截至 %(time)s", time=stamp) if stamp else None, **view}


@bp.route("/dashboard/<name>.json")
def dashboard_chart(name):
    return jsonify(_chart(name))


@bp.route("/dashboard/<name>.xlsx")
def dashboard_export(name):
    chart = _chart(name)
    subtitle = f"{chart['subtitle']} {chart['as_of_text']}" if chart["as_of_text"] else chart["subtitle"]
    body = export.table_xlsx(chart["title"], chart["table"]["headers"], chart["table"]["rows"], subtitle)
    response = make_response(body)
    response.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response.headers["Content-Disposition"] = f"attachment; filename=dashboard-{name}.xlsx"
    return response


# ------------------------------------------------------------------------------------------------
# Each figure in words: categories, series (each point with the link behind it) and the export's table
# ------------------------------------------------------------------------------------------------

def _point(value, link):
    return {"value": value, "link": link}


def _channel(rows, p, district, names):
    labels = [_(intake_catalog.CHANNELS.get(r["channel"], r["channel"])) for r in rows]
    return {"type": "pie", "unit": _("件"), "categories": labels,
            "series": [{"name": _("件数"), "data": [
                {**_point(r["count"], _search(p, district, kind="complaints", channel=r["channel"])), "name": label}
                for r, label in zip(rows, labels)]}],
            "table": {"headers": [_("来源渠道"), _("件数")], "rows": [[l, r["count"]] for r, l in zip(rows, labels)]}}


def _district(rows, p, district, names):
    labels = [names.get(r["district"], r["district"]) for r in rows]
    return {"type": "bar", "unit": _("件"), "categories": labels,
            "series": [{"name": _("件数"), "data": [
                _point(r["count"], _search(p, r["district"], kind="complaints")) for r in rows]}],
            "table": {"headers": [_("辖区"), _("件数")], "rows": [[l, r["count"]] for r, l in zip(rows, labels)]}}


def _buckets(p: figures.Period) -> list[date]:
    """Every week (Monday) or month (1st) the period touches, so a quiet week shows as zero."""
    if p.grain == "month":
        first, out = p.start.replace(day=1), []
        while first <= p.end:
            out.append(first)
            first = (first + timedelta(days=32)).replace(day=1)
        return out
    monday = p.start - timedelta(days=p.start.weekday())
    return [monday + timedelta(weeks=i) for i in range((p.end - monday).days // 7 + 1)]


def _bucket_end(start: date, p: figures.Period) -> date:
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1) if p.grain == "month" \
        else start + timedelta(days=6)
    return min(end, p.end)


def _issue(rows, p, district, names):
    buckets = _buckets(p)
    keys = [b.isoformat() for b in buckets]
    totals: dict[str, int] = {}
    labels: dict[str, str] = {}
    counts: dict[tuple[str, str], int] = {}
    for r in rows:
        totals[r["issue"]] = totals.get(r["issue"], 0) + r["count"]
        labels[r["issue"]] = claim_label({"code": r["issue"], "label": r["label"]})
        counts[(r["bucket"], r["issue"])] = r["count"]
    ranked = sorted(totals, key=lambda code: (-totals[code], code))
    series = []
    for code in ranked[:TOP_ISSUES]:
        data = []
        for bucket in buckets:
            start = max(bucket, p.start)
            link = "/search?" + urlencode({"kind": "complaints", "issue": code, "from": start.isoformat(),
                                           "to": _bucket_end(bucket, p).isoformat(),
                                           **({"district": district} if district else {})})
            data.append(_point(counts.get((bucket.isoformat(), code), 0), link))
        series.append({"name": labels[code], "data": data})
    table_rows = [[labels[code], *[counts.get((key, code), 0) for key in keys], totals[code]] for code in ranked]
    return {"type": "line", "unit": _("项"), "categories": keys, "series": series, "legend": True,
            "table": {"headers": [_("诉求类别"), *keys, _("合计")], "rows": table_rows}}


def _stage_label(r) -> str:
    if r["status"] != "running":
        return _(STAGE_END_LABELS.get(r["status"], r["status"]))
    return r["stage"] or _("等待中（无待办任务）")


def _stage(rows, p, district, names):
    bodies = sorted({r["body"] for r in rows}, key=lambda b: list(BODY_LABELS).index(b) if b in BODY_LABELS else 99)
    stages: list[str] = []
    counts: dict[tuple[str, str], int] = {}
    status_of: dict[str, str] = {}
    for r in rows:
        label = _stage_label(r)
        if label not in stages:
            stages.append(label)
        counts[(r["body"], label)] = counts.get((r["body"], label), 0) + r["count"]
        status_of[label] = "open" if r["status"] == "running" else "closed"
    series = [{"name": stage, "stack": "cases", "data": [
        _point(counts.get((body, stage), 0), _search(p, district, kind="cases", body=body, status=status_of[stage]))
        for body in bodies]} for stage in stages]
    body_labels = [_(BODY_LABELS.get(b, b)) for b in bodies]
    return {"type": "bar", "unit": _("件"), "categories": body_labels, "series": series, "legend": True,
            "table": {"headers": [_("机构"), _("办理阶段"), _("件数")],
                      "rows": [[_(BODY_LABELS.get(b, b)), stage, counts[(b, stage)]]
                               for b in bodies for stage in stages if (b, stage) in counts]}}


def _overdue(rows, p, district, names):
    labels = [_(BODY_LABELS.get(r["body"], r["body"])) for r in rows]
    link = "/team?overdue=1"
    return {"type": "bar", "unit": "%", "categories": labels, "legend": True, "empty": not rows,
            "series": [{"name": _("待办任务逾期率"), "data": [_point(round(r["task_rate"] * 100, 1), link) for r in rows]},
                       {"name": _("法定期限逾期率"), "data": [_point(round(r["clock_rate"] * 100, 1), link) for r in rows]}],
            "table": {"headers": [_("机构"), _("待办任务"), _("逾期任务"), _("待办任务逾期率（%）"), _("进行中的法定期限"),
                                  _("已逾期的法定期限"), _("法定期限逾期率（%）")],
                      "rows": [[l, r["open_tasks"], r["overdue_tasks"], round(r["task_rate"] * 100, 1),
                                r["running_clocks"], r["overdue_clocks"], round(r["clock_rate"] * 100, 1)]
                               for r, l in zip(rows, labels)]}}


def _acks(rows, p, district, names):
    labels = [f"{_(TRANSFER_KIND_LABELS.get(r['kind'], r['kind']))}·{_(BODY_LABELS.get(r['body'], r['body']))}"
              for r in rows]
    link = "/ledgers"
    return {"type": "bar", "unit": _("小时"), "categories": labels, "legend": True,
            "series": [{"name": _("中位数"), "data": [_point(r["median_hours"], link) for r in rows]},
                       {"name": _("90%分位"), "data": [_point(r["p90_hours"], link) for r in rows]}],
            "table": {"headers": [_("类型·接收机构"), _("已签收件数"), _("签收用时中位数（小时）"), _("签收用时90%分位（小时）")],
                      "rows": [[l, r["count"], r["median_hours"], r["p90_hours"]] for r, l in zip(rows, labels)]}}


def _police(rows, p, district, names):
    labels = [_(TRANSFER_STATUS_LABELS.get(r["step"], r["step"])) for r in rows]
    return {"type": "bar", "unit": _("件"), "categories": labels, "horizontal": True,
            "series": [{"name": _("件数"), "data": [
                _point(r["count"], "/police-transfers?" + urlencode({"step": r["step"]})) for r in rows]}],
            "table": {"headers": [_("步骤"), _("件数")], "rows": [[l, r["count"]] for r, l in zip(rows, labels)]}}


EMERGENCY_LABELS = {"emergency": N_("应急案件"), "supervised": N_("挂牌督办案件")}


def _emergencies(rows, p, district, names):
    labels = [_(EMERGENCY_LABELS[r["flag"]]) for r in rows]
    return {"type": "bar", "unit": _("件"), "categories": labels, "legend": True,
            "series": [{"name": _("在办"), "data": [
                _point(r["open"], _search(p, district, kind="cases", flag=r["flag"], status="open")) for r in rows]},
                       {"name": _("期间办结"), "data": [
                _point(r["closed"], _search(p, district, kind="cases", flag=r["flag"], status="closed")) for r in rows]}],
            "table": {"headers": [_("类别"), _("在办"), _("期间办结")],
                      "rows": [[l, r["open"], r["closed"]] for r, l in zip(rows, labels)]}}


VIEWS = {"channel": _channel, "district": _district, "issue": _issue, "stage": _stage, "overdue": _overdue,
         "acks": _acks, "police": _police, "emergencies": _emergencies}
