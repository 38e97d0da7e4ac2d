"""One name for one thing: sides, conditions and simulated devices, everywhere the same."""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

import pytest

from nkt_dyno import cli
from nkt_dyno.clinic import plan, store_device
from nkt_dyno.clinic.simulation import ROLES
from nkt_dyno.commands._choices import CONDITIONS, SIDES
from nkt_dyno.devices import FoundDevice
from nkt_dyno.store import Store
from nkt_dyno.store._schema import MIGRATIONS


def _option(parser: argparse.ArgumentParser, path: tuple[str, ...], flag: str) -> argparse.Action:
    for name in path:
        (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return next(a for a in parser._actions if flag in a.option_strings)


@pytest.mark.parametrize(
    "path", [("record",), ("import",), ("gui",), ("protocol", "run")], ids=" ".join
)
def test_every_command_takes_the_same_sides(path: tuple[str, ...]) -> None:
    assert tuple(_option(cli.build_parser(), path, "--side").choices or ()) == SIDES


@pytest.mark.parametrize("path", [("record",), ("import",)], ids=" ".join)
def test_every_command_takes_the_same_conditions(path: tuple[str, ...]) -> None:
    assert tuple(_option(cli.build_parser(), path, "--condition").choices or ()) == CONDITIONS


@pytest.mark.parametrize("path", [("record",), ("report",), ("export",), ("demo",)], ids=" ".join)
def test_every_output_option_is_o_output(path: tuple[str, ...]) -> None:
    assert _option(cli.build_parser(), path, "--output").option_strings == ["-o", "--output"]


def test_the_protocol_retest_is_stored_as_retest() -> None:
    steps = plan(baselines=1, challenges=["TFL"], retests=2)
    assert [s.condition for s in steps] == ["baseline", "challenge", "retest", "retest"]
    assert set(ROLES) == {s.role for s in steps} <= set(CONDITIONS)


def test_a_simulated_device_has_one_name_whichever_path_stores_it() -> None:
    found = FoundDevice("progressor", "D0:00:00:00:00:01", "Progressor 1234", -40)
    assert store_device(found, simulated=True).id == "sim:progressor"
    assert store_device(found).id == "D0:00:00:00:00:01"


def test_post_treatment_tests_of_an_older_store_become_retests(tmp_path: Path) -> None:
    path = tmp_path / "v3.sqlite3"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:3]:
        conn.executescript(script)
    conn.execute("PRAGMA user_version = 3")
    conn.execute("INSERT INTO clients (name, created) VALUES ('Old', '2020-01-01T00:00:00+00:00')")
    conn.execute("INSERT INTO sessions (client_id, started) VALUES (1, '2020-01-01T00:00:00')")
    for condition in ("baseline", "post-treatment", "retest"):
        conn.execute(
            "INSERT INTO tests (session_id, recorded, muscle, side, condition) "
            "VALUES (1, '2020-01-01T00:01:00+00:00', 'psoas', 'L', ?)",
            (condition,),
        )
    conn.commit()
    conn.close()
    with Store.open(path):
        pass
    conn = sqlite3.connect(path)
    stored = [r[0] for r in conn.execute("SELECT condition FROM tests ORDER BY id")]
    conn.close()
    assert stored == ["baseline", "retest", "retest"]
