"""Shared fixtures: a copy of the real project in tmp_path, real builds, both stores."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import hypothesis
import pytest

ROOT = Path(__file__).resolve().parents[1]
TODAY = "2026-11-22"  # builds in tests are pinned to this date (SPIEGEL_TODAY)
PG_URL = os.environ.get("SPIEGEL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI") == "true"

# Property tests: under CI one fixed, derandomized run with no example database, so a red CI
# always means a real defect (never a seed that happened to hit, replayed from .hypothesis/);
# locally the exploring profile keeps finding new cases. HYPOTHESIS_PROFILE picks one by hand.
hypothesis.settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis.settings.register_profile("explore", print_blob=True)
hypothesis.settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "explore")
)


@dataclass
class Project:
    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def site(self) -> Path:
        return self.root / "build" / "site"

    def edit(self, rel: str, old: str, new: str) -> None:
        path = self.root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def build(self, today: str = TODAY) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, SPIEGEL_TODAY=today, NO_MKDOCS_2_WARNING="1")
        return subprocess.run(
            [sys.executable, "-m", "mkdocs", "build"],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    def raw_page(self, url: str) -> str:
        return (self.site / url.strip("/") / "index.html").read_text(encoding="utf-8")

    def page(self, url: str) -> str:
        """The built page without the soft hyphens the build adds (so tests can search words)."""
        return self.raw_page(url).replace("\u00ad", "")


def copy_project(dest: Path) -> Project:
    for name in ("content", "forms", "overrides"):
        shutil.copytree(
            ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", "results")
        )
    shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")  # the plugin comes from the package
    return Project(dest)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """One real build of the real content, shared by read-only tests."""
    p = copy_project(tmp_path_factory.mktemp("built") / "project")
    result = p.build()
    assert result.returncode == 0, result.stderr
    return p


def pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3):
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_ok() -> bool:
    ok = pg_available()
    if not ok and IN_CI:
        pytest.fail(f"PostgreSQL is not reachable at {PG_URL}; CI must test both stores")
    return ok


@pytest.fixture
def pg_url(pg_ok: bool) -> Iterator[str]:
    """A fresh schema in the test database; dropped afterwards."""
    if not pg_ok:
        pytest.skip("PostgreSQL not reachable (outside CI)")
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'spiegel.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The environment the `spiegel` command reads: this test's database, the real content."""
    monkeypatch.setenv("SPIEGEL_DATABASE_URL", database_url)
    monkeypatch.setenv("SPIEGEL_CONTENT_DIR", str(ROOT / "content"))
    monkeypatch.setenv("SPIEGEL_FORMS_DIR", str(ROOT / "forms"))
    monkeypatch.setenv("SPIEGEL_ACTOR", "test-medewerker")
    monkeypatch.delenv("SPIEGEL_ENCRYPTION_KEY", raising=False)
    return database_url
