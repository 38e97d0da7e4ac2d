"""The record, demo and tare commands over the virtual radio."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nkt_dyno.cli import main
from nkt_dyno.devices._calibrations import record_path
from nkt_dyno.trace import Trace, read_trace, write_trace


@pytest.fixture(autouse=True)
def store_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Calibration records are looked up next to the store: keep them per test."""
    monkeypatch.setenv("NKT_DYNO_DB", str(tmp_path / "nkt-dyno.sqlite3"))
    return tmp_path


def test_record_sim_progressor_writes_80_hz_csv(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    assert (
        main(
            [
                "record",
                "--device",
                "sim:progressor",
                "--scenario",
                "break",
                "--seconds",
                "2",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    trace = read_trace(out)
    rate = (len(trace.t) - 1) / (trace.t[-1] - trace.t[0])
    assert 76 <= rate <= 84
    assert np.all(np.diff(trace.t) > 0)
    assert trace.metadata["calibration"] == "none"


def test_record_refuses_an_unreadable_calibration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = record_path("sim:progressor")
    path.parent.mkdir(parents=True)
    path.write_text("{}", encoding="utf-8")
    out = tmp_path / "x.csv"
    assert main(["record", "--device", "sim:progressor", "--seconds", "1", "-o", str(out)]) == 1
    assert "--no-calibration" in capsys.readouterr().err
    assert not out.exists()


def test_tare_zeroes_a_device_at_rest(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["tare", "--device", "sim:progressor", "--sim-error", "1.07,3", "--window", "0.5"]
    assert main(args) == 0
    assert "read +3.00 N at rest, now +0.00 N" in capsys.readouterr().out


def test_tare_is_refused_while_the_reading_moves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ramp = tmp_path / "ramp.csv"
    t = np.linspace(0.0, 3.0, 301)
    write_trace(ramp, Trace(t, 20.0 * t, None, {}))
    args = ["tare", "--device", "sim:cts500", "--scenario", str(ramp), "--window", "0.5"]
    assert main(args) == 1
    assert "tare refused: the reading is" in capsys.readouterr().err


def test_tare_is_refused_by_a_device_without_the_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["tare", "--device", "sim:whc06", "--window", "0.5"]) == 1
    assert "tare refused: the Weiheng WH-C06 takes no tare command" in capsys.readouterr().err


def test_demo_runs(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["demo", "-o", str(tmp_path), "--efforts", "2"]) == 0
    text = capsys.readouterr().out
    assert "effort 1:" in text
    assert (tmp_path / "session.csv").is_file()
