"""``calibrate`` then ``verify`` against a simulated Progressor over the virtual radio."""

import re
from pathlib import Path

import numpy as np
import pytest

from calibration import STANDARD_GRAVITY, CalibrationRecord
from nkt_dyno.cli import main
from nkt_dyno.devices.simulator import synthetic
from nkt_dyno.trace import read_trace

SIM = ["--device", "sim:progressor", "--window", "0.25", "--sim-error", "1.07,3"]


@pytest.fixture
def store_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NKT_DYNO_DB", str(tmp_path / "nkt-dyno.sqlite3"))
    return tmp_path


def test_calibrate_then_verify_a_device_reading_7_pct_high(
    store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    certificate = store_dir / "cert.html"
    args = ["calibrate", *SIM, "--masses", "0,5,10,20,30", "--yes"]
    assert main([*args, "--operator", "QA", "--certificate", str(certificate)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == [
        "Remove every mass and let the device hang unloaded",
        "Hang 5 kg",
    ]
    record = CalibrationRecord.load(store_dir / "calibrations" / "sim_progressor.json")
    assert (record.device_model, record.operator, len(record.points)) == (
        "Tindeq Progressor",
        "QA",
        9,
    )
    assert "Calibration certificate" in certificate.read_text(encoding="utf-8")

    force = np.linspace(0.0, 300.0, 61)
    error = record.correction()(1.07 * force + 3.0) - force
    assert abs(error[0]) < 0.05
    assert np.max(np.abs(error[1:]) / force[1:]) < 0.005

    for mass in ("2", "30"):
        assert main(["verify", *SIM, "--mass", mass, "--yes"]) == 0
        line = capsys.readouterr().out.splitlines()[-1]
        assert line.startswith("PASS")
        pct = float(re.search(r"\(([-+0-9.]+) %\)", line).group(1))  # type: ignore[union-attr]
        assert abs(pct) < 0.5


def test_uncalibrated_device_fails_verification(
    store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", *SIM, "--mass", "10", "--yes"]) == 1
    assert "no calibration for sim:progressor: calibrate it first" in capsys.readouterr().err


def test_interactive_prompts_wait_for_enter(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda text: asked.append(text) or "")
    path = store_dir / "identity.json"
    args = ["calibrate", "--device", "sim:progressor", "--window", "0.25"]
    assert main([*args, "--masses", "0,10", "--no-unloading", "--record", str(path)]) == 0
    assert asked == [
        "Remove every mass and let the device hang unloaded, then press Enter ",
        "Hang 10 kg, then press Enter ",
    ]
    assert CalibrationRecord.load(path).fit.gain == pytest.approx(1.0, abs=1e-5)
    capsys.readouterr()


def test_refusals_are_reported(store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calibrate", *SIM, "--masses", "0,1", "--yes"]) == 1
    assert "calibration refused: the masses span" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["calibrate", *SIM, "--masses", "0,five"])
    assert "expected numbers like 0,5,10,20" in capsys.readouterr().err


def test_reference_uses_local_gravity(store_dir: Path) -> None:
    assert STANDARD_GRAVITY == 9.80665
    args = ["calibrate", *SIM, "--masses", "0,10", "--no-unloading", "--yes", "--gravity", "9.81"]
    assert main(args) == 0
    record = CalibrationRecord.load(store_dir / "calibrations" / "sim_progressor.json")
    assert record.gravity == 9.81


def test_the_next_connection_applies_the_calibration(
    store_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["calibrate", *SIM, "--masses", "0,10,30", "--no-unloading", "--yes"]) == 0
    record = CalibrationRecord.load(store_dir / "calibrations" / "sim_progressor.json")
    out = store_dir / "x.csv"
    args = ["record", *SIM[:2], *SIM[4:], "--scenario", "hold", "--seconds", "2", "-o", str(out)]

    assert main(args) == 0
    trace = read_trace(out)
    assert trace.metadata["calibration"] == record.fingerprint()
    truth, _ = synthetic("hold", 1).at(np.arange(len(trace.force)) / 80.0)
    assert truth.max() > 20.0
    assert np.all(np.abs(trace.force - truth) <= 0.005 * truth + 0.05)

    assert main([*args, "--no-calibration"]) == 0
    raw = read_trace(out)
    assert raw.metadata["calibration"] == "none"
    assert np.allclose(raw.force, 1.07 * truth[: len(raw.force)] + 3.0, atol=1e-3)

    # A device-side tare keeps the calibration's gain around the new zero.
    assert main(["tare", *SIM[:2], *SIM[4:], "--window", "0.5"]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    before, after = (float(x) for x in re.findall(r"([-+][0-9.]+) N", line))
    assert abs(before) < 0.05 and abs(after) < 0.05, line
