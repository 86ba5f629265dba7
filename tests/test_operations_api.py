"""The operations API (docs/operations.md): dry run, migration with a result per instance, runs, live figures."""
from __future__ import annotations

from tests.services import support
from tests.services.test_operations import KEY, deploy, diagram


def test_dry_run_migrate_and_read_the_run_over_http(as_user, db):
    deploy(db, diagram())
    first = support.start(db, KEY, business_key="A1")
    deploy(db, diagram(added=True, b_form="t_form2.json"))
    deploy(db, diagram(without_a=True))
    owner = as_user("owner")

    dry = owner.post(f"/api/processes/{KEY}/migrations/dry-run", json={"source_version": 1, "target_version": 3})
    assert dry.status_code == 200, dry.json
    assert dry.json["movable"] == 0 and dry.json["candidates"][0]["obstacles"][0]["code"] == "removed_active"

    run = owner.post(f"/api/processes/{KEY}/migrations", json={"source_version": 1, "target_version": 2,
                                                               "instance_ids": [first.id], "batch_size": 10})
    assert run.status_code == 201, run.json
    assert (run.json["status"], run.json["migrated"], run.json["results"][0]["status"]) == ("finished", 1, "migrated")
    again = owner.get(f"/api/migrations/{run.json['id']}")
    assert again.json["results"][0]["business_key"] == "A1"
    assert [r["id"] for r in owner.get(f"/api/processes/{KEY}/migrations").json] == [run.json["id"]]

    live = owner.get(f"/api/processes/{KEY}/live?version=2")
    assert live.status_code == 200 and live.json["elements"]["a"]["tasks"] == 1
    assert live.json["elements"]["reply"]["messages"] == 1


def test_bad_requests_are_refused_with_problems(as_user, db):
    deploy(db, diagram())
    support.start(db, KEY, business_key="A2")
    deploy(db, diagram(added=True))
    same = as_user("owner").post(f"/api/processes/{KEY}/migrations", json={"source_version": 2, "target_version": 2})
    assert same.status_code == 422 and same.json["title"]
    assert as_user("inspector").post(f"/api/processes/{KEY}/migrations/dry-run",
                                     json={"source_version": 1, "target_version": 2}).status_code == 403
    assert as_user("owner").post(f"/api/processes/{KEY}/migrations",
                                 json={"source_version": 1, "target_version": 2, "batch_size": 0}).status_code == 422
    assert as_user("owner").get("/api/migrations/999").status_code == 404
    assert as_user("owner").get(f"/api/processes/{KEY}/live?version=2").json["running"] == 0
