"""Triage as data: every rule of docs/intake.md "Triage as data" (T0–T8, F1–F3) and its boundaries, table-driven.

Each row is a registration as the window would send it. It goes through the real validation and the real
variable building of the registration service, then through the shipped ``intake_triage.bpmn`` and its
decision tables in the engine (no database: fast). The expected outcome is read from the message the
diagram throws to the intake module (``intake_routed``).
"""
from __future__ import annotations

import json
from datetime import datetime
from types import SimpleNamespace

import pytest

from tests.conftest import ROOT
from tests.intake.helpers import claim, registration
from workflow_app.platform import clock
from workflow_app.platform.calendar import OfficialCalendar
from workflow_app.platform.engine import library, runner
from workflow_app.domain.intake import catalog as catalog_mod
from workflow_app.domain.intake import registration as reg_service
from workflow_app.domain.intake import registration_schema
from workflow_app.domain.intake.triage import years_after
from workflow_app.platform.processes import registry

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=clock.CHINA_TZ)
PARENTS = {"zz": None, "zz-jinshui": "zz", "zz-erqi": "zz", "zz-zhongyuan": "zz"}
BUREAUS = {code: SimpleNamespace(code=code) for code in PARENTS}


def build(overrides: dict[str, str] | None = None):
    """The shipped library (optionally with some files replaced): (triage bundle, catalogue)."""
    files = registry.library_files([ROOT / "bpmn", ROOT / "forms"])
    for name, text in (overrides or {}).items():
        files[name] = text.encode("utf-8")
    bundle = library.build_library(files, runner.build_only_script_engine).processes["intake_triage"]
    dmn = {name: content.decode("utf-8") for name, content in bundle.dmn_files.items()}
    catalog = catalog_mod.parse(SimpleNamespace(files_json=json.dumps({"dmn": dmn}), version=1))
    return bundle, catalog


@pytest.fixture(scope="module")
def shipped():
    return build()


class Outcome:
    def __init__(self, payload: dict, ready: list[str]):
        self.payload = payload
        self.routes = {c["code"]: (c["route"], c["rule"]) for c in payload["claims"]}
        self.claims = {c["code"]: c for c in payload["claims"]}
        self.flags = set(payload["flags"])
        self.ready = ready


def variables_for(data: dict, catalog) -> dict:
    reg = registration_schema.load(data, catalog=catalog, bureaus=BUREAUS, window="zz-jinshui", parents=PARENTS, now=NOW)
    complaint = SimpleNamespace(id=1, number="金水投〔2026〕00001号")
    claims = [SimpleNamespace(code=c.code, amount=c.amount, months_unpaid=c.months_unpaid, proceedings=c.proceedings,
                              violation_ended_on=c.violation_ended_on) for c in reg.claims]
    return reg_service.triage_variables(complaint, claims, reg, PARENTS)


def run(bundle, variables: dict) -> Outcome:
    from SpiffWorkflow.util.task import TaskState
    workflow = runner.new_workflow(bundle.spec, bundle.subprocess_specs, OfficialCalendar.builtin().provisional())
    workflow.task_tree.data.update(variables)
    runner.run_engine(workflow)
    events = [e for e in workflow.get_events() if e.event_definition.name == "intake_routed"]
    assert len(events) == 1
    ready = [t.task_spec.bpmn_name for t in workflow.get_tasks(state=TaskState.READY, manual=True)]
    return Outcome(events[0].payload, ready)


def triage(shipped, data: dict) -> Outcome:
    bundle, catalog = shipped
    return run(bundle, variables_for(data, catalog))


INSPECTION, SI_AUDIT, ARBITRATION = "inspection", "si_audit", "arbitration"
DIFFICULT = dict(dispute_major=True, facts_clear=False, evidence_sufficient=False)
ENDED = dict(violation_ongoing=False)

ROUTING = [
    # T5, T3, T4: labour standards, social insurance
    ("T5 labour standard alone", registration("overtime_violation"), {"overtime_violation": (INSPECTION, "T5")}),
    ("T5 every labour-standard code",
     registration("wage_arrears", "wage_deduction", "below_min_wage", "overtime_violation", "no_written_contract",
                  "child_labor", "female_minor_protection", "id_or_deposit_detention", "illegal_agency",
                  "recruitment_discrimination", "training_loan_fraud", "personal_info_leak"),
     {code: (INSPECTION, "T5") for code in (
         "wage_arrears", "wage_deduction", "below_min_wage", "overtime_violation", "no_written_contract",
         "child_labor", "female_minor_protection", "id_or_deposit_detention", "illegal_agency",
         "recruitment_discrimination", "training_loan_fraud", "personal_info_leak")}),
    ("T3 SI enforcement with a labour standard: all to inspection",
     registration("wage_arrears", "si_contribution_arrears", "si_not_registered"),
     {"wage_arrears": (INSPECTION, "T5"), "si_contribution_arrears": (INSPECTION, "T3"),
      "si_not_registered": (INSPECTION, "T3")}),
    ("T4 SI enforcement alone", registration("si_contribution_arrears", "si_not_registered"),
     {"si_contribution_arrears": (SI_AUDIT, "T4"), "si_not_registered": (SI_AUDIT, "T4")}),
    ("T4 SI audit codes alone", registration("si_underpayment", "si_fraud"),
     {"si_underpayment": (SI_AUDIT, "T4"), "si_fraud": (SI_AUDIT, "T4")}),
    # T3 (seed 003 §二.2): any social-insurance code, audit group included, with a labour-standard code
    ("T3 SI audit code with a labour standard joins inspection", registration("wage_arrears", "si_fraud"),
     {"wage_arrears": (INSPECTION, "T5"), "si_fraud": (INSPECTION, "T3")}),
    ("T3 every SI code with one labour standard: all to inspection",
     registration("overtime_violation", "si_contribution_arrears", "si_not_registered", "si_underpayment",
                  "si_fraud"),
     {"overtime_violation": (INSPECTION, "T5"), "si_contribution_arrears": (INSPECTION, "T3"),
      "si_not_registered": (INSPECTION, "T3"), "si_underpayment": (INSPECTION, "T3"),
      "si_fraud": (INSPECTION, "T3")}),
    ("T4 both SI groups without a labour standard stay with audit",
     registration("si_contribution_arrears", "si_underpayment", "si_fraud"),
     {"si_contribution_arrears": (SI_AUDIT, "T4"), "si_underpayment": (SI_AUDIT, "T4"),
      "si_fraud": (SI_AUDIT, "T4")}),
    ("T3 needs a labour-standard code: a labour dispute is not one",
     registration("si_underpayment", "dismissal_dispute"),
     {"si_underpayment": (SI_AUDIT, "T4"), "dismissal_dispute": (ARBITRATION, "T6")}),
    ("T3 needs a labour-standard code: an outside code is not one",
     registration("si_fraud", "workplace_safety"),
     {"si_fraud": (SI_AUDIT, "T4"), "workplace_safety": ("referral", "T7")}),
    ("T3 a labour-standard claim in other proceedings does not pull SI claims (T3 reads active claims)",
     registration(claim("wage_arrears", proceedings="arbitration"), "si_fraud"),
     {"wage_arrears": ("inform", "T0"), "si_fraud": (SI_AUDIT, "T4")}),
    ("T3 an SI claim in other proceedings stays there", registration("wage_arrears", claim("si_fraud", proceedings="litigation")),
     {"wage_arrears": (INSPECTION, "T5"), "si_fraud": ("inform", "T0")}),
    # T6: dispute claims split off into an arbitration case
    ("T6 dispute claims split off", registration("wage_arrears", "double_wages", "severance_compensation",
                                                 "work_injury_benefits", "dismissal_dispute"),
     {"wage_arrears": (INSPECTION, "T5"), "double_wages": (ARBITRATION, "T6"),
      "severance_compensation": (ARBITRATION, "T6"), "work_injury_benefits": (ARBITRATION, "T6"),
      "dismissal_dispute": (ARBITRATION, "T6")}),
    # T2: the whole complaint to arbitration (outside-人社 claims are still referred)
    ("T2 relationship disputed",
     registration("wage_arrears", "si_contribution_arrears", "si_fraud", "dismissal_dispute", "workplace_safety",
                  relationship_disputed=True),
     {"wage_arrears": (ARBITRATION, "T2"), "si_contribution_arrears": (ARBITRATION, "T2"),
      "si_fraud": (ARBITRATION, "T2"), "dismissal_dispute": (ARBITRATION, "T2"),
      "workplace_safety": ("referral", "T7")}),
    ("T2 confirmation of the relationship claimed", registration("labor_relation_confirmation", "wage_arrears"),
     {"labor_relation_confirmation": (ARBITRATION, "T2"), "wage_arrears": (ARBITRATION, "T2")}),
    ("T2 beats T8: a time-barred claim goes to arbitration with the rest",
     registration(claim("wage_arrears", violation_ended_on="2020-01-01"), "labor_relation_confirmation", **ENDED,
                  violation_ended_on="2020-01-01"),
     {"wage_arrears": (ARBITRATION, "T2"), "labor_relation_confirmation": (ARBITRATION, "T2")}),
    # T7: referrals outside 人社
    ("T7 every outside code", registration("workplace_safety", "occupational_disease", "unlicensed_business"),
     {"workplace_safety": ("referral", "T7"), "occupational_disease": ("referral", "T7"),
      "unlicensed_business": ("referral", "T7")}),
    # T0: claims already in other proceedings
    ("T0 one claim in arbitration", registration(claim("double_wages", proceedings="arbitration"), "wage_arrears"),
     {"double_wages": ("inform", "T0"), "wage_arrears": (INSPECTION, "T5")}),
    ("T0 complaint-level proceedings apply to every claim",
     registration("wage_arrears", "dismissal_dispute", proceedings="litigation"),
     {"wage_arrears": ("inform", "T0"), "dismissal_dispute": ("inform", "T0")}),
    ("T0 a claim may leave the complaint's proceedings",
     registration(claim("wage_arrears", proceedings="none"), "dismissal_dispute", proceedings="mediation"),
     {"wage_arrears": (INSPECTION, "T5"), "dismissal_dispute": ("inform", "T0")}),
    ("T0 confirmation already in arbitration does not pull the rest (T2 reads active claims)",
     registration(claim("labor_relation_confirmation", proceedings="arbitration"), "wage_arrears"),
     {"labor_relation_confirmation": ("inform", "T0"), "wage_arrears": (INSPECTION, "T5")}),
    # T1: difficult cases, whole complaint to the triage room (T0 claims excepted)
    ("T1 difficult: everything to the triage room",
     registration("wage_arrears", "dismissal_dispute", "workplace_safety", "si_fraud", **DIFFICULT),
     {"wage_arrears": ("triage_room", "T1"), "dismissal_dispute": ("triage_room", "T1"),
      "workplace_safety": ("triage_room", "T1"), "si_fraud": ("triage_room", "T1")}),
    ("T1 needs all three conditions: facts clear",
     registration("wage_arrears", dispute_major=True, facts_clear=True, evidence_sufficient=False),
     {"wage_arrears": (INSPECTION, "T5")}),
    ("T1 needs all three conditions: evidence sufficient",
     registration("wage_arrears", dispute_major=True, facts_clear=False, evidence_sufficient=True),
     {"wage_arrears": (INSPECTION, "T5")}),
    ("T1 needs all three conditions: dispute not major",
     registration("wage_arrears", dispute_major=False, facts_clear=False, evidence_sufficient=False),
     {"wage_arrears": (INSPECTION, "T5")}),
    ("T1 leaves claims in other proceedings to T0",
     registration(claim("double_wages", proceedings="mediation"), "wage_arrears", **DIFFICULT),
     {"double_wages": ("inform", "T0"), "wage_arrears": ("triage_room", "T1")}),
    # T8: 2-year limitation of 劳动保障监察条例 art.20 (received 2026-11-20)
    ("T8 ended exactly two years before receipt: still investigated",
     registration("wage_arrears", **ENDED, violation_ended_on="2024-11-20"), {"wage_arrears": (INSPECTION, "T5")}),
    ("T8 ended two years and one day before receipt: refused",
     registration("wage_arrears", **ENDED, violation_ended_on="2024-11-19"), {"wage_arrears": ("refuse", "T8")}),
    ("T8 ongoing violation is never time-barred",
     registration("wage_arrears", violation_ongoing=True), {"wage_arrears": (INSPECTION, "T5")}),
    ("T8 ended 29 February: the corresponding day is 28 February",
     registration("wage_arrears", **ENDED, violation_ended_on="2024-02-29", received_at="2026-02-28T16:00:00+08:00",
                  employment_ongoing=True),
     {"wage_arrears": (INSPECTION, "T5")}),
    ("T8 ended 29 February: refused from 1 March",
     registration("wage_arrears", **ENDED, violation_ended_on="2024-02-29", received_at="2026-03-01T09:00:00+08:00"),
     {"wage_arrears": ("refuse", "T8")}),
    ("T8 per-claim dates split one complaint three ways",
     registration(claim("wage_arrears", violation_ended_on="2023-06-30"),
                  claim("overtime_violation", violation_ended_on="2026-10-31"), "severance_compensation",
                  **ENDED, violation_ended_on="2023-06-30"),
     {"wage_arrears": ("refuse", "T8"), "overtime_violation": (INSPECTION, "T5"),
      "severance_compensation": (ARBITRATION, "T6")}),
    ("T8 applies to SI enforcement claims that join inspection (T3)",
     registration("wage_arrears", claim("si_contribution_arrears", violation_ended_on="2020-01-01")),
     {"wage_arrears": (INSPECTION, "T5"), "si_contribution_arrears": ("refuse", "T8")}),
    ("T8 does not apply outside inspection (SI audit alone)",
     registration(claim("si_contribution_arrears", violation_ended_on="2020-01-01")),
     {"si_contribution_arrears": (SI_AUDIT, "T4")}),
    ("T8 applies to SI audit claims that join inspection (T3)",
     registration("overtime_violation", claim("si_underpayment", violation_ended_on="2024-11-19")),
     {"overtime_violation": (INSPECTION, "T5"), "si_underpayment": ("refuse", "T8")}),
    ("T8 boundary for a joined SI audit claim: exactly two years is still investigated",
     registration("overtime_violation", claim("si_fraud", violation_ended_on="2024-11-20")),
     {"overtime_violation": (INSPECTION, "T5"), "si_fraud": (INSPECTION, "T3")}),
    ("T8 does not apply to SI audit claims alone",
     registration(claim("si_fraud", violation_ended_on="2020-01-01")), {"si_fraud": (SI_AUDIT, "T4")}),
]


@pytest.mark.parametrize("data,expected", [pytest.param(d, e, id=i) for i, d, e in ROUTING])
def test_routing_rules(shipped, data, expected):
    outcome = triage(shipped, data)
    assert outcome.routes == expected


def test_referrals_name_the_department(shipped):
    outcome = triage(shipped, registration("workplace_safety", "occupational_disease", "unlicensed_business"))
    assert {c: (v["department"], v["department_name"]) for c, v in outcome.claims.items()} == {
        "workplace_safety": ("emergency_management", "应急管理部门"),
        "occupational_disease": ("health", "卫生健康部门"),
        "unlicensed_business": ("market_regulation", "市场监督管理部门")}


def test_waiting_steps_follow_the_routes(shipped):
    assert triage(shipped, registration("wage_arrears")).ready == []
    assert triage(shipped, registration("wage_arrears", **DIFFICULT)).ready == ["分理室审查分流"]
    assert triage(shipped, registration(claim("double_wages", proceedings="arbitration"))).ready == ["告知投诉人按原程序办理"]
    both = triage(shipped, registration(claim("double_wages", proceedings="arbitration"), "wage_arrears", **DIFFICULT))
    assert sorted(both.ready) == sorted(["分理室审查分流", "告知投诉人按原程序办理"])


def wage(amount, months=3, **extra):
    return claim("wage_arrears", amount=amount, months_unpaid=months, **extra)


FLAGS = [
    # F1 urgent
    ("F1 media exposure", registration("overtime_violation", media_exposure=True), {"urgent"}),
    ("F1 mass incident", registration("dismissal_dispute", mass_incident=True), {"urgent"}),
    ("F1 ten workers with wage claims", registration(wage(1000, 1), workers_affected=10), {"urgent"}),
    ("F1 nine workers with wage claims: not urgent", registration(wage(1000, 1), workers_affected=9), set()),
    ("F1 ten workers without wage claims: not urgent", registration("overtime_violation", workers_affected=10), set()),
    # F2 criminal watch: one worker >= 3 months and >= T1 (10 000), or >= 10 workers totalling >= T10 (60 000)
    ("F2 one worker at both thresholds", registration(wage(10000, 3), employer_absconded=True), {"criminal_watch"}),
    ("F2 one worker one cent below T1", registration(wage(9999.99, 3), employer_absconded=True), set()),
    ("F2 one worker two months only", registration(wage(50000, 2), employer_absconded=True), set()),
    ("F2 employer not absconded", registration(wage(50000, 6), employer_absconded=False), set()),
    ("F2 ten workers totalling T10", registration(wage(60000, 1), workers_affected=10, employer_absconded=True),
     {"criminal_watch", "urgent"}),
    ("F2 ten workers one cent below T10", registration(wage(59999.99, 1), workers_affected=10, employer_absconded=True),
     {"urgent"}),
    ("F2 nine workers: the per-worker test, not T10",
     registration(wage(60000, 3), workers_affected=9, employer_absconded=True), set()),
    ("F2 three workers, equal shares reach T1", registration(wage(30000, 3), workers_affected=3, employer_absconded=True),
     {"criminal_watch"}),
    ("F2 breakdown: one worker meets the test",
     registration(wage(18000, 3), workers_affected=5, employer_absconded=True,
                  worker_breakdown=[{"amount": 10000, "months_unpaid": 3}, {"amount": 2000, "months_unpaid": 3},
                                    {"amount": 2000, "months_unpaid": 3}, {"amount": 2000, "months_unpaid": 3},
                                    {"amount": 2000, "months_unpaid": 3}]), {"criminal_watch"}),
    ("F2 breakdown: nobody meets the test although the total is large",
     registration(wage(45000, 6), workers_affected=5, employer_absconded=True,
                  worker_breakdown=[{"amount": 9000, "months_unpaid": 6}] * 5), set()),
    ("F2 wage claim already in litigation", registration(wage(50000, 6, proceedings="litigation"),
                                                         employer_absconded=True), set()),
    # F3 regulator
    ("F3 housing construction wage claim", registration(
        "wage_arrears", employer={"project": {"name": "某小区二期", "type": "housing_construction"}}), {"notify_regulator"}),
    ("F3 other project type", registration("wage_arrears", employer={"project": {"name": "某厂房", "type": "other"}}), set()),
    ("F3 only non-wage claims on a project", registration(
        "overtime_violation", employer={"project": {"name": "某公路", "type": "transport"}}), set()),
]


@pytest.mark.parametrize("data,expected", [pytest.param(d, e, id=i) for i, d, e in FLAGS])
def test_flags(shipped, data, expected):
    assert triage(shipped, data).flags == expected


@pytest.mark.parametrize("project_type,code,name", [
    ("housing_construction", "housing", "住房和城乡建设主管部门"), ("transport", "transport", "交通运输主管部门"),
    ("water_conservancy", "water", "水利主管部门"), ("power", "power", "电力主管部门"), ("energy", "energy", "能源主管部门")])
def test_regulator_per_project_type(shipped, project_type, code, name):
    outcome = triage(shipped, registration("wage_arrears", employer={"project": {"name": "工程", "type": project_type}}))
    assert outcome.flags == {"notify_regulator"}
    assert (outcome.payload["regulator_code"], outcome.payload["regulator_name"]) == (code, name)


def test_default_thresholds_and_flag_rules(shipped):
    outcome = triage(shipped, registration(wage(60000, 4), workers_affected=12, employer_absconded=True,
                                           media_exposure=True,
                                           employer={"project": {"name": "某桥", "type": "transport"}}))
    assert (outcome.payload["t1"], outcome.payload["t10"]) == (10000, 60000)
    assert outcome.flags == {"urgent", "criminal_watch", "notify_regulator"}
    assert outcome.payload["flag_rules"] == ["F1", "F2", "F3"]


def test_years_after_follows_the_civil_code():
    from datetime import date
    assert years_after("2024-11-20", 2) == date(2026, 11, 20)
    assert years_after("2024-02-29", 2) == date(2026, 2, 28)
    assert years_after("2024-02-29", 4) == date(2028, 2, 29)
    assert years_after(datetime(2024, 12, 31, 20, 0, tzinfo=clock.CHINA_TZ), 1) == date(2025, 12, 31)


# ------------------------------------------------------------------------------------------------
# Changing a table row changes routing, with no Python change
# ------------------------------------------------------------------------------------------------

def _shipped_text(name: str) -> str:
    return (ROOT / "bpmn" / "dmn" / name).read_text(encoding="utf-8")


def test_a_catalogue_row_reroutes_a_code():
    text = _shipped_text("issue_codes.dmn")
    row = ('<outputEntry id="issue_catalog_r12_o2"><text>"labour_standard"</text></outputEntry>')
    assert row in text  # personal_info_leak
    changed = text.replace(row, '<outputEntry id="issue_catalog_r12_o2"><text>"outside"</text></outputEntry>').replace(
        '<outputEntry id="issue_catalog_r12_o4"><text>None</text></outputEntry>',
        '<outputEntry id="issue_catalog_r12_o4"><text>"cyberspace"</text></outputEntry>').replace(
        '<outputEntry id="issue_catalog_r12_o5"><text>None</text></outputEntry>',
        '<outputEntry id="issue_catalog_r12_o5"><text>"网信部门"</text></outputEntry>')
    modified = build({"issue_codes.dmn": changed})
    outcome = triage(modified, registration("personal_info_leak"))
    assert outcome.routes == {"personal_info_leak": ("referral", "T7")}
    assert outcome.claims["personal_info_leak"]["department_name"] == "网信部门"


def test_a_triage_row_changes_the_outcome(shipped):
    # A process owner reads T3 narrowly (audit codes always open an si_audit case): two entries change, no code.
    text = _shipped_text("triage.dmn")
    old = '<inputEntry id="triage_r8_i3"><text>? in ("si_enforcement", "si_audit")</text></inputEntry>'
    assert old in text
    changed = text.replace(old, '<inputEntry id="triage_r8_i3"><text>"si_enforcement"</text></inputEntry>')
    changed = changed.replace('<inputEntry id="triage_r11_i5"><text>False</text></inputEntry>',
                              '<inputEntry id="triage_r11_i5"><text>-</text></inputEntry>')
    changed = changed.replace('<inputEntry id="triage_r9_i3"><text>? in ("si_enforcement", "si_audit")</text></inputEntry>',
                              '<inputEntry id="triage_r9_i3"><text>"si_enforcement"</text></inputEntry>')
    data = registration("wage_arrears", "si_fraud")
    assert triage(shipped, data).routes == {"wage_arrears": (INSPECTION, "T5"), "si_fraud": (INSPECTION, "T3")}
    outcome = triage(build({"triage.dmn": changed}), data)
    assert outcome.routes == {"wage_arrears": (INSPECTION, "T5"), "si_fraud": (SI_AUDIT, "T4")}


def test_thresholds_are_configuration(shipped):
    text = _shipped_text("criminal_thresholds.dmn")
    province = text.replace('<rule id="criminal_thresholds_r1">', (
        '<rule id="criminal_thresholds_henan"><description>示例：本省标准</description>'
        '<inputEntry id="henan_i1"><text>"zz" in ?</text></inputEntry>'
        '<outputEntry id="henan_o1"><text>20000</text></outputEntry>'
        '<outputEntry id="henan_o2"><text>100000</text></outputEntry></rule>\n      <rule id="criminal_thresholds_r1">'))
    modified = build({"criminal_thresholds.dmn": province})
    data = registration(wage(15000, 3), employer_absconded=True)
    assert triage(shipped, data).flags == {"criminal_watch"}  # shipped default: T1 = 10 000
    assert triage(modified, data).flags == set()  # the province row: T1 = 20 000
    assert triage(modified, registration(wage(20000, 3), employer_absconded=True)).flags == {"criminal_watch"}


def test_thresholds_outside_the_statutory_range_stop_triage():
    text = _shipped_text("criminal_thresholds.dmn").replace("<text>10000</text>", "<text>3000</text>")
    bundle, catalog = build({"criminal_thresholds.dmn": text})
    with pytest.raises(runner.EngineError, match="超出法定区间"):
        run(bundle, variables_for(registration("wage_arrears"), catalog))


def test_a_claim_without_a_route_is_reported_not_dropped(shipped):
    bundle, catalog = shipped
    variables = variables_for(registration("wage_arrears"), catalog)
    variables["claims"].append({"code": "made_up", "amount": None, "months_unpaid": None, "proceedings": "none",
                                "violation_ended_on": None})
    with pytest.raises(runner.EngineError, match="给出了0个去向"):
        run(bundle, variables)


def test_catalogue_comes_from_the_tables(shipped):
    _bundle, catalog = shipped
    assert len(catalog.issue_codes) == 24
    assert catalog.issue_codes["si_contribution_arrears"].group == "si_enforcement"
    assert catalog.issue_codes["wage_arrears"].wage and not catalog.issue_codes["double_wages"].wage
    assert set(catalog.project_types) == {"housing_construction", "transport", "water_conservancy", "power", "energy",
                                          "other"}
