"""The store touches only its own files: foreign, missing, read-only and damaged stores.

Real SQLite files throughout; a read-only store is tried in a subprocess
where permission bits apply (see ``unprivileged``).
"""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from test_store_core import make_trace
from test_store_reliability import unprivileged

from nkt_dyno.cli import main
from nkt_dyno.store import Store, StoreError
from nkt_dyno.store._schema import APPLICATION_ID, SCHEMA_VERSION

RECORD_TAGS = ("--client", "1", "--muscle", "psoas", "--side", "L")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _foreign(path: Path, table: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute(f"INSERT INTO {table} (name) VALUES ('keep me')")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("table", ["notes", "clients"])
def test_another_programs_sqlite_file_is_refused_byte_for_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str
) -> None:
    path = tmp_path / "notes.sqlite3"
    _foreign(path, table)
    before = digest(path)
    for argv in (
        ["client", "add", "Jane", "--db", str(path)],
        ["client", "list", "--db", str(path)],
        ["record", "--device", "sim:progressor", "--save", *RECORD_TAGS, "--db", str(path)],
    ):
        code, out, err = run(capsys, *argv)
        assert code == 1 and out == ""
        assert "another program's SQLite file" in err and "left untouched" in err
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.sqlite3"]


def test_a_file_that_is_not_sqlite_is_refused_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "letter.txt"
    path.write_text("Dear Jane,\n" * 50, encoding="utf-8")
    before = digest(path)
    code, _, err = run(capsys, "client", "add", "Jane", "--db", str(path))
    assert code == 1 and "not an nkt-dyno store" in err
    assert digest(path) == before


def test_our_stores_carry_the_application_id(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    conn.close()


def test_commands_that_only_read_never_create_a_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = tmp_path / "nkt-dyon" / "store.sqlite3"
    for argv in (["history", "--client", "1"], ["client", "list"], ["session", "list"]):
        code, _, err = run(capsys, *argv, "--db", str(typo))
        assert code == 1 and "no store at" in err and "nothing was created" in err
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_store_can_be_read(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "store.sqlite3"
    with Store.open(db) as store:
        client = store.add_client("Maria Example")
        session = store.start_session(client.id)
        store.save_test(
            session.id, muscle="psoas", side="L", condition="baseline", trace=make_trace(3)
        )
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        done = subprocess.run(
            [
                *unprivileged(),
                sys.executable,
                "-m",
                "nkt_dyno",
                "history",
                "--client=1",
                f"--db={db}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        folder.chmod(0o755)
        db.chmod(0o600)
    assert done.returncode == 0, done.stderr
    assert "psoas" in done.stdout


def test_a_damaged_store_gives_a_sentence_and_the_recording_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "store.sqlite3"
    monkeypatch.setenv("NKT_DYNO_DB", str(db))
    with Store.open(db) as store:
        client = store.add_client("Maria Example")
        session = store.start_session(client.id)
        for seed in range(20):
            store.save_test(
                session.id, muscle="psoas", side="L", condition="baseline", trace=make_trace(seed)
            )
        page = store._conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(db.read_bytes())
    data[2 * page :] = b"\xa5" * (len(data) - 2 * page)  # every page after the schema
    db.write_bytes(bytes(data))

    code, out, err = run(capsys, "history", "--client", "1")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "is damaged" in err and ".recover" in err

    # The tags cannot be checked in a damaged store: refused before the client performs a test.
    tags = ["--client", "1", "--muscle", "psoas", "--side", "L"]
    argv = ["record", "--device", "sim:progressor", "--seconds", "1", "--save", *tags]
    code, out, err = run(capsys, *argv)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "is damaged" in err
    assert not (tmp_path / "journal").exists()


def test_a_store_from_before_the_application_id_is_adopted(tmp_path: Path) -> None:
    from nkt_dyno.store._schema import MIGRATIONS

    path = tmp_path / "v3.sqlite3"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:3]:
        conn.executescript(script)
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    with Store.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store._conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    with pytest.raises(StoreError, match="another program"):
        bad = tmp_path / "v0.sqlite3"
        _foreign(bad, "tests")
        Store.open(bad)


def test_only_adding_a_client_or_muscle_creates_a_store_and_it_says_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = tmp_path / "nkt-dyon" / "store.sqlite3"
    code, _, err = run(capsys, "record", "--device", "sim:progressor", "--save", *RECORD_TAGS,
                       "--db", str(typo))  # fmt: skip
    assert code == 1 and "no store at" in err
    code, _, err = run(capsys, "session", "start", "--client", "1", "--db", str(typo))
    assert code == 1 and "no store at" in err
    assert not typo.parent.exists()
    code, _, err = run(capsys, "client", "add", "Maria", "--db", str(typo))
    assert code == 0 and err == f"nkt-dyno: a new store was created at {typo}\n"
    assert typo.parent.stat().st_mode & 0o777 == 0o700
    assert typo.stat().st_mode & 0o777 == 0o600
    code, _, err = run(capsys, "client", "add", "Jo", "--db", str(typo))
    assert code == 0 and err == ""


def test_the_store_command_says_which_store_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "clinic.sqlite3"
    monkeypatch.setenv("NKT_DYNO_DB", str(db))
    code, out, _ = run(capsys, "store")
    assert code == 0 and out.splitlines()[:2] == [
        f"store: {db}",
        "  (not created yet: `nkt-dyno client add NAME` creates it)",
    ]
    assert list(tmp_path.iterdir()) == []
    with Store.open(db) as store:
        store.add_client("Maria Example")
    other = tmp_path / "other.sqlite3"
    code, out, _ = run(capsys, "store")
    assert out.splitlines()[1] == f"  schema {SCHEMA_VERSION}, 1 clients, 0 tests"
    assert f"journals: {tmp_path / 'journal'} (0 unsaved)" in out
    code, out, _ = run(capsys, "store", "--db", str(other))
    assert out.splitlines()[0] == f"store: {other}"
