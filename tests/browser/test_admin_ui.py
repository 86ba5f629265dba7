"""Administration in a real browser, through the UI only: the administrator loads a calendar year (upload ->
preview -> load), registers an enforcement certificate, creates a user and resets a password; the new
user signs in with the one-time password, sets a new one (设置新密码) and creates an API token under 我的令牌;
an inspector whose password the administrator reset does the same and signs in again with their own."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from playwright.sync_api import expect

from workflow_app.platform.clock import CHINA_TZ

from .conftest import login, shot
from .test_web_ui import register_direct

def set_new_password(page, current: str, new: str) -> None:
    form = page.locator("#change-password")
    form.locator("input[name=current_password]").fill(current)
    form.locator("input[name=new_password]").fill(new)
    form.locator("input[name=repeat_password]").fill(new)
    page.click("#change-password-button")


FIXTURE_2027 = Path(__file__).resolve().parent.parent / "deadlines" / "fixtures" / "TEST_FIXTURE_calendar_2027.json"


def test_admin_loads_a_year_adds_a_certificate_creates_a_user_and_resets_a_password(server, new_page, freeze_clock, tmp_path):
    # Precondition (through the service): a deadline reaching into 2027, whose calendar is not loaded.
    freeze_clock(datetime(2026, 12, 28, 10, 0, tzinfo=CHINA_TZ))
    register_direct(server, employer="郑州某管理测试有限公司")

    page = new_page()
    login(page, server.url, "admin")
    page.click("#nav-admin")
    expect(page.locator("#admin-index")).to_contain_text("缺少年度：2027")
    shot(page, "80-admin-index")

    # Calendar: a bad file first, then the fixture, preview, load.
    page.click(".admin-tabs >> text=法定节假日")
    bad = tmp_path / "bad.json"
    bad.write_text('{"year": 2027, "version": 1}', encoding="utf-8")
    page.locator("#calendar-upload input[type=file]").set_input_files(str(bad))
    page.click("#preview-calendar")
    expect(page.locator("#error-message")).to_contain_text("日历数据校验未通过")
    page.locator("#calendar-upload input[type=file]").set_input_files(str(FIXTURE_2027))
    page.click("#preview-calendar")
    preview = page.locator("#calendar-preview")
    expect(preview).to_contain_text("导入预览：2027 年")
    expect(preview.locator("#holidays-added")).to_contain_text("2027-01-01 元旦")
    expect(preview.locator("#recompute-summary")).not_to_contain_text("0 个暂定期限")
    preview.scroll_into_view_if_needed()
    shot(page, "81-admin-calendar-preview")
    page.click("#load-calendar")
    expect(page.locator("#flash")).to_contain_text("节假日数据已导入")
    expect(page.locator('tr[data-year="2027"][data-version="1"]')).to_be_visible()
    expect(page.locator("#calendar-missing")).to_have_count(0)
    shot(page, "82-admin-calendar-loaded")

    # An enforcement certificate for inspector2, expiring within 30 days.
    page.click(".admin-tabs >> text=执法证")
    form = page.locator("#add-certificate")
    form.locator("input[name=username]").fill("inspector2")
    form.locator("input[name=number]").fill("豫ZZ-2026-77")
    form.locator("input[name=issuer]").fill("郑州市人民政府")
    form.locator("input[name=issued_on]").fill("2024-01-15")
    form.locator("input[name=expires_on]").fill("2027-01-10")
    page.click("#add-certificate-button")
    expect(page.locator("#flash")).to_contain_text("执法证已登记")
    row = page.locator('tr[data-number="豫ZZ-2026-77"]')
    expect(row).to_contain_text("13 天内到期")
    shot(page, "83-admin-certificates")

    # A new user: a weak password is refused in Chinese, then created with a group.
    page.click(".admin-tabs >> text=用户")
    create = page.locator("#create-user")
    create.locator("input[name=username]").fill("newclerk")
    create.locator("input[name=display_name]").fill("孙新窗")
    create.locator("input[name=password]").fill("abc123")
    create.locator("select[name=groups]").select_option("zz-jinshui/intake/intake_clerk")
    page.click("#create-user-button")
    expect(page.locator("#error-message")).to_contain_text("密码不符合要求")
    create.locator("input[name=password]").fill("Xq7-window-2026")
    create.locator("select[name=groups]").select_option("zz-jinshui/intake/intake_clerk")
    page.click("#create-user-button")
    expect(page.locator("#flash")).to_contain_text("用户已创建")
    expect(page.locator("#user-groups")).to_contain_text("综合窗口")
    shot(page, "84-admin-user-created")

    # Reset the password: a one-time password, shown once.
    page.click("#generate-password")
    secret = page.locator("#one-time-password code").inner_text().strip()
    assert len(secret) >= 10
    shot(page, "85-admin-one-time-password")

    # The new user signs in with it and creates a token of their own.
    user = new_page()
    user.goto(f"{server.url}/login")
    user.fill("input[name=username]", "newclerk")
    user.fill("input[name=password]", secret)
    user.click("button[type=submit]")
    user.wait_for_url(lambda url: "/login" not in url)
    # A password the administrator chose is replaced first (设置新密码), then the user's own pages open.
    expect(user.locator("#change-password h1")).to_have_text("设置新密码")
    user.click("#nav-tokens")
    expect(user.locator("#change-password h1")).to_have_text("设置新密码")
    set_new_password(user, secret, "Window-2027-own")  # then on to the page asked for: 我的令牌
    user.wait_for_url(lambda url: "/me/tokens" in url)
    expect(user.locator("#nav-admin")).to_have_count(0)
    user.fill("#create-token input[name=name]", "数据对接")
    user.click("#create-token-button")
    expect(user.locator("#token-secret")).to_contain_text("cf_")
    expect(user.locator("table.tokens")).to_contain_text("数据对接")
    shot(user, "86-my-tokens")


def test_after_a_reset_the_inspector_sets_a_new_password_before_the_inbox(server, new_page):
    admin = new_page()
    login(admin, server.url, "admin")
    admin.click("#nav-admin")
    admin.click(".admin-tabs >> text=用户")
    admin.fill("#admin-users input[name=q]", "inspector2")
    admin.click("#admin-users form.filters button")
    admin.click("#admin-users a[href='/admin/users/inspector2']")
    admin.click("#generate-password")
    secret = admin.locator("#one-time-password code").inner_text().strip()

    user = new_page()
    user.goto(f"{server.url}/login")
    user.fill("input[name=username]", "inspector2")
    user.fill("input[name=password]", secret)
    user.click("button[type=submit]")
    expect(user.locator("#change-password h1")).to_have_text("设置新密码")
    expect(user.locator("#password-required")).to_contain_text("您的密码由管理员设置")
    # A mismatch and a weak password are refused in Chinese; the one-time password still works until then.
    form = user.locator("#change-password")
    form.locator("input[name=current_password]").fill(secret)
    form.locator("input[name=new_password]").fill("Inspect-2027-own")
    form.locator("input[name=repeat_password]").fill("Inspect-2027-0wn")
    user.click("#change-password-button")
    expect(user.locator("#error-message")).to_contain_text("两次输入的新密码不一致")
    set_new_password(user, secret, "short1")
    expect(user.locator("#error-message")).to_contain_text("密码不符合要求：密码至少10位")
    shot(user, "87-set-new-password-refused")
    set_new_password(user, secret, "Inspect-2027-own")
    user.wait_for_url(lambda url: "/inbox" in url)
    expect(user.locator("#nav-password")).to_have_text("修改密码")
    shot(user, "88-inbox-after-new-password")

    # Out and in again with the new password: straight to the inbox.
    user.click("text=退出")
    user.wait_for_url(lambda url: "/login" in url)
    user.fill("input[name=username]", "inspector2")
    user.fill("input[name=password]", "Inspect-2027-own")
    user.click("button[type=submit]")
    user.wait_for_url(lambda url: "/inbox" in url)
    expect(user.locator("#change-password")).to_have_count(0)
    # Later changes are the user's own choice, from the user menu: 修改密码, nothing required.
    user.click("#nav-password")
    expect(user.locator("#change-password h1")).to_have_text("修改密码")
    expect(user.locator("#password-required")).to_have_count(0)
