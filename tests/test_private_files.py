"""Every file Spiegel writes with personal data or codes is the owner's alone, whatever the umask
(issue 19 "Files with personal data are private", issue 20 #12): exports (csv, data, xlsx), the
invitation-code sheet, .eml files and printed letters; an older, wider file is narrowed."""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from spiegel.cli import main
from spiegel.db import open_store
from spiegel.db.base import Submission
from spiegel.mailsettings import MailSettings
from spiegel.outbox.worker import make_sender
from spiegel.security.files import open_private, private_dir, touch_private, write_private

from .test_endpoint import services_for


@pytest.fixture
def wide_umask() -> Iterator[None]:
    old = os.umask(0)  # the worst case: everything created world-readable and writable
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(
    "args",
    [
        ["export", "spiegelbijeenkomst", "-o", "{out}/export.csv"],
        ["export", "vvg", "--format", "data", "-o", "{out}/data.csv"],
        ["export", "spiegelbijeenkomst", "--format", "xlsx", "-o", "{out}/export.xlsx"],
        [
            "invite",
            "cardiologie-2026",
            "--group",
            "managers",
            "--slips",
            "3",
            "--deadline",
            "2030-12-31",
            "--out",
            "{out}/strookjes.html",
        ],
    ],
    ids=["csv", "data", "xlsx", "slips"],
)
def test_cli_files_are_owner_only(
    cli_env: str, tmp_path: Path, wide_umask: None, args: list[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    argv = [a.format(out=out) for a in args]
    assert main(argv, io.StringIO()) == 0
    [written] = list(out.iterdir())
    assert mode(written) == 0o600, oct(mode(written))


def test_an_older_wider_export_is_narrowed(cli_env: str, tmp_path: Path, wide_umask: None) -> None:
    target = tmp_path / "export.csv"
    target.write_text("oud")
    target.chmod(0o644)
    assert main(["export", "vvg", "-o", str(target)], io.StringIO()) == 0
    assert mode(target) == 0o600


def test_eml_files_and_their_folder_are_owner_only(
    database_url: str, tmp_path: Path, wide_umask: None
) -> None:
    folder = tmp_path / "outbox"
    mail = MailSettings(
        outbox_dir=folder, mail_from="Spiegel <s@zorggroep.example>", public_url="https://s.example"
    )
    services = services_for(database_url, mail=mail)
    store = services.store
    store.submit(
        Submission(
            "spiegelbijeenkomst",
            {"naam": "Anna", "email": "anna@example.nl"},
            services.keys.seat("spiegelbijeenkomst", "2027-01-cardiologie"),
            100,
            notify=True,
        )
    )
    sender = make_sender(services)
    sender.run_once()
    [eml] = list(folder.glob("*.eml"))
    assert mode(folder) == 0o700 and mode(eml) == 0o600
    store.close()


def test_helpers(tmp_path: Path, wide_umask: None) -> None:
    d = private_dir(tmp_path / "a" / "b")
    assert mode(d) == 0o700
    write_private(d / "x", b"geheim")
    assert mode(d / "x") == 0o600 and (d / "x").read_bytes() == b"geheim"
    touch_private(d / "db.sqlite3")
    assert mode(d / "db.sqlite3") == 0o600
    with pytest.raises(FileExistsError), open_private(d / "x", exclusive=True):
        pass
    link = d / "link"
    link.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(OSError), open_private(link):
        pass
    assert not (tmp_path / "elsewhere").exists()


def test_the_sqlite_database_and_its_wal_are_owner_only(tmp_path: Path, wide_umask: None) -> None:
    old = tmp_path / "old.sqlite3"
    old.write_bytes(b"")
    old.chmod(0o644)
    for path in (tmp_path / "db" / "new.sqlite3", old):
        store = open_store(f"sqlite:///{path}")
        store.migrate()
        store.audit("t", "test", "-", "a write, so the WAL exists")
        files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
        assert {p.name for p in files} >= {path.name, path.name + "-wal"}
        assert all(mode(p) == 0o600 for p in files), {p.name: oct(mode(p)) for p in files}
        store.close()
