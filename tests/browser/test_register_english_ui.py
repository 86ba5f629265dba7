"""The registration page in English: the field errors of a refused registration are in English, each next
to its field, and an object's own problem is named in words (docs/intake.md "Messages in two languages")."""
from __future__ import annotations

from playwright.sync_api import expect

from .conftest import login, shot


def test_invalid_registration_shows_english_field_errors(server, new_page):
    page = new_page()
    login(page, server.url, "clerk")
    page.goto(f"{server.url}/intake/register")
    page.click("a.lang:has-text('English')")
    expect(page.locator("#register-submit")).to_be_visible()
    page.fill("#r-complainant\\.name", "王五")
    page.fill("#r-complainant\\.id_number", "410105199001011234")
    page.click("#register-submit")

    expect(page.locator("[data-error-for='complainant.id_number']")).to_have_text(
        "The ID number fails its check digit: a digit may be mistyped or two swapped; "
        "please compare it with the ID card digit by digit")
    expect(page.locator("[data-error-for='complainant.phone']")).to_have_text("Please fill in the phone number")
    expect(page.locator("[data-error-for='employer.name']")).to_have_text("Please fill in the employer name")
    expect(page.locator("[data-error-for='claims']")).to_have_text("Please register at least one claim")
    # Nothing of the employer was given: its own message stands at its fieldset, in words, without the key.
    employer = page.locator("fieldset:has(#r-employer\\.name) > [data-error-for='employer']")
    expect(employer).to_have_text("Please fill in the employer complained about")
    errors = page.locator("#register-form .field-error")
    for text in errors.all_inner_texts():
        assert text.isascii(), text
    expect(page.locator("#register-form")).not_to_contain_text("employer：")
    employer.scroll_into_view_if_needed()
    shot(page, "register-english-errors")
