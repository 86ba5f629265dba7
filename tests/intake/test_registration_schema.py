"""The registration schema at the service level: one rule per test, its Chinese message on its field path.

The schema is loaded directly (no HTTP, no database) against a small catalogue and a city of three
districts; the last tests go through ``registration.register`` in a transaction. The HTTP tests
(test_registration_api.py) and the browser tests check the same messages end to end.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.intake.conftest import NOW
from tests.intake.helpers import claim, id_number, registration, uscc
from workflow_app.domain.intake import registration as registration_service
from workflow_app.domain.intake.catalog import Catalog, IssueCode
from workflow_app.domain.intake.models import Complaint
from workflow_app.domain.intake.registration_schema import RegistrationSchema, load
from workflow_app.platform import clock
from workflow_app.platform.errors import Forbidden, Invalid
from workflow_app.platform.identifiers.validation import org_code_check_char, uscc_check_char
from workflow_app.platform.identity import directory as identity
from workflow_app.platform.persistence.database import in_transaction

CATALOG = Catalog(version=1, issue_codes={
    "wage_arrears": IssueCode("wage_arrears", "拖欠工资", "labour_standard", wage=True),
    "overtime_violation": IssueCode("overtime_violation", "违法延长工作时间", "labour_standard", wage=False),
    "child_labor": IssueCode("child_labor", "使用童工", "labour_standard", wage=False),
}, project_types={"housing_construction": "住房和城乡建设主管部门", "other": None})
PARENTS = {"zz": None, "zz-jinshui": "zz", "zz-erqi": "zz", "ly": None, "ly-laocheng": "ly"}
BUREAUS = {code: SimpleNamespace(code=code) for code in PARENTS}
ANONYMOUS = {"anonymous": True, "name": None, "id_number": None, "phone": None}


def loaded(data):
    return load(data, catalog=CATALOG, bureaus=BUREAUS, window="zz-jinshui", parents=PARENTS, now=NOW)


def errors(data) -> dict[str, str]:
    with pytest.raises(Invalid) as raised:
        loaded(data)
    return raised.value.extra["errors"]


# ------------------------------------------------------------------------------------------------
# A valid registration
# ------------------------------------------------------------------------------------------------

def test_a_valid_registration_loads_normalised():
    reg = loaded(registration(complainant={"name": " 张三 "}, employer={"uscc": uscc(1).lower()}))
    assert (reg.kind, reg.channel, reg.complainant_name, reg.employer_uscc) == ("complaint", "window", "张三", uscc(1))
    assert reg.received_at == datetime(2026, 11, 20, 9, 0, tzinfo=clock.CHINA_TZ)
    assert [(c.code, c.label, c.amount, c.months_unpaid) for c in reg.claims] == [
        ("wage_arrears", "拖欠工资", Decimal("5000"), 1)]


def test_unset_facts_take_their_defaults():
    reg = loaded(registration())
    assert (reg.facts_clear, reg.evidence_sufficient, reg.relationship_disputed, reg.dispute_major) == (
        True, True, False, False)
    assert reg.proceedings == "none" and reg.worker_breakdown == [] and reg.description is None


def test_a_claim_takes_the_registrations_proceedings_and_end_date_unless_it_has_its_own():
    reg = loaded(registration(claim("overtime_violation"), claim("child_labor", proceedings="litigation",
                                                                  violation_ended_on="2026-09-01"),
                              proceedings="mediation", violation_ongoing=False, violation_ended_on="2026-10-01"))
    assert [(c.proceedings, c.violation_ended_on) for c in reg.claims] == [
        ("mediation", date(2026, 10, 1)), ("litigation", date(2026, 9, 1))]


def test_a_missing_receipt_time_is_now_and_a_naive_one_is_local():
    assert loaded(registration(received_at=None)).received_at == NOW
    assert loaded(registration(received_at="2026-11-20T08:00:00")).received_at == datetime(
        2026, 11, 20, 8, 0, tzinfo=clock.CHINA_TZ)


# ------------------------------------------------------------------------------------------------
# Required fields, anonymous reports
# ------------------------------------------------------------------------------------------------

def test_kind_and_channel_are_required():
    found = errors(registration(kind=None, channel=""))
    assert (found["kind"], found["channel"]) == ("请选择登记类型（投诉或举报）", "请选择来源渠道")


def test_a_choice_outside_its_options_names_the_options():
    assert errors(registration(kind="petition"))["kind"] == "登记类型（投诉或举报）的取值不在允许范围内（可选：投诉、举报）"


def test_a_complaint_needs_id_number_phone_and_credit_code():
    found = errors(registration(complainant={"id_number": None, "phone": " "}, employer={"uscc": None}))
    assert found == {"complainant.id_number": "请填写身份证号码", "complainant.phone": "请填写联系电话",
                     "employer.uscc": "请填写统一社会信用代码"}


def test_an_anonymous_report_needs_no_name_id_or_phone():
    reg = loaded(registration("child_labor", kind="report", complainant=ANONYMOUS, employer={"uscc": None}))
    assert reg.anonymous and (reg.complainant_name, reg.complainant_id_number, reg.complainant_phone) == (None,) * 3


def test_an_anonymous_report_carries_no_personal_data():
    found = errors(registration("child_labor", kind="report", complainant={"anonymous": True, "phone": "13812345678"},
                                employer={"uscc": None}))
    assert found == {"complainant.name": "匿名举报不登记举报人的个人信息",
                     "complainant.id_number": "匿名举报不登记举报人的个人信息",
                     "complainant.phone": "匿名举报不登记举报人的个人信息"}


def test_a_complaint_cannot_be_anonymous():
    found = errors(registration(complainant=ANONYMOUS))
    assert found == {"complainant.anonymous": "投诉须实名登记投诉人身份；匿名反映只能登记为举报"}


def test_a_report_names_its_reporter_or_is_anonymous():
    data = registration("child_labor", kind="report", employer={"uscc": None})
    del data["complainant"]
    assert errors(data) == {"complainant": "请填写举报人信息，或勾选匿名举报", "complainant.name": "请填写投诉举报人姓名"}


def test_a_missing_employer_is_reported_with_what_it_lacks():
    data = registration()
    del data["employer"]
    assert errors(data) == {"employer": "请填写被投诉举报用人单位", "employer.name": "请填写用人单位名称",
                            "employer.district": "请填写用工所在区县", "employer.uscc": "请填写统一社会信用代码"}


def test_a_transfer_names_the_department_it_came_from():
    assert errors(registration(channel="transfer")) == {"source_department": "请填写转来部门"}
    assert loaded(registration(channel="transfer", source_department="市信访局")).source_department == "市信访局"


# ------------------------------------------------------------------------------------------------
# Identifiers, text, numbers
# ------------------------------------------------------------------------------------------------

def test_identifiers_are_checked_with_their_own_messages():
    good_id = id_number(7)
    bad_id = good_id[:-1] + ("0" if good_id[-1] != "0" else "1")
    found = errors(registration(complainant={"id_number": bad_id, "phone": "12345"}))
    assert found["complainant.id_number"].startswith("身份证号码校验不通过")
    assert set(found) == {"complainant.id_number", "complainant.phone"}


def test_a_birth_date_after_today_is_refused():
    found = errors(registration(complainant={"id_number": id_number(3, birth="20270101")}))
    assert "晚于今天" in found["complainant.id_number"]


def test_a_confirmed_licence_skips_only_the_organisation_code_check():
    body8 = "MA000001"
    wrong_org = "0" if org_code_check_char(body8) != "0" else "1"
    first17 = "91410105" + body8 + wrong_org
    code = first17 + uscc_check_char(first17)
    assert "employer.uscc" in errors(registration(employer={"uscc": code}))
    assert loaded(registration(employer={"uscc": code, "uscc_confirmed": True})).employer_uscc == code


def test_text_lengths_are_counted_in_characters():
    found = errors(registration(complainant={"name": "张" * 51}, employer={"name": "某"}, description="字" * 5001))
    assert found == {"complainant.name": "投诉举报人姓名最多50个字", "employer.name": "用人单位名称至少2个字",
                     "description": "诉求描述最多5000个字"}


def test_text_must_be_text_and_flags_yes_or_no():
    found = errors(registration(complainant={"name": 5}, media_exposure="no"))
    assert found == {"complainant.name": "投诉举报人姓名应为文本", "media_exposure": "是否媒体曝光应为是/否"}


@pytest.mark.parametrize("amount, message", [
    (-1, "“拖欠工资”的金额不能为负数"), (0.001, "“拖欠工资”的金额最多保留两位小数"),
    ("5000", "“拖欠工资”的金额应为数字"), (True, "“拖欠工资”的金额应为数字"),
    (1e308, "“拖欠工资”的金额超出合理范围"), (None, "请填写“拖欠工资”的金额"),
])
def test_a_claim_amount_message_names_its_issue(amount, message):
    assert errors(registration(claim("wage_arrears", amount=amount))) == {"claims[0].amount": message}


def test_a_claim_that_is_not_about_wages_needs_no_amount():
    assert loaded(registration(claim("overtime_violation"))).claims[0].amount is None


@pytest.mark.parametrize("workers, message", [
    (0, "涉及劳动者人数不能小于1"), (2.5, "涉及劳动者人数应为整数"), ("10", "涉及劳动者人数应为整数"),
    (10**12, "涉及劳动者人数不能大于1000000"), (None, "请填写涉及劳动者人数"),
])
def test_workers_affected_is_a_whole_number_from_one(workers, message):
    assert errors(registration(workers_affected=workers)) == {"workers_affected": message}


def test_months_unpaid_are_at_most_fifty_years():
    assert errors(registration(claim("wage_arrears", months_unpaid=601))) == {
        "claims[0].months_unpaid": "“拖欠工资”的欠薪月数不能大于600"}


# ------------------------------------------------------------------------------------------------
# Dates
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("received_at, message", [
    ("2026-11-21T09:00:00+08:00", "接收时间不能晚于当前时间"), ("2020-01-01T09:00:00+08:00", "接收时间早于五年前，请核对"),
    ("2026-13-01", "接收时间不是有效的日期时间（如 2026-11-20T09:30:00+08:00）"), (123, "接收时间不是有效的日期时间"),
])
def test_the_receipt_time_is_a_past_moment_of_the_last_five_years(received_at, message):
    assert errors(registration(received_at=received_at)) == {"received_at": message}


@pytest.mark.parametrize("day, message", [
    ("2026-11-20", None), ("2026-11-21", "违法行为终了日期不能晚于接收日期"),
    ("2026/01/01", "违法行为终了日期不是有效的日期（YYYY-MM-DD）"), ("2026-02-30", "违法行为终了日期不是有效的日期（YYYY-MM-DD）"),
    ("1949-12-31", "违法行为终了日期早于1950年，请核对"),
])
def test_an_end_date_is_a_day_not_after_the_receipt(day, message):
    data = registration(violation_ongoing=False, violation_ended_on=day)
    if message is None:
        assert loaded(data).violation_ended_on == date.fromisoformat(day)
    else:
        assert errors(data) == {"violation_ended_on": message}


def test_dates_are_checked_against_the_receipt_day_not_today():
    data = registration(received_at="2026-11-10T09:00:00+08:00", violation_ongoing=False,
                        violation_ended_on="2026-11-12")
    assert errors(data) == {"violation_ended_on": "违法行为终了日期不能晚于接收日期"}


def test_a_claims_own_end_date_is_checked_on_the_claim():
    data = registration(claim("overtime_violation", violation_ended_on="2026-12-01"))
    assert errors(data) == {"claims[0].violation_ended_on": "违法行为终了日期不能晚于接收日期"}


def test_a_violation_is_ongoing_or_has_an_end_date():
    assert errors(registration(violation_ongoing=False)) == {
        "violation_ended_on": "请填写违法行为终了日期，或选择违法行为仍在持续"}
    assert errors(registration(violation_ended_on="2026-10-01")) == {
        "violation_ended_on": "违法行为仍在持续的，不填写终了日期"}


def test_claims_with_their_own_end_dates_need_none_on_the_registration():
    reg = loaded(registration(claim("overtime_violation", violation_ended_on="2026-10-01"), violation_ongoing=False))
    assert reg.violation_ended_on is None and reg.claims[0].violation_ended_on == date(2026, 10, 1)


def test_a_complaints_employment_is_ongoing_or_has_ended():
    assert errors(registration(employment_ongoing=False)) == {
        "employment_ended_on": "请填写劳动关系终止日期，或选择劳动关系仍然存续"}
    assert errors(registration(employment_ended_on="2026-10-01")) == {
        "employment_ended_on": "劳动关系仍然存续的，不填写终止日期"}
    report = registration("child_labor", kind="report", complainant=ANONYMOUS, employer={"uscc": None},
                          employment_ongoing=False)
    assert loaded(report).employment_ended_on is None


# ------------------------------------------------------------------------------------------------
# Claims, workers, employer's district and project
# ------------------------------------------------------------------------------------------------

def test_a_claim_code_comes_from_the_catalogue():
    assert errors(registration(claim("teleportation"))) == {"claims[0].code": "诉求代码“teleportation”不在诉求目录中"}


def test_a_claim_whose_code_is_wrong_is_not_read_further():
    found = errors(registration({"code": "teleportation", "amount": -1, "extra": 1}))
    assert found == {"claims[0].extra": "不认识的字段“extra”", "claims[0].code": "诉求代码“teleportation”不在诉求目录中"}


def test_a_claim_is_registered_once():
    assert errors(registration("overtime_violation", "overtime_violation")) == {
        "claims[1].code": "诉求“违法延长工作时间”重复登记，请合并为一项"}


@pytest.mark.parametrize("claims, path, message", [
    ([], "claims", "请至少登记一项诉求"), ("wage_arrears", "claims", "诉求格式不正确"),
    ([{"code": "child_labor"}] * 31, "claims", "诉求最多30项"),
    ([{"code": "child_labor"}, 5], "claims[1]", "第2项诉求格式不正确"),
    ([None], "claims[0]", "请填写第1项诉求"), ([{}], "claims[0].code", "请选择诉求事项"),
])
def test_the_claims_are_a_list_of_one_to_thirty_objects(claims, path, message):
    assert errors(registration(claims=claims)) == {path: message}


def test_a_worker_breakdown_lists_at_most_the_workers_affected():
    workers = [{"name": "李四", "amount": 100, "months_unpaid": 1}] * 2
    assert errors(registration(worker_breakdown=workers)) == {
        "worker_breakdown": "欠薪劳动者明细的人数不能多于涉及劳动者人数"}
    assert loaded(registration(worker_breakdown=workers, workers_affected=2)).worker_breakdown == [
        {"name": "李四", "amount": 100.0, "months_unpaid": 1}] * 2


def test_each_worker_has_an_amount_and_months():
    assert errors(registration(worker_breakdown=[{"name": "李四"}])) == {
        "worker_breakdown[0].amount": "请填写欠薪金额", "worker_breakdown[0].months_unpaid": "请填写欠薪月数"}


def test_the_employers_district_is_a_bureau_of_the_windows_city():
    assert errors(registration(employer={"district": "zz-atlantis"})) == {
        "employer.district": "用工所在区县“zz-atlantis”不存在"}
    assert errors(registration(employer={"district": "ly-laocheng"})) == {
        "employer.district": "用工所在地不在本市，请告知投诉举报人向用工所在地人力资源社会保障部门反映"}
    assert loaded(registration(employer={"district": "zz-erqi"})).employer_district == "zz-erqi"


def test_a_project_type_comes_from_the_deployed_tables():
    reg = loaded(registration(employer={"project": {"name": "某安置房项目", "type": "housing_construction"}}))
    assert (reg.project_name, reg.project_type) == ("某安置房项目", "housing_construction")
    found = errors(registration(employer={"project": {"name": "某桥", "type": "transport"}}))
    assert found == {"employer.project.type": "工程建设项目类型的取值不在允许范围内（可选：房屋建筑和市政工程、其他）"}


def test_an_empty_project_means_none():
    assert loaded(registration(employer={"project": {}})).project_type is None
    assert errors(registration(employer={"project": "x"})) == {"employer.project": "工程建设项目格式不正确"}


# ------------------------------------------------------------------------------------------------
# The shape of the answer
# ------------------------------------------------------------------------------------------------

def test_unknown_fields_are_refused_by_name():
    found = errors(registration(extra_field=1, employer={"fax": "0371"}))
    assert found == {"extra_field": "不认识的字段“extra_field”", "employer.fax": "不认识的字段“fax”"}


def test_a_registration_that_is_not_an_object_is_refused_as_a_whole():
    with pytest.raises(Invalid) as raised:
        loaded(["kind", "complaint"])
    assert raised.value.message == "登记内容格式不正确"
    assert raised.value.extra["errors"] == {"_": "登记内容应为对象"}


def test_the_message_sums_up_the_first_five_problems_in_form_order():
    with pytest.raises(Invalid) as raised:
        loaded({})
    found = raised.value.extra["errors"]
    assert list(found)[:3] == ["kind", "channel", "complainant.name"]
    assert raised.value.message == "登记内容有误：" + "；".join(list(found.values())[:5]) + f"等{len(found)}处"


def test_the_documented_fields_are_the_accepted_fields():
    accepted = set(registration()) | {"source_department", "window", "worker_breakdown", "description"}
    assert accepted <= set(RegistrationSchema().fields)
    assert "extra_field" not in RegistrationSchema().fields


# ------------------------------------------------------------------------------------------------
# The service
# ------------------------------------------------------------------------------------------------

def test_register_validates_with_the_schema_and_saves_nothing_on_error(app, db, frozen):
    def run(s):
        clerk = identity.principal_by_username(s, "clerk")
        registration_service.register(s, clerk, registration(workers_affected=0))
    with pytest.raises(Invalid) as raised:
        in_transaction(db, run)
    assert raised.value.extra["errors"] == {"workers_affected": "涉及劳动者人数不能小于1"}
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Complaint)) == 0


def test_register_stores_a_valid_registration(app, db, frozen):
    def run(s):
        complaint = registration_service.register(s, identity.principal_by_username(s, "clerk"), registration())
        return complaint.number, complaint.complainant_id_number
    assert in_transaction(db, run) == ("金水投〔2026〕00001号", id_number(1))


def test_only_intake_clerks_register(app, db, frozen):
    with pytest.raises(Forbidden):
        in_transaction(db, lambda s: registration_service.register(
            s, identity.principal_by_username(s, "inspector"), registration()))
