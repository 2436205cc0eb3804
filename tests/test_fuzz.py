"""Issue 11 #15: the OpenAPI document describes what the endpoint accepts, and a property-based
fuzzer driven by it (Schemathesis) finds no 5xx and no 4xx without the security headers.

Schemathesis generates bodies for every operation (one per form), for JSON and for HTML form
posts, schema-valid and schema-invalid, from the document the endpoint itself serves.
"""

from __future__ import annotations

import tempfile
from typing import Any

import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from spiegel.mailsettings import MailSettings
from spiegel.web.replies import SECURITY_HEADERS
from starlette.testclient import TestClient

from .test_endpoint import app_for
from .test_forms import VALID

_DIR = tempfile.TemporaryDirectory(prefix="spiegel-fuzz-")
# no daily cap of sign-ups per client (issue 10): every fuzzed post comes from the same client
APP = app_for(
    f"sqlite:///{_DIR.name}/db.sqlite3", min_fill_seconds=0, mail=MailSettings(signups_per_day=0)
)
SCHEMA = schemathesis.openapi.from_asgi("/api/openapi.json", APP)
CANCEL = "/api/afmelden/{token}"  # the personal cancel link: its token cannot be guessed
OPERATIONS = {op.label: op for op in (r.ok() for r in SCHEMA.get_all_operations())}
DOC = TestClient(APP).get("/api/openapi.json").json()
# a real sign-up the fuzzer must not be able to cancel by guessing its link
SIGNED_UP = TestClient(APP).post("/api/forms/spiegelbijeenkomst", json=VALID["spiegelbijeenkomst"])


def teardown_module() -> None:
    APP.state.store.close()
    _DIR.cleanup()


def test_one_operation_per_form() -> None:
    forms = {f"POST /api/forms/{fid}" for fid in APP.state.registry.forms()}
    others = {"GET /api/forms", "GET /api/health", "GET /api/sessions"}
    cancel = {f"GET {CANCEL}", f"POST {CANCEL}"}
    assert len(forms) == 5 and set(OPERATIONS) == forms | others | cancel


CASES = [(label, GenerationMode.POSITIVE) for label in sorted(OPERATIONS)] + [
    (label, GenerationMode.NEGATIVE) for label in sorted(OPERATIONS) if label.startswith("POST")
]


@pytest.mark.parametrize(("label", "mode"), CASES)
def test_fuzz(label: str, mode: GenerationMode) -> None:
    op = OPERATIONS[label]

    @given(case=op.as_strategy(generation_mode=mode))
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        r = case.call()
        assert r.status_code < 500, (case.body, r.status_code, r.text[:300])
        if r.status_code >= 400:
            for name, value in SECURITY_HEADERS.items():
                assert r.headers.get(name) in (value, [value]), (r.status_code, name)
        documented = DOC["paths"][op.path][op.method.lower()]["responses"]
        assert str(r.status_code) in documented, (label, r.status_code)
        header = r.headers.get("content-type") or [""]
        content_type = (header[0] if isinstance(header, list) else header).split(";")[0]
        if str(r.status_code) in documented and "content" in documented[str(r.status_code)]:
            assert content_type in documented[str(r.status_code)]["content"], (label, r.status_code)
        if op.path == CANCEL:  # a guessed token finds nothing (403: a foreign origin's post)
            assert r.status_code in (403, 404), (case.path_parameters, r.status_code)

    run()


@pytest.mark.parametrize("form_id", sorted(VALID))
def test_documented_schema_matches_the_server(form_id: str) -> None:
    """The finding: {"naam": ""} was schema-valid and answered 422. Now the schema refuses
    what the server refuses, and accepts the bodies the server accepts."""
    client = TestClient(APP)
    for variant in (form_id, f"{form_id}-form"):
        schema = {**DOC["components"]["schemas"][variant], "components": DOC["components"]}
        jsonschema.validate(VALID[form_id], schema)
        assert client.post(f"/api/forms/{form_id}", json=VALID[form_id]).status_code == 201
        for bad in ({**VALID[form_id], "naam": ""}, {**VALID[form_id], "x": "y"}, {}):
            if bad == {**VALID[form_id], "naam": ""} and "naam" not in VALID[form_id]:
                continue
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.validate(bad, schema)
            assert client.post(f"/api/forms/{form_id}", json=bad).status_code == 422


def test_sessions_answer_as_documented() -> None:
    r = TestClient(APP).get("/api/sessions")
    schema = DOC["paths"]["/api/sessions"]["get"]["responses"]["200"]["content"]
    assert r.status_code == 200 and r.json()["sessions"]
    jsonschema.validate(r.json(), schema["application/json"]["schema"])


def test_fuzzing_the_cancel_link_cancelled_nothing() -> None:
    """Runs after the fuzzing above (file order): the real sign-up is still there."""
    assert SIGNED_UP.status_code == 201
    row = APP.state.store.submission(SIGNED_UP.json()["id"])
    assert row is not None and row.status == "confirmed"
