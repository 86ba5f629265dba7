"""A transfer carries the files its liaison officer chooses, in a real browser (docs/files.md "Transfers"):
the inspector uploads two files on the case page; the liaison officer ticks one of them in the package
form; the receiving body's liaison officer accepts; the arbitrator finds that file — the same bytes, the same
hash — on the new case, and not the other one.

Only the request itself is made through the service: starting a transfer from the case page's action bar
is test_case_actions_ui's journey."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import file_samples as samples
from tests.services import support
from workflow_app.domain.collaboration import transfers
from workflow_app.domain.intake import queries as intake_queries
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.persistence.database import in_transaction

from .conftest import login, shot
from .test_files_ui import open_case_of, upload
from .test_web_ui import register_direct

EMPLOYER = "郑州某移送附件测试有限公司"


def open_task(page, server, business_key: str) -> None:
    """From the group inbox to the task of ``business_key``, claimed."""
    page.goto(f"{server.url}/inbox?tab=group")
    page.locator(f"tr[data-business-key='{business_key}'] a.task-link").first.click()
    page.wait_for_url(re.compile(r"/tasks/"))
    page.click("#claim-task")
    expect(page.locator("#task-form button#complete")).to_be_visible()


def test_the_file_chosen_in_the_package_reaches_the_receiving_case(server, new_page, tmp_path):
    register_direct(server, employer=EMPLOYER)
    contract, notes = tmp_path / "劳动合同.pdf", tmp_path / "内部记录.png"
    contract.write_bytes(samples.pdf("Labour contract for the transfer"))
    notes.write_bytes(samples.png(32, 32))

    inspector = new_page()
    login(inspector, server.url, "inspector")
    open_case_of(inspector, server, "移送附件测试")
    rows = inspector.locator("#case-files tbody tr[data-attachment-id]")
    upload(inspector, contract)
    expect(rows).to_have_count(1)
    upload(inspector, notes)
    expect(rows).to_have_count(2)
    sha = inspector.locator("#case-files tbody tr[data-attachment-id]", has_text="劳动合同.pdf").locator(
        "code").first.get_attribute("title")
    instance_id = int(inspector.url.rsplit("/", 1)[1])

    def request(s):
        case = intake_queries.case_of_instance(s, instance_id)
        return transfers.create_transfer(s, identity.principal_by_username(s, "inspector"), case.id, {
            "to_body": "arbitration", "reason": "经初步调查属于劳动争议，应由仲裁院处理",
            "materials": ["投诉登记表"]}).number
    number = in_transaction(server.db, request)

    # The liaison officer packages the transfer and ticks the contract (not the internal notes).
    liaison = new_page()
    login(liaison, server.url, "liaison")
    open_task(liaison, server, number)
    liaison.check("input[name=send][value=true]")
    # The materials the inspector listed are there already (the form's prefill), not retyped.
    expect(liaison.locator("input[name='materials[0]']")).to_have_value("投诉登记表")
    field = liaison.locator(".field[data-field=attachments]")
    expect(field).to_be_visible()
    expect(field).to_contain_text("内部记录.png")
    field.locator("label", has_text="劳动合同.pdf").locator("input[type=checkbox]").check()
    liaison.fill("textarea[name=letter]", "兹将本案移送贵单位依法处理，请于三个工作日内签收。此致")
    shot(liaison, "transfer-files-01-package")
    liaison.click("#complete")
    liaison.wait_for_url(re.compile(r"/inbox\?msg=completed"))

    support.deliver_messages(server.db)  # the worker's job: the letter reaches the receiving body

    receiver = new_page()
    login(receiver, server.url, "arb_liaison")
    open_task(receiver, server, f"{number}-收")
    receiver.check("input[name=decision][value=accept]")
    receiver.fill("textarea[name=ack_note]", "材料齐全，予以签收")
    receiver.click("#complete")
    receiver.wait_for_url(re.compile(r"/inbox\?msg=completed"))
    support.deliver_messages(server.db)

    arbitrator = new_page()
    login(arbitrator, server.url, "arbitrator")
    open_case_of(arbitrator, server, "移送附件测试")
    files = arbitrator.locator("#case-files tbody tr[data-attachment-id]")
    expect(files).to_have_count(1)
    expect(files.first).to_contain_text("劳动合同.pdf")
    assert files.first.locator("code").first.get_attribute("title") == sha
    expect(arbitrator.locator("ol.timeline")).to_contain_text("接收移送附件")
    shot(arbitrator, "transfer-files-02-received")
