"""``open_device``: one path for every command, simulated or not, calibrated or raw."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from calibration import CalibrationPoint, Direction, calibrate
from nkt_dyno.devices import Dynamometer, SampleBlock
from nkt_dyno.devices._calibrations import latest_record, record_path
from nkt_dyno.devices._session import open_device
from nkt_dyno.devices.simulator import SensorError, SimConfig, constant


@pytest.fixture(autouse=True)
def store_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NKT_DYNO_DB", str(tmp_path / "nkt-dyno.sqlite3"))
    return tmp_path


def _save_record(device: str, gain: float, offset_n: float) -> None:
    """A record made on a sensor that reads ``offset + gain * force``."""
    points = [
        CalibrationPoint(kg, offset_n + gain * kg * 9.80665, Direction.LOADING, 0.01, 100)
        for kg in (0.0, 10.0, 20.0)
    ]
    path = record_path(device)
    path.parent.mkdir(parents=True, exist_ok=True)
    calibrate(points, device, "Tindeq Progressor").save(path)


async def _one_block(dyno: Dynamometer) -> SampleBlock:
    await dyno.start()
    async for item in dyno:
        if isinstance(item, SampleBlock):
            return item
    raise AssertionError("no samples")


async def test_saved_calibration_and_sim_config_apply_on_connection(store_dir: Path) -> None:
    assert latest_record("sim:progressor") is None
    _save_record("sim:progressor", 1.07, 3.0)
    config = SimConfig(sensor=SensorError(gain=1.07, offset_n=3.0))
    async with open_device("sim:progressor", scenario=constant(50.0), sim=config) as session:
        assert session.calibration == latest_record("sim:progressor")
        assert session.simulator is not None and session.simulator.config is config
        block = await _one_block(session.dyno)
        assert np.allclose(block.force, 50.0, atol=1e-3)


async def test_raw_session_and_a_rig_placing_loads() -> None:
    _save_record("sim:cts500", 1.07, 3.0)
    async with open_device("sim:cts500", scenario=constant(0.0), calibrated=False) as session:
        assert session.calibration is None and session.simulator is not None
        session.simulator.place_load(100.0)
        await asyncio.sleep(0.01)
        block = await _one_block(session.dyno)
        assert np.allclose(block.force, 100.0, atol=0.05)


async def test_simulator_settings_are_refused_for_hardware() -> None:
    with pytest.raises(ValueError, match="only to sim: devices"):
        async with open_device("C4:7F:00:00:00:01", sim=SimConfig()):
            pass
    with pytest.raises(ValueError, match="unknown simulated device"):
        async with open_device("sim:nothing"):
            pass
