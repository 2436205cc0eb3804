"""Property-based tests: arbitrary bodies to every form never give a 5xx or unescaped HTML."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from .test_endpoint import app_for

FORMS = [
    "spiegelbijeenkomst",
    "vvg",
    "groepsevaluatie",
    "collegiale-ondersteuning",
    "gluren-bij-de-buren",
    "nope",
]
FIELDS = [
    "naam",
    "email",
    "telefoon",
    "sessie",
    "rol",
    "s01",
    "evaluatie",
    "respondentgroep",
    "code",
    "akkoord_gegevens",
    "website",
    "_elapsed",
    "x",
    "toelichting_samenwerking",
]
MARK = "<b\"'>&"
text = st.text(min_size=0, max_size=80) | st.sampled_from(
    ["", MARK, "2027-01-cardiologie", "patient", "3", "nvt"]
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = Path(tmp_path_factory.mktemp("prop")) / "db.sqlite3"
    app = app_for(f"sqlite:///{db}", min_fill_seconds=0)
    with TestClient(app, raise_server_exceptions=True) as c:
        yield c
    app.state.store.close()


def check(r: object, body: dict[str, object]) -> None:
    status = r.status_code  # type: ignore[attr-defined]
    assert status < 500, status
    assert status in (201, 303, 404, 413, 415, 422)
    if "text/html" in r.headers.get("content-type", ""):  # type: ignore[attr-defined]
        html = r.text  # type: ignore[attr-defined]
        assert '<b"' not in html  # the marker never appears unescaped
        assert "<script" not in html.lower()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    form=st.sampled_from(FORMS),
    body=st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), text, max_size=10),
)
def test_urlencoded_bodies(client: TestClient, form: str, body: dict[str, str]) -> None:
    body = {k: (v + "<script>" if k == "naam" else v) for k, v in body.items()}
    r = client.post(
        f"/api/forms/{form}",
        content=urlencode(body).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    check(r, body)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    form=st.sampled_from(FORMS),
    body=st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), json_values, max_size=10),
)
def test_json_bodies(client: TestClient, form: str, body: dict[str, object]) -> None:
    r = client.post(
        f"/api/forms/{form}",
        content=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
    )
    check(r, body)
    if r.status_code == 422:
        errors = r.json()["errors"]
        assert all(
            isinstance(v, list) and all(isinstance(m, str) for m in v) for v in errors.values()
        )


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    raw=st.binary(max_size=300),
    ctype=st.sampled_from(["application/json", "application/x-www-form-urlencoded"]),
)
def test_raw_bytes(client: TestClient, raw: bytes, ctype: str) -> None:
    r = client.post(
        "/api/forms/vvg", content=raw, headers={"content-type": ctype}, follow_redirects=False
    )
    assert r.status_code < 500
