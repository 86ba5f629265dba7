"""The case actions on the pages (``entrypoints/web/case_actions.py``): the action bar of the case page and the
forms behind it — a refused submission re-shows the form with the Chinese reason and changes nothing, a
forbidden user gets the error page, success returns to the case page with the request visible."""
from __future__ import annotations

import re

import pytest

from tests.services import support
from tests.test_web import _login
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.persistence.database import in_transaction


@pytest.fixture
def case(db):
    return support.open_cases(db, "wage_arrears")["inspection"]


def form_token(client, path):
    page = client.get(path)
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_the_case_page_shows_the_action_bar_of_the_inspector(app, case):
    client, _ = _login(app, "inspector")
    page = client.get(f"/cases/{case['instance_id']}").text
    assert 'id="case-actions"' in page
    for path in ("actions/transfer", "actions/notify", "actions/assistance", "joint-hearing/new",
                 "police-transfer/new", "actions/emergency"):
        assert f'href="/cases/{case["instance_id"]}/{path}"' in page
    assert "actions/supervision" not in page  # the district's inspector never supervises


def test_a_transfer_through_the_form_returns_to_the_case_page_with_it_listed(app, case):
    client, _ = _login(app, "inspector")
    path = f"/cases/{case['instance_id']}/actions/transfer"
    token = form_token(client, path)
    assert "金水区" in client.get(path).text and "劳动人事争议仲裁" in client.get(path).text
    answer = client.post(path, data={"csrf_token": token, "target": "zz-jinshui/arbitration",
                                     "reason": "属于劳动争议，应由仲裁院处理", "materials": "投诉登记表\n询问笔录"})
    assert answer.status_code == 302 and "msg=request_started" in answer.headers["Location"]
    page = client.get(answer.headers["Location"]).text
    assert "已提交，待本机构联络员审核后发出" in page
    assert "金水人社移〔2026〕00001号" in page and "待联络员审核" in page
    # now a second transfer is disabled with the reason
    assert "本案已有一件移送在办理中" in page


def test_invalid_input_re_shows_the_form_with_the_reasons_and_changes_nothing(app, case):
    client, _ = _login(app, "inspector")
    path = f"/cases/{case['instance_id']}/actions/transfer"
    token = form_token(client, path)
    answer = client.post(path, data={"csrf_token": token, "target": "", "reason": "x", "materials": ""})
    assert answer.status_code == 422 and "请选择接收机构" in answer.text
    answer = client.post(path, data={"csrf_token": token, "target": "zz-jinshui/arbitration", "reason": "x",
                                     "materials": "投诉登记表"})
    assert answer.status_code == 422 and "移送理由应为2至2000字" in answer.text
    assert 'value="zz-jinshui/arbitration" selected' in answer.text  # the choices stay
    answer = client.post(path, data={"csrf_token": token, "target": "zz-jinshui/inspection", "reason": "理由充分",
                                     "materials": "投诉登记表"})  # its own body is not offered
    assert answer.status_code == 422
    assert "金水人社移" not in client.get(f"/cases/{case['instance_id']}").text


def test_assistance_service_must_go_to_inspection(app, db):
    arbitration = support.open_cases(db, "dismissal_dispute")["arbitration"]
    client, _ = _login(app, "arbitrator")
    path = f"/cases/{arbitration['instance_id']}/actions/assistance"
    token = form_token(client, path)
    answer = client.post(path, data={"csrf_token": token, "target": "zz-jinshui/si_audit", "assist_type": "service",
                                     "reason": "请协助送达仲裁文书", "materials": "送达文书"})
    assert answer.status_code == 422 and "协助送达文书应请求劳动保障监察机构" in answer.text
    answer = client.post(path, data={"csrf_token": token, "target": "zz-jinshui/inspection", "assist_type": "service",
                                     "reason": "请协助送达仲裁文书", "materials": "送达文书"})
    assert answer.status_code == 302


def test_a_notification_without_the_csrf_token_is_refused(app, case):
    client, _ = _login(app, "inspector")
    answer = client.post(f"/cases/{case['instance_id']}/actions/notify",
                         data={"target": "zz-jinshui/arbitration", "reason": "通报", "materials": "材料"})
    assert answer.status_code == 403


def test_a_forbidden_user_gets_the_chinese_error_page_not_the_form(app, case):
    client, _ = _login(app, "leader")  # the district's leader sees the case but hands nothing over
    answer = client.get(f"/cases/{case['instance_id']}/actions/transfer")
    assert answer.status_code == 403 and "只有劳动保障监察的工作人员才能从本案发起移送、通报或协助请求" in answer.text
    assert client.get(f"/cases/{case['instance_id']}/actions/supervision").status_code == 403
    other, _ = _login(app, "arbitrator")  # does not see the case at all
    assert other.get(f"/cases/{case['instance_id']}/actions/emergency").status_code == 404
    assert other.get("/cases/999999/actions/transfer").status_code == 404


def test_an_emergency_through_the_form_marks_the_case_urgent(app, case):
    client, _ = _login(app, "inspector")
    path = f"/cases/{case['instance_id']}/actions/emergency"
    token = form_token(client, path)
    answer = client.post(path, data={"csrf_token": token, "kind": "rumour", "description": "三十余名工人聚集讨薪"})
    assert answer.status_code == 422 and "类型应为" in answer.text
    answer = client.post(path, data={"csrf_token": token, "kind": "mass_incident", "description": "三十余名工人聚集讨薪"})
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).text
    assert "已认定为应急突发案件" in page and '<span class="badge urgent">紧急</span>' in page


def test_supervision_through_the_form_by_the_city_leader(app, db, case):
    def create(s):
        identity.create_user(s, "city_leader", "市局领导", "Demo2026-caseflow")
        identity.add_membership(s, "city_leader", "zz/leadership/leadership")
    in_transaction(db, create)
    client, _ = _login(app, "city_leader")
    path = f"/cases/{case['instance_id']}/actions/supervision"
    token = form_token(client, path)
    answer = client.post(path, data={"csrf_token": token, "reason": "x", "deadline_rule": "30WD"})
    assert answer.status_code == 422 and "督办事由应为2至2000字" in answer.text
    answer = client.post(path, data={"csrf_token": token, "reason": "市局挂牌督办", "deadline_rule": "9999WD"})
    assert answer.status_code == 422 and "请选择督办期限" in answer.text
    answer = client.post(path, data={"csrf_token": token, "reason": "市局挂牌督办", "deadline_rule": "15WD"})
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).text
    assert 'id="supervised-badge"' in page and "本案已在挂牌督办中" in page
    # the form of a case already supervised answers the reason, not a second supervision
    assert client.get(path).status_code == 409
