"""Fuzzing every operation of the OpenAPI document (schemathesis, in-process WSGI): no 5xx, ever.

The budget is bounded and the run reproducible (``derandomize``): a few schema-conforming and a few
schema-violating requests per operation and database. ``CASEFLOW_FUZZ_EXAMPLES`` raises the budget for a
longer local run. Requests are made as a user holding many roles (administrator, process owner,
inspector, division head, clerk) so that they get past authorization into the code behind it.
"""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from workflow_app.platform.identity import directory as identity
from workflow_app.platform.persistence.database import in_transaction

from .conftest import start

EXAMPLES = int(os.environ.get("CASEFLOW_FUZZ_EXAMPLES", "4"))
FUZZ_GROUPS = ["zz/bureau/administrator", "zz/bureau/process_owner", "zz-jinshui/inspection/inspector",
               "zz-jinshui/inspection/division_head", "zz-jinshui/intake/intake_clerk"]


@pytest.fixture
def fuzz_token(app, db, client_for):
    def run(s):
        identity.create_user(s, "fuzzer", "模糊测试")
        for key in FUZZ_GROUPS:
            identity.add_membership(s, "fuzzer", key)
        return identity.create_token(s, "fuzzer", "fuzz")[1]
    secret = in_transaction(db, run)
    start(client_for("admin"), business_key="FUZZ-1")  # something for list endpoints to return
    return secret


def test_no_operation_answers_with_a_server_error(app, fuzz_token):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    headers = {"Authorization": f"Bearer {fuzz_token}"}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                response = case.call(headers=headers)
                if response.status_code >= 500:
                    failures.append(f"{operation.method.upper()} {operation.path} [{mode.value}] -> "
                                    f"{response.status_code}: {case.path_parameters} {case.query} "
                                    f"{str(case.body)[:200]}")

            try:
                check()
            except Unsatisfiable:
                continue  # e.g. no way to violate an operation that takes no input
    assert not failures, "\n".join(failures)
