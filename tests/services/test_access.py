"""Identity and access (``platform/identity/access.py``, ``directory.py``): who sees which case and task,
who supervises, what grants open, who may start, deploy and grant roles (docs/security.md)."""
from __future__ import annotations

import pytest

from tests.services import support
from workflow_app.platform.errors import Forbidden, Invalid, NotFound, Unauthenticated
from workflow_app.platform.identity import access, directory as identity
from workflow_app.platform.identity.directory import Principal
from workflow_app.platform.runtime import instances as runtime

pytestmark = pytest.mark.usefixtures("colleagues")


@pytest.fixture
def case(db):
    """A 金水区 inspection case with its acceptance task open."""
    return support.start(db, business_key="ACC-1")


def sees(db, principal: Principal, business_key: str) -> bool:
    with db.transaction() as s:
        return access.can_see_case(s, principal, business_key)


def sees_task(db, principal: Principal, task_id: str) -> bool:
    with db.transaction() as s:
        try:
            runtime.visible_task(s, principal, task_id)
        except NotFound:
            return False
        return True


def grant(db, case, bureau: str, body: str, kind: str = "transfer"):
    with db.transaction() as s:
        return access.grant_case_access(s, "admin", s.merge(case), bureau, body, kind=kind)


def test_the_handling_body_of_the_cases_district_sees_the_case(db, who, case):
    assert sees(db, who("inspector"), case.business_key)
    with db.transaction() as s:
        assert access.visible_instance(s, who("inspector"), case.id).id == case.id


def test_the_same_body_of_another_district_does_not_see_the_case(db, who, case):
    assert not sees(db, who("erqi_inspector"), case.business_key)
    with pytest.raises(NotFound), db.transaction() as s:
        access.visible_instance(s, who("erqi_inspector"), case.id)


def test_another_body_of_the_same_bureau_does_not_see_the_case(db, who, case):
    assert not sees(db, who("auditor"), case.business_key)


def test_leadership_oversees_the_cases_of_its_bureau_and_the_city_those_of_its_districts(db, who, case):
    assert sees(db, who("leader"), case.business_key)
    assert sees(db, who("city_leader"), case.business_key)


def test_an_administrator_reads_only_the_cases_of_the_bureaus_it_administers(db, who, case):
    assert sees(db, who("admin"), case.business_key)  # the city's administrator
    assert not sees(db, who("erqi_admin"), case.business_key)


def test_the_police_see_a_case_only_once_it_is_granted_to_them(db, who, case):
    assert not sees(db, who("police"), case.business_key)
    grant(db, case, "zz-jinshui", "police", kind="police_transfer")
    assert sees(db, who("police"), case.business_key)


def test_a_grant_lets_another_body_see_the_case(db, who, case):
    grant(db, case, "zz-jinshui", "si_audit")
    assert sees(db, who("auditor"), case.business_key)


def test_granting_twice_keeps_one_active_grant(db, case):
    first, second = grant(db, case, "zz-jinshui", "si_audit"), grant(db, case, "zz-jinshui", "si_audit")
    assert first.id == second.id


def test_a_revoked_grant_hides_the_case_again(db, who, case):
    given = grant(db, case, "zz-jinshui", "si_audit")
    with db.transaction() as s:
        access.revoke_case_access(s, "admin", s.merge(given))
    assert not sees(db, who("auditor"), case.business_key)


def test_an_unknown_grant_kind_is_invalid(db, case):
    with pytest.raises(Invalid):
        grant(db, case, "zz-jinshui", "si_audit", kind="friendship")


def test_a_task_is_seen_by_its_group_and_supervisors_but_not_by_other_bodies(db, who, case):
    acceptance = support.task(db, case.business_key)
    assert sees_task(db, who("inspector2"), acceptance.id)
    assert sees_task(db, who("head"), acceptance.id)
    assert not sees_task(db, who("clerk"), acceptance.id)
    assert not sees_task(db, who("erqi_inspector"), acceptance.id)


def test_the_division_head_supervises_the_tasks_of_its_body_and_leadership_those_of_the_bureau(db, who, case):
    acceptance = support.task(db, case.business_key)
    assert access.supervises(who("head"), acceptance)
    assert access.supervises(who("leader"), acceptance)
    assert not access.supervises(who("inspector"), acceptance)
    assert not access.supervises(who("arb_head"), acceptance)  # the head of another body


def test_members_of_a_district_start_cases_there_but_not_in_another_district(db, who):
    with db.transaction() as s:
        parents = identity.parent_map(s)
    access.require_can_start(who("clerk"), "zz-jinshui", parents)
    with pytest.raises(Forbidden):
        access.require_can_start(who("clerk"), "zz-erqi", parents)
    access.require_can_start(who("admin"), "zz-erqi", parents)  # the city's administrator


def test_only_a_process_owner_of_the_top_level_bureau_deploys(db, who):
    district_owner = Principal("district_owner", "区流程管理员", frozenset({"zz-jinshui/bureau/process_owner"}))
    with db.transaction() as s:
        access.require_can_deploy(s, who("owner"))
        for refused in (who("admin"), who("clerk"), district_owner):  # administrators do not deploy either
            with pytest.raises(Forbidden):
                access.require_can_deploy(s, refused)


def test_only_the_installations_administrator_grants_the_process_owner_role(db, who):
    with db.transaction() as s:
        access.require_can_grant(s, who("admin"), "zz/bureau/process_owner")
        with pytest.raises(Forbidden):
            access.require_can_grant(s, who("erqi_admin"), "zz-erqi/bureau/process_owner")
        access.require_can_grant(s, who("erqi_admin"), "zz-erqi/inspection/inspector")


def test_a_token_authenticates_its_user_with_their_groups(db):
    with db.transaction() as s:
        _, secret = identity.create_token(s, "inspector", "测试令牌")
    with db.transaction() as s:
        principal = identity.authenticate_token(s, secret)
    assert (principal.username, principal.groups) == ("inspector", frozenset({"zz-jinshui/inspection/inspector"}))


def test_a_revoked_token_no_longer_authenticates(db):
    with db.transaction() as s:
        token, secret = identity.create_token(s, "inspector", "测试令牌")
    with db.transaction() as s:
        identity.revoke_token(s, token.prefix)
    with pytest.raises(Unauthenticated), db.transaction() as s:
        identity.authenticate_token(s, secret)


def test_a_weak_password_is_refused_with_every_problem_named(db):
    with pytest.raises(Invalid) as raised, db.transaction() as s:
        identity.create_user(s, "newcomer", "新同事", password="abc")
    problems = raised.value.extra["errors"]["password"]
    assert "密码至少10位" in problems and "密码须同时包含字母和数字" in problems
