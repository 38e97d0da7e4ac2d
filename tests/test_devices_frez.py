"""Frez Dyno over the virtual radio: 250 Hz on its own clock, calibrated by known masses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from firmware_protocol import STANDARD_GRAVITY, frez
from nkt_dyno.cli import main
from nkt_dyno.devices import Dynamometer, find
from nkt_dyno.devices._recording import record
from nkt_dyno.devices.simulator import SIMULATORS, SimulatedFrez, synthetic
from nkt_dyno.devices.simulator._frez import KG_PER_COUNT, ZERO_COUNTS
from nkt_dyno.devices.virtual import VirtualRadio
from nkt_dyno.trace import read_trace


def _newtons(reading: np.ndarray) -> np.ndarray:
    """What the maker's coefficient makes of the codec's nominal reading."""
    counts = reading / frez.NOMINAL_N_PER_COUNT
    return np.asarray((counts - ZERO_COUNTS) * KG_PER_COUNT * STANDARD_GRAVITY)


async def test_streams_at_250_hz_on_its_own_clock() -> None:
    async with VirtualRadio() as radio:
        sim = SIMULATORS["frez"](synthetic("hold", 2))
        found = await find(radio.backends(), await sim.attach(radio), timeout=5.0)
        assert found.kind == "frez"
        async with Dynamometer(found, backends=radio.backends()) as dyno:
            assert not dyno.can_tare
            assert (await dyno.device_id()).text == "FrezDyno-000123"
            assert (await dyno.firmware()).text == sim.config.firmware
            assert (await dyno.battery()).percent == 80
            rec = await record(dyno, 1.5)
            assert dyno.stats.lost_samples == 0
        await sim.close()
    assert isinstance(sim, SimulatedFrez)
    rate = (len(rec.t) - 1) / (rec.t[-1] - rec.t[0])
    assert rate == pytest.approx(250.0, rel=0.02)
    # stamped from the device clock (4 ms steps), not from arrival in bursts of nine
    assert float(np.median(np.diff(rec.t))) == pytest.approx(0.004, abs=1e-6)
    sent = sim.sent.force_n
    n = min(len(sent), len(rec.force))
    # one count is 1.2e-4 N: the counts carry the force exactly, once converted
    assert np.max(np.abs(_newtons(rec.force[:n]) - sent[:n])) < 2e-4


def test_known_mass_calibration_makes_it_read_newtons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NKT_DYNO_DB", str(tmp_path / "nkt-dyno.sqlite3"))
    device = ["--device", "sim:frez", "--window", "0.25"]
    assert main(["calibrate", *device, "--masses", "0,10,20", "--yes"]) == 0
    assert main(["verify", *device, "--mass", "15", "--yes"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("PASS")
    out = tmp_path / "hold.csv"
    assert main(["record", "--device", "sim:frez", "--seconds", "1", "-o", str(out)]) == 0
    trace = read_trace(out)
    assert abs(float(np.median(trace.force[:50]))) < 0.5  # at rest reads 0 N, not the offset
