"""End-to-end over the virtual radio: every simulated device through the real driver."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from nkt_dyno.devices import Dynamometer, SampleBlock, SampleFlag, State, StateChange, scan
from nkt_dyno.devices._recording import record
from nkt_dyno.devices.simulator import (
    SIMULATORS,
    Faults,
    SensorError,
    SimConfig,
    synthetic,
)
from nkt_dyno.devices.virtual import VirtualRadio

# Force resolution of each protocol (N), for comparing with what the device sent.
RESOLUTION = {
    "progressor": 1e-3,
    "openprofile": 1e-3,
    "cts500": 0.05,
    "cts500-typed": 0.05,
    "forceboard": 2.3,
    "activ5": 0.14,
}


async def _start(name: str, config: SimConfig | None = None, case: str = "hold"):
    radio = VirtualRadio()
    await radio.central()
    sim = SIMULATORS[name](synthetic(case, 3), config)
    await sim.attach(radio)
    found = [f for f in await scan(radio.backends(), 0.3) if f.kind == sim.kind]
    assert found, f"{name} not recognised in the scan"
    return radio, sim, found[0]


@pytest.mark.parametrize("kind", sorted(RESOLUTION))
async def test_stream_matches_scenario(kind: str) -> None:
    radio, sim, found = await _start(kind)
    try:
        async with Dynamometer(found, backends=radio.backends()) as dyno:
            rec = await record(dyno, 1.2)
            assert dyno.stats.corrupted == 0
        sent = sim.sent.force_n
        n = min(len(rec.force), len(sent))
        assert n >= 0.8 * 1.2 * sim.rate_hz
        rate = (len(rec.t) - 1) / (rec.t[-1] - rec.t[0])
        assert rate == pytest.approx(sim.rate_hz, rel=0.1)
        assert np.all(np.diff(rec.t) > 0)
        assert np.max(np.abs(rec.force[:n] - sent[:n])) <= RESOLUTION[kind]
    finally:
        await sim.close()
        await radio.close()


async def test_whc06_adverts_become_samples() -> None:
    radio, sim, found = await _start("whc06")
    try:
        async with Dynamometer(found, backends=radio.backends()) as dyno:
            rec = await record(dyno, 1.0)
        assert len(rec.force) >= 5
        sent = sim.sent.force_n
        nearest = np.min(np.abs(rec.force[:, None] - np.append(sent, 0.0)[None, :]), axis=1)
        assert np.all(nearest < 0.1)
    finally:
        await sim.close()
        await radio.close()


async def test_whc06_advertises_at_its_real_rate() -> None:
    radio, sim, _ = await _start("whc06")
    heard: list[float] = []
    try:
        remove = await radio.listen(lambda adv: heard.append(asyncio.get_running_loop().time()))
        await asyncio.sleep(2.0)
        await remove()
        assert len(heard) / 2.0 == pytest.approx(sim.rate_hz, rel=0.15)
    finally:
        await sim.close()
        await radio.close()


async def test_whc06_is_lost_while_silent_and_streams_again() -> None:
    radio, sim, found = await _start("whc06")
    states: list[State] = []
    blocks: list[SampleBlock] = []

    def seen(item: SampleBlock | StateChange) -> None:
        if isinstance(item, StateChange):
            states.append(item.state)
        else:
            blocks.append(item)

    async def fall_silent() -> None:
        await asyncio.sleep(0.6)
        assert sim.device is not None
        await sim.device.stop_advertising()
        await asyncio.sleep(1.0)
        await sim.advertise()

    try:
        async with Dynamometer(found, backends=radio.backends()) as dyno:
            silence = asyncio.get_running_loop().create_task(fall_silent())
            await record(dyno, 2.5, seen)
            await silence
        lost = states.index(State.LOST)
        assert states[lost + 1] is State.STREAMING
        flags = np.concatenate([b.flags for b in blocks])
        back = np.flatnonzero(flags & SampleFlag.RECONNECTED)
        assert len(back) == 1 and flags[back[0]] & SampleFlag.GAP_BEFORE
        t = np.concatenate([b.t for b in blocks])
        assert t[back[0]] - t[back[0] - 1] > 0.9
        assert len(t) - back[0] >= 5
    finally:
        await sim.close()
        await radio.close()


async def test_disconnect_keeps_samples_marks_gap_and_resumes() -> None:
    config = SimConfig(faults=Faults(disconnect_at_s=(0.5,)))
    radio, sim, found = await _start("openprofile", config)
    states: list[State] = []
    blocks: list[SampleBlock] = []

    def seen(item: SampleBlock | StateChange) -> None:
        if isinstance(item, StateChange):
            states.append(item.state)
        else:
            blocks.append(item)

    try:
        async with Dynamometer(found, backends=radio.backends()) as dyno:
            await record(dyno, 1.5, seen)
            assert dyno.stats.reconnects == 1
        assert State.RECONNECTING in states
        assert states.index(State.STREAMING, states.index(State.RECONNECTING)) > 0
        flags = np.concatenate([b.flags for b in blocks])
        marked = np.flatnonzero(flags & SampleFlag.RECONNECTED)
        assert len(marked) == 1 and flags[marked[0]] & SampleFlag.GAP_BEFORE
        t = np.concatenate([b.t for b in blocks])
        before = sim.sent.host_s < sim.sent.host_s[0] + 0.5
        assert marked[0] >= np.count_nonzero(before) - 1  # nothing before T was lost
        assert len(t) - marked[0] > 20  # and it streamed again after
    finally:
        await sim.close()
        await radio.close()


@pytest.mark.parametrize("kind", ["openprofile", "progressor"])
async def test_dropped_notifications_are_detected(kind: str) -> None:
    radio, sim, found = await _start(kind, SimConfig(faults=Faults(drop_pct=20.0, seed=4)))
    try:
        async with Dynamometer(found, backends=radio.backends()) as dyno:
            rec = await record(dyno, 1.0)
            assert sim.notifications_dropped > 0
            assert dyno.stats.gaps >= 1
            assert rec.gaps == dyno.stats.gaps
    finally:
        await sim.close()
        await radio.close()


@pytest.mark.parametrize("kind", ["progressor", "openprofile", "cts500", "forceboard"])
async def test_corrupted_packet_is_counted_and_skipped(kind: str) -> None:
    radio, sim, found = await _start(kind, SimConfig(faults=Faults(corrupt_at_s=(0.3,))))
    try:
        async with Dynamometer(found, backends=radio.backends()) as dyno:
            rec = await record(dyno, 0.8)
            assert dyno.stats.corrupted >= 1
            assert dyno.state is State.CONNECTED
        assert rec.gaps >= 1
        assert len(rec.t) > 0.4 * sim.rate_hz
    finally:
        await sim.close()
        await radio.close()


async def test_sensor_error_and_correction_hook() -> None:
    config = SimConfig(sensor=SensorError(gain=1.07, offset_n=3.0))
    radio, sim, found = await _start("progressor", config)
    try:
        fix = lambda raw: (raw - 3.0) / 1.07  # noqa: E731
        async with Dynamometer(found, backends=radio.backends(), correction=fix) as dyno:
            rec = await record(dyno, 0.5)
        truth, _ = sim.scenario.at(sim.sent.scenario_s)
        n = min(len(rec.force), len(truth))
        assert np.max(np.abs(rec.force[:n] - truth[:n])) < 1e-3
    finally:
        await sim.close()
        await radio.close()


@pytest.mark.parametrize("kind", ["cts500", "cts500-typed"])
async def test_cts500_negative_load_reads_negative(kind: str) -> None:
    radio, sim, found = await _start(kind)
    sim.place_load(-19.6133)  # -2 kgf: an empty scale after a tare under 2 kg
    try:
        async with Dynamometer(found, backends=radio.backends()) as dyno:
            rec = await record(dyno, 0.4)
        assert len(rec.force) > 10
        assert np.all(rec.force == pytest.approx(-19.6133, abs=0.05))
    finally:
        await sim.close()
        await radio.close()


@pytest.mark.parametrize("kind", ["progressor", "openprofile", "cts500", "cts500-typed"])
async def test_queries(kind: str) -> None:
    radio, sim, found = await _start(kind)
    try:
        async with Dynamometer(found, backends=radio.backends()) as dyno:
            battery = await dyno.battery()
            assert battery.millivolts == pytest.approx(3950, abs=10)
            assert (await dyno.firmware()).text
            await dyno.tare()
            await asyncio.sleep(0.05)
    finally:
        await sim.close()
        await radio.close()
