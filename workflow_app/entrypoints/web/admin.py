"""Administration in the browser (系统管理), administrators only: users (search, create, deactivate, unlock,
reset password, memberships, certificates, tokens), groups and their members, enforcement certificates
with expiry warnings, the official calendar years (upload -> preview -> load) and numbering schemes.
``/me/tokens`` is every user's own API tokens. The rules are the services'
(``platform/identity/administration.py``, ``platform/deadlines/calendar_years.py``,
``platform/numbering/numbers.py``); every change is audited there. Templates in ``templates/web/admin/``.

Plain forms: a success redirects (303) with ``?msg=`` (:data:`CONFIRMATIONS`); a refused change renders the
same page with the Chinese message and the entered values, and changes nothing. A one-time password and a
new token's secret are rendered once in the answer to the POST, never put in a URL.
"""
from __future__ import annotations

from flask import make_response, redirect, render_template, request, url_for

from workflow_app.entrypoints.api.common import db
from workflow_app.entrypoints.web.common import bp, error_text, principal
from workflow_app.platform import clock
from workflow_app.platform.deadlines import calendar_years as calendar
from workflow_app.platform.errors import DomainError, Invalid
from workflow_app.platform.identity import access, administration
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.numbering import numbers as numbering
from workflow_app.platform.organisation import N_, ROLES
from workflow_app.platform.persistence.database import in_transaction

#: Confirmations a redirect asks an administration page to show (``?msg=``).
CONFIRMATIONS = {
    "user_created": N_("用户已创建"), "deactivated": N_("用户已停用"), "activated": N_("用户已启用"),
    "unlocked": N_("已解除登录锁定"), "password_set": N_("密码已重置"), "member_added": N_("已加入用户组"),
    "member_removed": N_("已移出用户组"), "certificate_added": N_("执法证已登记"),
    "certificate_revoked": N_("执法证已注销"), "token_revoked": N_("令牌已吊销"),
    "calendar_loaded": N_("节假日数据已导入，涉及的暂定期限将自动重算"), "numbering_set": N_("编号格式已保存"),
}
#: Largest calendar document accepted (a year's notice is a few kilobytes).
MAX_CALENDAR_BYTES = 256 * 1024


def _admin():
    p = principal()
    access.require_admin(p)
    return p


def _confirmation():
    return CONFIRMATIONS.get(request.args.get("msg", ""))


def _done(endpoint: str, msg: str, **values):
    return redirect(url_for(endpoint, msg=msg, **values), 303)


def _int(value, default: int | None = None) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return default
    return number if 0 < number < 2**31 else default


def _date(field: str, label: str):
    text = (request.form.get(field) or "").strip()
    if not text:
        return None
    try:
        return clock.parse_day_or_instant(text)
    except (TypeError, ValueError):
        raise Invalid(f"{label}格式不正确", f"{field}: not a date", errors={field: f"{label}格式不正确"}) from None


def _no_store(response):
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


# ------------------------------------------------------------------------------------------------
# Index
# ------------------------------------------------------------------------------------------------

@bp.route("/admin")
def admin_index():
    p = _admin()

    def run(s):
        certs = administration.certificate_list(s, p, state="warning")
        return {"status": calendar.status(s), "certificate_warnings": len(certs),
                "users": administration.list_users(s, p, per_page=1)["total"]}
    return render_template("web/admin/index.html", **in_transaction(db(), run))


# ------------------------------------------------------------------------------------------------
# Users
# ------------------------------------------------------------------------------------------------

def _users_page(p, form=None, error=None, status=200):
    q, page = request.args.get("q", ""), _int(request.args.get("page"), 1)

    def run(s):
        return {"listing": administration.list_users(s, p, q, page),
                "groups": administration.groups(s, p)}
    return render_template("web/admin/users.html", form=form or {}, error=error, confirmation=_confirmation(),
                           **in_transaction(db(), run)), status


@bp.route("/admin/users")
def admin_users():
    return _users_page(_admin())


@bp.route("/admin/users", methods=["POST"])
def admin_create_user():
    p = _admin()
    form = {"username": request.form.get("username", "").strip(), "display_name": request.form.get("display_name", "").strip(),
            "groups": request.form.getlist("groups")}
    try:
        user = in_transaction(db(), lambda s: administration.create_user(
            s, p, form["username"], form["display_name"], request.form.get("password", ""), form["groups"]))
    except DomainError as error:
        return _users_page(p, form, error_text(error), error.status)
    return _done("web.admin_user", "user_created", username=user.username)


def _user_page(p, username, error=None, status=200, one_time_password=None, form=None):
    def run(s):
        user = administration.managed_user(s, p, username)
        return {"user": administration.user_view(s, user, detail=True), "groups": administration.groups(s, p)}
    data = in_transaction(db(), run)
    page = render_template("web/admin/user.html", error=error, confirmation=_confirmation(), form=form or {},
                           one_time_password=one_time_password, today=clock.today_local(), **data)
    return _no_store((page, status)) if one_time_password else (page, status)


@bp.route("/admin/users/<string:username>")
def admin_user(username):
    return _user_page(_admin(), username)


def _user_action(username, action, msg, form=None):
    """Run ``action(session, principal)`` on the user page: redirect with ``msg``, or the page with the error."""
    p = _admin()
    try:
        in_transaction(db(), lambda s: action(s, p))
    except DomainError as error:
        if error.status == 404:
            raise
        return _user_page(p, username, error_text(error), error.status, form=form)
    return _done("web.admin_user", msg, username=username)


@bp.route("/admin/users/<string:username>/active", methods=["POST"])
def admin_user_active(username):
    active = request.form.get("active") == "1"
    return _user_action(username, lambda s, p: administration.set_active(s, p, username, active),
                        "activated" if active else "deactivated")


@bp.route("/admin/users/<string:username>/unlock", methods=["POST"])
def admin_user_unlock(username):
    return _user_action(username, lambda s, p: administration.unlock(s, p, username), "unlocked")


@bp.route("/admin/users/<string:username>/password", methods=["POST"])
def admin_user_password(username):
    p = _admin()
    password = request.form.get("password", "") if request.form.get("mode") == "set" else None
    if password is not None and not password:
        return _user_page(p, username, error_text(Invalid("请填写新密码", "password required")), 422)
    try:
        generated = in_transaction(db(), lambda s: administration.reset_password(s, p, username, password))
    except DomainError as error:
        if error.status == 404:
            raise
        return _user_page(p, username, error_text(error), error.status)
    if generated:
        return _user_page(p, username, one_time_password=generated)
    return _done("web.admin_user", "password_set", username=username)


@bp.route("/admin/users/<string:username>/memberships", methods=["POST"])
def admin_user_add_group(username):
    key = request.form.get("group", "")
    return _user_action(username, lambda s, p: administration.add_member(s, p, username, key), "member_added")


@bp.route("/admin/users/<string:username>/memberships/remove", methods=["POST"])
def admin_user_remove_group(username):
    key = request.form.get("group", "")
    return _user_action(username, lambda s, p: administration.remove_member(s, p, username, key), "member_removed")


def _certificate_form() -> dict:
    return {k: (request.form.get(k) or "").strip() for k in ("username", "number", "issuer", "issued_on", "expires_on")}


def _add_certificate(s, p, username, form):
    return administration.add_certificate(s, p, username, form["number"], _date("issued_on", "发证日期"),
                                          _date("expires_on", "有效期截止日"), form["issuer"])


@bp.route("/admin/users/<string:username>/certificates", methods=["POST"])
def admin_user_add_certificate(username):
    form = _certificate_form()
    return _user_action(username, lambda s, p: _add_certificate(s, p, username, form), "certificate_added", form)


@bp.route("/admin/users/<string:username>/tokens/<int:token_id>/revoke", methods=["POST"])
def admin_user_revoke_token(username, token_id):
    def revoke(s, p):
        administration.managed_user(s, p, username)
        identity.revoke_token_of(s, username, token_id, actor=p.username)
    return _user_action(username, revoke, "token_revoked")


# ------------------------------------------------------------------------------------------------
# Groups
# ------------------------------------------------------------------------------------------------

def _groups_page(p, error=None, status=200, form=None):
    bureau = request.args.get("bureau") or None

    def run(s):
        all_groups, names = administration.groups(s, p), identity.bureau_names(s)
        return {"groups": [g for g in all_groups if not bureau or g["bureau"] == bureau],
                "bureaus": [(code, names.get(code, code)) for code in sorted({g["bureau"] for g in all_groups})]}
    return render_template("web/admin/groups.html", bureau=bureau, error=error, form=form or {},
                           confirmation=_confirmation(), roles=ROLES, **in_transaction(db(), run)), status


@bp.route("/admin/groups")
def admin_groups():
    return _groups_page(_admin())


@bp.route("/admin/groups/members", methods=["POST"])
def admin_group_member():
    p = _admin()
    form = {"group": request.form.get("group", ""), "username": (request.form.get("username") or "").strip()}
    remove = request.form.get("remove") == "1"
    change = administration.remove_member if remove else administration.add_member
    try:
        in_transaction(db(), lambda s: change(s, p, form["username"], form["group"]))
    except DomainError as error:
        return _groups_page(p, error_text(error), error.status, form)
    bureau = request.args.get("bureau")
    return _done("web.admin_groups", "member_removed" if remove else "member_added",
                 **({"bureau": bureau} if bureau else {}), _anchor=f"group-{form['group']}")


# ------------------------------------------------------------------------------------------------
# Enforcement certificates
# ------------------------------------------------------------------------------------------------

def _certificates_page(p, error=None, status=200, form=None):
    state = request.args.get("state") if request.args.get("state") == "warning" else None
    certs = in_transaction(db(), lambda s: administration.certificate_list(s, p, state))
    return render_template("web/admin/certificates.html", certificates=certs, state=state, error=error,
                           form=form or {}, confirmation=_confirmation(), today=clock.today_local()), status


@bp.route("/admin/certificates")
def admin_certificates():
    return _certificates_page(_admin())


@bp.route("/admin/certificates", methods=["POST"])
def admin_add_certificate():
    p = _admin()
    form = _certificate_form()
    try:
        in_transaction(db(), lambda s: _add_certificate(s, p, form["username"], form))
    except DomainError as error:
        return _certificates_page(p, error_text(error), error.status, form)
    return _done("web.admin_certificates", "certificate_added")


@bp.route("/admin/certificates/<int:certificate_id>/revoke", methods=["POST"])
def admin_revoke_certificate(certificate_id):
    p = _admin()
    in_transaction(db(), lambda s: administration.revoke_certificate(s, p, certificate_id))
    target = request.form.get("back_to")
    if target and target.startswith("/admin/users/"):
        return redirect(f"{target}?msg=certificate_revoked", 303)
    return _done("web.admin_certificates", "certificate_revoked")


# ------------------------------------------------------------------------------------------------
# Calendar years: upload -> preview -> load
# ------------------------------------------------------------------------------------------------

def _calendar_page(p, error=None, status=200, preview=None, document=None):
    def run(s):
        return {"status": calendar.status(s), "years": calendar.years(s)}
    return render_template("web/admin/calendar.html", error=error, preview=preview, document=document,
                           confirmation=_confirmation(), **in_transaction(db(), run)), status


def _uploaded_document() -> str:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid("请选择节假日安排的JSON文件", "no file uploaded", errors={"file": "请选择文件"})
    raw = upload.read(MAX_CALENDAR_BYTES + 1)
    if len(raw) > MAX_CALENDAR_BYTES:
        raise Invalid("文件过大：节假日数据文件不应超过256KB", "calendar file too large")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("文件不是UTF-8编码的JSON文本，请上传节假日数据的JSON文件", "not UTF-8 text") from None


@bp.route("/admin/calendar")
def admin_calendar():
    return _calendar_page(_admin())


@bp.route("/admin/calendar/preview", methods=["POST"])
def admin_calendar_preview():
    p = _admin()
    try:
        document = _uploaded_document()
        preview = in_transaction(db(), lambda s: calendar.preview(s, document))
    except DomainError as error:
        return _calendar_page(p, error_text(error), error.status)
    return _calendar_page(p, preview=preview, document=document)


@bp.route("/admin/calendar/load", methods=["POST"])
def admin_calendar_load():
    p = _admin()
    document = request.form.get("document", "")
    try:
        if not document or len(document) > MAX_CALENDAR_BYTES:
            raise Invalid("请先上传并预览节假日数据文件", "no document to load")
        in_transaction(db(), lambda s: calendar.load(s, document, p.username))
    except DomainError as error:
        return _calendar_page(p, error_text(error), error.status)
    return _done("web.admin_calendar", "calendar_loaded")


# ------------------------------------------------------------------------------------------------
# Numbering schemes
# ------------------------------------------------------------------------------------------------

#: The number kinds' labels as their modules register them (domain/intake/numbering.py,
#: domain/collaboration/common.py, documents/types.json), marked here so the English page can name them;
#: a kind added later without a line here shows its Chinese label.
NUMBER_KIND_LABELS = (N_("举报投诉登记编号"), N_("劳动保障监察案件编号"), N_("社会保险稽核案件编号"),
                      N_("劳动人事争议仲裁案件编号"), N_("案件移送编号"), N_("通报编号"), N_("协助请求编号"),
                      N_("涉嫌犯罪案件移送编号"), N_("联合会商编号"), N_("联席办公会议编号"), N_("登记回执文号"),
                      N_("案件移送函文号"))

def _numbering_page(p, error=None, status=200, form=None):
    kind, bureau = request.args.get("kind") or None, request.args.get("bureau") or None

    def run(s):
        scope = administration.scope(s, p)
        rows = [r for r in numbering.list_schemes(s) if r["bureau_code"] in scope]
        return {"kinds": sorted({(r["kind"], r["kind_label"]) for r in rows}),
                "bureaus": sorted({(r["bureau_code"], r["bureau_name"]) for r in rows}),
                "schemes": [r for r in rows if (not kind or r["kind"] == kind) and (not bureau or r["bureau_code"] == bureau)]}
    return render_template("web/admin/numbering.html", kind=kind, bureau=bureau, error=error, form=form or {},
                           confirmation=_confirmation(), year=clock.today_local().year,
                           **in_transaction(db(), run)), status


@bp.route("/admin/numbering")
def admin_numbering():
    return _numbering_page(_admin())


@bp.route("/admin/numbering", methods=["POST"])
def admin_set_numbering():
    p = _admin()
    form = {k: (request.form.get(k) or "").strip() for k in ("kind", "bureau_code", "pattern", "bureau_short")}

    def run(s):
        if form["bureau_code"] not in administration.scope(s, p):
            raise Invalid("机构不存在或不在您的管理范围内", "bureau not in scope", errors={"bureau_code": "机构不在管理范围内"})
        numbering.set_scheme(s, p.username, form["kind"], form["bureau_code"], form["pattern"], form["bureau_short"] or None)
    try:
        in_transaction(db(), run)
    except DomainError as error:
        return _numbering_page(p, error_text(error), error.status, form)
    return _done("web.admin_numbering", "numbering_set", **{k: v for k, v in request.args.items() if k in ("kind", "bureau")})


# ------------------------------------------------------------------------------------------------
# My API tokens (every signed-in user)
# ------------------------------------------------------------------------------------------------

#: Validity a user may choose for a new token, in days.
TOKEN_DAYS = (30, 90, 180, 365)


def _tokens_page(p, error=None, status=200, secret=None, form=None):
    tokens = in_transaction(db(), lambda s: identity.tokens_of(s, p.username))
    page = render_template("web/admin/tokens.html", tokens=tokens, error=error, secret=secret, form=form or {},
                           token_days=TOKEN_DAYS, now=clock.now(), confirmation=_confirmation())
    return _no_store((page, status))


@bp.route("/me/tokens")
def my_tokens():
    return _tokens_page(principal())


@bp.route("/me/tokens", methods=["POST"])
def my_tokens_create():
    p = principal()
    form = {"name": (request.form.get("name") or "").strip(), "days": request.form.get("days", "90")}
    days = _int(form["days"])
    try:
        if days not in TOKEN_DAYS:
            raise Invalid("请选择令牌有效期", "days must be one of 30, 90, 180, 365", errors={"days": "有效期不正确"})
        _token, secret = in_transaction(db(), lambda s: identity.create_token(s, p.username, form["name"], days,
                                                                               actor=p.username))
    except DomainError as error:
        return _tokens_page(p, error_text(error), error.status, form=form)
    return _tokens_page(p, secret=secret)


@bp.route("/me/tokens/<int:token_id>/revoke", methods=["POST"])
def my_tokens_revoke(token_id):
    p = principal()
    in_transaction(db(), lambda s: identity.revoke_token_of(s, p.username, token_id, actor=p.username))
    return redirect(url_for("web.my_tokens", msg="token_revoked"), 303)
