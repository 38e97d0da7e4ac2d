"""Progressor clones over the virtual radio: each behaves as its own firmware does.

Crimpdeq and Hangman speak the Progressor protocol but differ where it matters
to a driver and to calibration; the driver is tested against each of them.
"""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from bleak import BleakClient
from bleak.backends.characteristic import BleakGATTCharacteristic

from firmware_protocol import STANDARD_GRAVITY, Command
from firmware_protocol import progressor as proto
from nkt_dyno.devices import Dynamometer, SampleBlock, find
from nkt_dyno.devices.simulator import (
    SIMULATORS,
    SensorError,
    SimConfig,
    SimulatedDevice,
    constant,
)
from nkt_dyno.devices.virtual import VirtualRadio


async def _tare_while_streaming(kind: str) -> tuple[SimulatedDevice, list[SampleBlock]]:
    """Stream 50 N, tare at 0.4 s, stream on; the device and every block received."""
    async with VirtualRadio() as radio:
        sim = SIMULATORS[kind](constant(50.0))
        found = await find(radio.backends(), await sim.attach(radio), timeout=5.0)
        async with Dynamometer(found, backends=radio.backends()) as dyno:
            await dyno.start()
            await asyncio.sleep(0.4)
            await dyno.tare()
            await asyncio.sleep(1.5)
        blocks = [item async for item in dyno if isinstance(item, SampleBlock)]
        await sim.close()
    return sim, blocks


async def test_crimpdeq_tare_stops_its_stream_and_the_driver_starts_it_again() -> None:
    sim, blocks = await _tare_while_streaming("progressor-crimpdeq")
    assert sim.commands.count(Command.START) == 2
    assert np.allclose(blocks[0].force, 50.0, atol=1e-3)
    assert np.allclose(blocks[-1].force, 0.0, atol=1e-3)  # tared, and streaming again


async def test_a_tare_does_not_restart_a_device_that_kept_streaming() -> None:
    sim, blocks = await _tare_while_streaming("progressor")
    assert sim.commands.count(Command.START) == 1
    assert np.allclose(blocks[-1].force, 0.0, atol=1e-3)


@pytest.mark.parametrize("kind", ["progressor-crimpdeq", "progressor-hangman"])
async def test_clone_calibrates_from_known_masses(kind: str) -> None:
    # The load cell reads 20 % high; calibrating at 0 and 20 kg makes it right.
    sensor = SensorError(gain=1.2)
    async with VirtualRadio() as radio:
        sim = SIMULATORS[kind](constant(0.0), SimConfig(sensor=sensor))
        found = await find(radio.backends(), await sim.attach(radio), timeout=5.0)
        heard: asyncio.Queue[bytes] = asyncio.Queue()

        def on_notify(_: BleakGATTCharacteristic, data: bytearray) -> None:
            heard.put_nowait(bytes(data))

        async with BleakClient(found.details, backend=radio.backends().client) as client:
            await client.start_notify(proto.DATA_POINT_UUID, on_notify)

            async def write(data: bytes) -> None:
                await client.write_gatt_char(proto.CONTROL_POINT_UUID, data, response=True)

            await write(proto.encode_add_calibration_point(0.0))
            sim.place_load(20.0 * STANDARD_GRAVITY)
            await write(proto.encode_add_calibration_point(20.0))
            await write(proto.encode_save_calibration())
            await write(proto.encode_start())
            weights = await asyncio.wait_for(heard.get(), 3.0)
            await write(proto.encode_stop())
        await sim.close()
    [samples] = proto.ProgressorCodec().receive(proto.DATA_POINT_UUID, weights)
    assert np.allclose(np.asarray(samples.force_n) / STANDARD_GRAVITY, 20.0, atol=1e-3)
