"""The documents pages without a browser: the case's 正式文书 fragment offers the transfer letter for a sent
transfer, generates it, refuses what the caller may not issue, and answers bad service input with the form
and a Chinese message (docs/documents.md)."""
from __future__ import annotations

import re

from tests.services import support
from tests.services.test_transfers import request, send
from tests.test_web import _login


def test_the_inspector_generates_the_transfer_letter_from_the_case_page(app, db, who, colleagues):
    case = support.open_cases(db, "wage_arrears")["inspection"]
    row = request(db, who, case)
    client, csrf = _login(app, "inspector")
    url = f"/cases/{case['instance_id']}/documents"
    assert 'id="issue-document-form"' not in client.get(url).text  # not sent yet: nothing to write a letter for
    send(db, row)
    fragment = client.get(url).text
    assert "案件移送函" in fragment and row.number in fragment
    headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    answer = client.post(url, data={"doc_type": "transfer_letter", "subject": str(row.id)}, headers=headers)
    assert answer.status_code == 200, answer.text
    assert "已生成文书 金水人社监移〔2026〕00001号" in answer.text
    assert re.search(r'href="/documents/\d+/file.pdf"', answer.text)

    refused = client.post(url, data={"doc_type": "complaint_receipt"}, headers=headers)
    assert refused.status_code == 403 and "综合窗口" in refused.text

    document_id = re.search(r'/documents/(\d+)/services', answer.text).group(1)
    bad = client.post(f"/documents/{document_id}/services", headers=headers,
                      data={"view": "case", "served_on": "明天", "method": "post", "recipient": "仲裁院"})
    assert bad.status_code == 422 and "送达日期格式应为YYYY-MM-DD" in bad.text
    good = client.post(f"/documents/{document_id}/services", headers=headers,
                       data={"view": "case", "served_on": "2026-11-20", "method": "post", "recipient": "仲裁院",
                             "note": "EMS 1234567890"})
    assert good.status_code == 200 and "已登记送达" in good.text and "邮寄送达" in good.text
