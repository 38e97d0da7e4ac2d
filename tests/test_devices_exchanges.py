"""Each simulator answers the real command bytes with the real reply bytes.

Written as lists of expected exchanges, like pymeasure's protocol tests: a
plain bleak client writes each command over the virtual radio and must see
exactly the listed notifications, in order per characteristic, and nothing
else. The bytes are spelled out here rather than made by the codecs, so a
codec and its simulator cannot drift apart together.

Every simulator holds a steady 98.0665 N (10 kgf) and its clock starts at
1234.5 s, so the first data notification is known to the byte.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from bleak import BleakClient
from bleak.backends.characteristic import BleakGATTCharacteristic

from firmware_protocol import cts500, openprofile, progressor
from nkt_dyno.devices import find
from nkt_dyno.devices.simulator import SIMULATORS, SimConfig, constant
from nkt_dyno.devices.virtual import VirtualRadio

Reply = tuple[str, str]
"""(characteristic UUID, notification bytes in hex)."""
Exchange = tuple[str, Sequence[Reply]]
"""(command bytes in hex, the notifications it must cause)."""

STREAM_PERIOD_S = {
    "progressor": 0.5,
    "progressor-crimpdeq": 0.05,  # its script never starts the stream
    "progressor-hangman": 0.05,
    "cts500": 0.5,
    "cts500-typed": 0.5,
    "openprofile": 0.05,
}
"""Time between data notifications as run here; the script's end waits longer than
this to be sure the stream stopped."""

P_DATA = progressor.DATA_POINT_UUID
PROGRESSOR: list[Exchange] = [
    ("6f00", [(P_DATA, "00046e0f0000")]),  # battery: 3950 mV, u32 LE
    ("6b00", [(P_DATA, "0005312e342e32")]),  # version: "1.4.2"
    ("7000", [(P_DATA, "00083412000000000000")]),  # id 0x1234, 8 bytes LE
    (
        "6500",  # start: 4 records (f32 LE kgf, u32 LE us) per notification, 8 Hz here
        [
            (
                P_DATA,
                "0120"
                "00002041"
                "a0f99449"  # 10.0 kgf at 1234.500000 s
                "00002041"
                "e8e19649"  # 1234.625000 s
                "00002041"
                "30ca9849"
                "00002041"
                "78b29a49",
            )
        ],
    ),
    ("6600", []),  # stop: no reply, and the stream ends
    ("6400", []),  # tare: no reply
]

CRIMPDEQ: list[Exchange] = [
    ("6f00", [(P_DATA, "00046e0f0000")]),  # battery: 3950 mV
    ("7000", [(P_DATA, "0006341200000000")]),  # id 0x1234 in 6 bytes LE
    ("690000a041", []),  # calibration point: 20.0 kg (f32 LE in bytes 1-4) at 10 kg raw
    # calibration read: tag 0x05 factor 2.0, then tag 0x06 (raw 10.0, kg 20.0)
    ("7200", [(P_DATA, "050400000040"), (P_DATA, "0608000020410000a041")]),
    ("69040000f041", []),  # the 6-byte form: bytes 1-4 read as a negative float, ignored
    ("7200", [(P_DATA, "050400000040"), (P_DATA, "0608000020410000a041")]),
    ("7400", []),  # back to the default calibration
    ("7200", [(P_DATA, "05040000803f")]),  # factor 1.0, no points
    ("4200", []),  # an opcode it does not know: taken as stop, no reply
]

HANGMAN: list[Exchange] = [
    ("7000", [(P_DATA, "000434120000")]),  # id 0x1234 as u32 LE
    ("6900000000", []),  # zero point, 5-byte form
    ("69040000a041", []),  # reference point 20 kg, 6-byte form (read too)
    ("6a00", []),  # save: both points at the same load, so nothing changes
    ("7200", [(P_DATA, "000c0000803f0000000000000000")]),  # curve 1.0, 0.0, 0.0
]

C_DATA = cts500.NOTIFY_UUID
CTS_FIRST = "0500000003e8f0"  # 10.00 kg: 05, status 00, BE u32 magnitude 1000 (10 g), checksum
CTS_WEIGHT = "0540000003e830"  # the same load again: status bit 0x40, steady
CTS_BURST = CTS_FIRST + CTS_WEIGHT * 2 + CTS_WEIGHT[:8]
"""The first UART burst of 4 weight frames; the bridge holds the last 3 bytes of a
burst back for the next notification."""
CTS500: list[Exchange] = [
    ("05aa000000af", [(C_DATA, "05aa000000af" + CTS_BURST)]),  # start: the echo leads
    # stop: the held-back bytes complete the last frame, then the echo
    ("05ab000000b0", [(C_DATA, CTS_WEIGHT[8:] + "05ab000000b0")]),
    ("05a6000000ab", [(C_DATA, "05a6000000ab")]),  # tare, acknowledged by its echo
]
CTS500_TYPED: list[Exchange] = [
    ("05aa000000af", [(C_DATA, CTS_BURST)]),  # start: no acknowledgement but the weights
    ("05ab000000b0", [(C_DATA, CTS_WEIGHT[8:] + "0580ab00000030")]),  # stop: typed answer
    ("05a6000000ab", [(C_DATA, "05000000000005")]),  # tare: a zero weight frame
    ("05c1000003c9", [(C_DATA, "0580c100000046")]),  # A/D rate 80 Hz: typed answer
]

O_DATA, O_CONTROL = openprofile.DATA_UUID, openprofile.CONTROL_UUID
OPEN_PROFILE: list[Exchange] = [
    # info, seq 1: ok, protocol 1.0, caps 0x000f, default 80 Hz, max 1000 Hz
    ("0501", [(O_CONTROL, "85010001000f005000e803")]),
    ("0402", [(O_CONTROL, "8402006e0f55")]),  # battery, seq 2: 3950 mV, 85 %
    (
        "01031400",  # start, seq 3, at 20 Hz: ok, period 50000 us, then the first packet
        [
            (O_CONTROL, "81030050c30000"),
            # v1, gyro flag, 1 sample, index 0, t0 1234500000 us, period 50000 us,
            # 98066 mN, 0 gyro
            (O_DATA, "01010100000000a0f9944950c3127f01000000"),
        ],
    ),
    ("0204", [(O_CONTROL, "820400")]),  # stop, seq 4: ok, and the stream ends
    ("4205", [(O_CONTROL, "c20501")]),  # unknown opcode 0x42, seq 5: UNKNOWN_COMMAND
    ("020600", [(O_CONTROL, "820602")]),  # stop with a stray byte, seq 6: BAD_LENGTH
]

CASES = {
    "progressor": (PROGRESSOR, progressor.CONTROL_POINT_UUID, [P_DATA]),
    "progressor-crimpdeq": (CRIMPDEQ, progressor.CONTROL_POINT_UUID, [P_DATA]),
    "progressor-hangman": (HANGMAN, progressor.CONTROL_POINT_UUID, [P_DATA]),
    "cts500": (CTS500, cts500.WRITE_UUID, [C_DATA]),
    "cts500-typed": (CTS500_TYPED, cts500.WRITE_UUID, [C_DATA]),
    "openprofile": (OPEN_PROFILE, O_CONTROL, [O_CONTROL, O_DATA]),
}


async def _check_exchanges(
    kind: str, script: list[Exchange], write: str, notify: list[str]
) -> None:
    heard: asyncio.Queue[Reply] = asyncio.Queue()

    def on_notify(characteristic: BleakGATTCharacteristic, data: bytearray) -> None:
        heard.put_nowait((characteristic.uuid, bytes(data).hex()))

    async with VirtualRadio() as radio:
        sim = SIMULATORS[kind](constant(98.0665), SimConfig(rate_hz=8.0))
        found = await find(radio.backends(), await sim.attach(radio), timeout=5.0)
        async with BleakClient(found.details, backend=radio.backends().client) as client:
            for uuid in notify:
                await client.start_notify(uuid, on_notify)
            for command, expected in script:
                await client.write_gatt_char(write, bytes.fromhex(command), response=True)
                got = [await asyncio.wait_for(heard.get(), 2.0) for _ in expected]
                await asyncio.sleep(0.01)
                got += _drain(heard)
                for uuid in notify:
                    assert [d for c, d in got if c == uuid] == [
                        d for c, d in expected if c == uuid
                    ], f"{kind}: command {command}, notifications on {uuid}"
            await asyncio.sleep(2 * STREAM_PERIOD_S[kind])
            assert _drain(heard) == [], f"{kind}: notified after the script ended"
        await sim.close()


def _drain(queue: asyncio.Queue[Reply]) -> list[Reply]:
    return [queue.get_nowait() for _ in range(queue.qsize())]


@pytest.mark.parametrize("kind", sorted(CASES))
async def test_simulator_exchanges(kind: str) -> None:
    await _check_exchanges(kind, *CASES[kind])
