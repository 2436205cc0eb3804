"""The composition root: one configuration reader, one clock, one Keys, one sealed token."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from spiegel.cli import main
from spiegel.config import Config, ConfigError, build_settings
from spiegel.db import open_store
from spiegel.db.base import Store
from spiegel.security.cipher import BUCKET, ENCRYPTED, FieldCipher
from spiegel.security.keys import Keys
from starlette.testclient import TestClient

from .conftest import ROOT
from .test_endpoint import SIGNUP, app_for, services_for
from .test_forms import VALID

README = (ROOT / "README.md").read_text()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = open_store(database_url)
    s.migrate()
    yield s
    s.close()


def test_every_variable_of_the_readme_is_read_by_the_configuration() -> None:
    table = README[README.index("| `SPIEGEL_DATABASE_URL`") :].split("\n\n")[0]
    names = set(re.findall(r"`(SPIEGEL_[A-Z_<>]+)`", table))
    source = (ROOT / "scripts" / "spiegel" / "config.py").read_text()
    missing = [n for n in sorted(names) if n.replace("<FORM>", "") not in source]
    assert len(names) > 25 and not missing


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as info:
        Config.from_env(
            {
                "SPIEGEL_CONTENT_DIR": str(ROOT / "content"),
                "SPIEGEL_FORMS_DIR": str(ROOT / "forms"),
                "SPIEGEL_RATE_LIMIT": "veel",
                "SPIEGEL_TODAY": "morgen",
                "SPIEGEL_REMIND_DAYS": "-1",
                "SPIEGEL_MAIL_FROM": "geen-adres",
            }
        )
    text = str(info.value)
    for name in ("RATE_LIMIT", "TODAY", "REMIND_DAYS", "MAIL_FROM"):
        assert f"SPIEGEL_{name}:" in text
    assert len(info.value.problems) == 4


def test_the_build_reads_only_its_own_two_variables() -> None:
    got = build_settings({"SPIEGEL_TODAY": "2026-11-22", "SPIEGEL_ENV": "production"})
    assert got.today == dt.date(2026, 11, 22) and got.production
    with pytest.raises(ConfigError):
        build_settings({"SPIEGEL_TODAY": "22-11-2026"})


def test_the_endpoint_honours_spiegel_today(database_url: str) -> None:
    """The form's date limits follow the one clock (SPIEGEL_TODAY), not the system's date."""
    app = app_for(database_url, today=dt.date(2030, 1, 1))
    with TestClient(app) as c:
        r = c.post("/api/forms/spiegelbijeenkomst", json=SIGNUP)  # a session in 2027: past now
        assert r.status_code == 422, r.text
    app.state.store.close()


# ---------------------------------------------------------------- keys


def _old_mac(key: str, text: str) -> str:
    """The derivation before Keys (security/cipher.py FieldCipher.mac), written out."""
    mac_key = hashlib.sha256(b"spiegel-unique:" + key.encode()).digest()
    return hmac.new(mac_key, text.encode(), hashlib.sha256).hexdigest()


def test_with_a_key_every_hash_issued_before_still_verifies(store: Store) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    keys = Keys.of(f"{new},{old}", store)  # after a rotation: the oldest key keys the hashes
    form, session = "spiegelbijeenkomst", SIGNUP["sessie"]
    assert keys.seat(form, session) == _old_mac(old, f"{form}\x00capacity\x00{session}")
    assert keys.one_response("x", "s", " abc ") == _old_mac(old, "x\x00s\x00ABC")
    assert keys.invitation("ABCD") == _old_mac(old, "spiegel-invite\x00ABCD")
    assert keys.link() == hashlib.sha256(b"spiegel-link:" + old.encode()).digest()
    assert store.secret("link") not in str(keys.link())  # the database secret is not used


def test_without_a_key_nothing_is_a_plain_hash(store: Store, database_url: str) -> None:
    """One rule: the database's own random secret keys everything (development)."""
    keys = Keys.of(None, store)
    code = "ABCDEFGHJKMN"
    assert keys.invitation(code) != hashlib.sha256(f"spiegel-invite\x00{code}".encode()).hexdigest()
    assert keys.one_response("f", "s", "x") != hashlib.sha256(b"f\x00s\x00X").hexdigest()
    assert keys.seat("f", "2027-01-a") != "2027-01-a"
    # every process over the same database agrees (the CLI, another instance)
    other = open_store(database_url)
    try:
        assert Keys.of(None, other).invitation(code) == keys.invitation(code)
        assert Keys.of(None, other).link() == keys.link()
    finally:
        other.close()
    # and the purposes are apart
    assert len({keys.derive("unique"), keys.derive("link"), keys.derive("x")}) == 3


# ---------------------------------------------------------------- one sealed token


def test_a_payload_is_one_token_without_names_or_lengths() -> None:
    cipher = FieldCipher(Fernet.generate_key().decode())
    short = cipher.seal({"naam": "A", "opmerking": ""})
    long = cipher.seal({"naam": "Anna de Vries-van den Berg", "opmerking": "x" * 200})
    assert list(short) == list(long) == ["_sealed"]
    assert len(short["_sealed"]) == len(long["_sealed"])  # the same bucket
    assert "naam" not in short["_sealed"] and "opmerking" not in long["_sealed"]
    assert cipher.open(long)["opmerking"] == "x" * 200
    bigger = cipher.seal({"opmerking": "x" * (BUCKET + 10)})
    assert len(bigger["_sealed"]) > len(long["_sealed"])  # the next bucket
    with pytest.raises(ValueError):  # KeyMismatch: another key
        FieldCipher(Fernet.generate_key().decode()).open(long)


def test_old_rows_with_a_token_per_value_still_open_and_rekey_converts_them(
    cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = Fernet.generate_key().decode()
    services = services_for(cli_env, encryption_key=key)
    cipher, form = services.cipher, services.registry.forms()["vvg"]
    assert cipher is not None
    clean = dict(VALID["vvg"])
    sub, errors = services.registry.prepare(form, clean, None)  # plain, then sealed the old way
    assert sub is not None and not errors
    old = {ENCRYPTED: "1", **{k: cipher.encrypt(v) for k, v in sub.payload.items()}}
    rid = services.store.submit(sub._replace(payload=old)).id
    assert cipher.open(services.store.submission(rid).payload) == sub.payload  # type: ignore[union-attr]
    monkeypatch.setenv("SPIEGEL_ENCRYPTION_KEY", key)
    out = io.StringIO()
    assert main(["rekey"], out) == 0
    row: Any = services.store.submission(rid)
    assert list(row.payload) == ["_sealed"] and cipher.open(row.payload) == sub.payload
    services.store.close()


def test_rekey_without_a_key_converts_seat_ids_of_older_development_databases(
    cli_env: str,
) -> None:
    """Development databases from before held the session id as the seat key; `spiegel rekey`
    (no key needed) turns them into the keyed hash, so their seats count again."""
    services = services_for(cli_env)
    form = services.registry.forms()["spiegelbijeenkomst"]
    sub, errors = services.registry.prepare(form, dict(SIGNUP), None)
    assert sub is not None and not errors
    rid = services.store.submit(sub._replace(capacity_key=SIGNUP["sessie"])).id  # as before
    out = io.StringIO()
    assert main(["rekey"], out) == 0 and "1 plaats(en)" in out.getvalue()
    row: Any = services.store.submission(rid)
    assert row.capacity_key == services.keys.seat(form.id, SIGNUP["sessie"])
    services.store.close()


def test_one_services_object_per_process(database_url: str) -> None:
    """create_app takes the process's services: one store, one registry, one cipher."""
    services = services_for(database_url, encryption_key=Fernet.generate_key().decode())
    from spiegel.web.app import create_app

    app = create_app(services)
    assert app.state.store is services.store and app.state.registry is services.registry
    assert app.state.cipher is services.cipher and app.state.services is services
    services.store.close()


def test_services_is_built_only_by_the_entry_points() -> None:
    package = ROOT / "scripts" / "spiegel"
    builders = sorted(
        p.relative_to(package).as_posix()
        for p in package.rglob("*.py")
        if re.search(r"Services\.(from_env|build)\(", p.read_text()) and p.name != "services.py"
    )
    assert builders == ["cli/common.py", "serve.py", "web/asgi.py", "web/lambda_handler.py"]
