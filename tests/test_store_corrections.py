"""Records can be corrected, traceably; one visit is one session even under concurrent saves."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_store_core import make_trace

from nkt_dyno.cli import main
from nkt_dyno.store import NotFoundError, Store, save_recording

TESTS_DIR = str(Path(__file__).parent)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(any_db: str) -> str:
    """Maria with two sessions: tests 1 and 2 in the first, test 3 in the second."""
    with Store.open(any_db) as store:
        maria = store.add_client("Maria Example")
        first = store.start_session(maria.id, started="2026-01-05T09:00:00+00:00")
        second = store.start_session(maria.id, started="2026-02-05T09:00:00+00:00")
        for session, seed in ((first, 1), (first, 2), (second, 3)):
            store.save_test(
                session.id, muscle="psoas", side="L", condition="baseline", trace=make_trace(seed)
            )
        store.add_client("Someone Else")
    return any_db


def test_edit_move_delete_restore_from_the_cli_with_an_audit(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "test", "edit", "1", "--side", "R", "--muscle", "glute med",
                         "--test", "make", "--by", "Dr Who", "--db", db)  # fmt: skip
    assert code == 0, err
    assert "gluteus medius R" in out and "make test" in out
    code, _, _ = run(capsys, "test", "move", "2", "--session", "2", "--by", "Dr Who", "--db", db)
    assert code == 0
    code, out, _ = run(capsys, "test", "delete", "3", "--reason", "false start", "--by", "Dr Who",
                       "--db", db)  # fmt: skip
    assert code == 0 and "test restore 3" in out
    with Store.open(db) as store:
        test = store.get_test(1)
        assert (test.muscle, test.side, test.test) == ("gluteus medius", "R", "make")
        assert [t.id for t in store.tests(2)] == [2]
        assert store.test_ids() == [1, 2]
        with pytest.raises(NotFoundError, match="was deleted"):
            store.get_test(3)
        assert len(store.load_trace(3)) == len(make_trace(3))  # still in the file
    code, _, _ = run(capsys, "test", "restore", "3", "--by", "Dr Who", "--db", db)
    assert code == 0
    code, out, _ = run(capsys, "test", "audit", "--db", db)
    assert [line.split()[2:6] for line in out.splitlines()[2:]] == [
        ["Dr", "Who", "1", "edit"],
        ["Dr", "Who", "2", "move"],
        ["Dr", "Who", "3", "delete"],
        ["Dr", "Who", "3", "restore"],
    ]
    with Store.open(db) as store:
        entries = store.audit()
        assert [e.action for e in entries] == ["edit", "move", "delete", "restore"]
        assert entries[0].before == {"side": "L", "muscle": "psoas", "test": "break"}
        assert entries[1].before == {"session_id": 1} and entries[1].after == {"session_id": 2}
        assert entries[2].after == {"reason": "false start"}
        assert store.test_ids() == [1, 2, 3]


def test_corrections_are_checked(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    with Store.open(db) as store:
        with pytest.raises(ValueError, match="another client"):
            store.move_test(1, store.start_session(2).id, who="x")
        with pytest.raises(ValueError, match="side must be one of"):
            store.edit_test(1, who="x", side="up")
        with pytest.raises(ValueError, match="who must not be empty"):
            store.edit_test(1, who=" ", notes="x")
        assert store.audit() == []
    code, _, err = run(capsys, "test", "edit", "1", "--db", db)
    assert code == 1 and "nothing to change" in err


def test_concurrent_saves_for_one_client_make_one_session(any_db: str) -> None:
    db = any_db
    with Store.open(db) as store:
        store.add_client("Maria Example")
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {TESTS_DIR!r})
        from test_store_core import make_trace
        from nkt_dyno.store import Store, save_recording
        with Store.open({str(db)!r}) as store:
            for seed in range(3):
                save_recording(store, make_trace(seed), client=1, muscle="psoas", side="L",
                               condition="baseline", results=())
        """
    )
    procs = [subprocess.Popen([sys.executable, "-c", script]) for _ in range(4)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0, 0]
    with Store.open(db) as store:
        (session,) = store.sessions(1)
        assert len(store.tests(session.id)) == 12


def test_a_recording_saved_later_joins_the_session_of_its_day(db: str) -> None:
    with Store.open(db) as store:
        test_id = save_recording(
            store, make_trace(9), client=1, muscle="psoas", side="R", condition="retest",
            recorded="2026-02-05T11:30:00+00:00", results=(),
        )  # fmt: skip
        assert store.get_test(test_id).session_id == 2
