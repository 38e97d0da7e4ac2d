"""What a handheld device's IMU feels during a muscle test, in the device's own axes.

The limb turns about one axis at right angles to the push (limb frame: push along
z, turning about x). Its rate, positive the way the examiner pushes:

* the give of soft tissue under a rising load (a little turning per newton added);
* the yield of a weak muscle: the scenario's gyro, its sign turned so that the
  yield is positive whatever sign convention the scenario used;
* the spring-back when the examiner's hand lets go of a limb that held: negative,
  in proportion to how fast the force falls, and absent while the limb is yielding.

On top come the examiner's sway (slow turning about every axis) and the gyro's noise
and bias. The device sits in the hand with its force axis along the push, or against
it when held the other face forward, and turned about that axis by any angle; the
limb lies at any angle to gravity, which the accelerometer reads, and which turns
with the limb as it yields.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nkt_dyno.devices.simulator._scenario import Scenario

FloatArray = npt.NDArray[np.float64]

GIVE_DEG_PER_N = 0.01
"""Soft tissue: limb turning per newton of added load (about 2 deg for 200 N)."""
SPRING_DEG_PER_N = 0.015
"""Spring-back turning per newton of load let go (negative)."""
YIELDING_DPS = 15.0
"""A yield this fast suppresses the spring-back entirely."""
SLOPE_S = 0.025
"""Half-width of the central difference that gives the force's slope."""


def _rx(deg: float) -> FloatArray:
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def _rz(deg: float) -> FloatArray:
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


@dataclass(frozen=True, slots=True)
class Grip:
    """How the therapist holds the device against the limb, and how the limb lies."""

    roll_deg: float = 0.0
    """Turn of the device about its force axis in the hand."""
    flipped: bool = False
    """Held the other face forward: the device's force axis points back at the examiner."""
    limb_tilt_deg: float = 0.0
    """Limb frame turned about its x axis against gravity (0: push straight down)."""
    limb_yaw_deg: float = 0.0

    @classmethod
    def drawn(cls, seed: int) -> Grip:
        """A plausible grip and limb position, reproducible from ``seed``."""
        rng = np.random.default_rng(seed)
        return cls(
            roll_deg=float(rng.uniform(-180.0, 180.0)),
            flipped=bool(rng.integers(2)),
            limb_tilt_deg=float(rng.uniform(-90.0, 90.0)),
            limb_yaw_deg=float(rng.uniform(-180.0, 180.0)),
        )

    def device_from_limb(self) -> FloatArray:
        """Rotation taking limb-frame vectors to device-frame vectors."""
        limb_from_device = (_rx(180.0) if self.flipped else np.eye(3)) @ _rz(self.roll_deg)
        return np.asarray(limb_from_device.T, dtype=np.float64)

    def world_from_limb(self, angle_deg: float) -> FloatArray:
        """The limb frame in the world after the limb has turned ``angle_deg`` about x."""
        return np.asarray(_rz(self.limb_yaw_deg) @ _rx(self.limb_tilt_deg) @ _rx(angle_deg))


class LimbMotion:
    """IMU readings over time for one scenario and grip; stateful (the limb's angle)."""

    def __init__(self, scenario: Scenario, grip: Grip, seed: int) -> None:
        self.scenario = scenario
        self.grip = grip
        self._rng = np.random.default_rng(seed)
        self._sway = [
            (self._rng.uniform(0.3, 1.2, 2), self._rng.uniform(0, 2 * np.pi, 2)) for _ in range(3)
        ]
        self._sway_dps = self._rng.uniform(0.1, 0.4)
        self._bias = self._rng.uniform(-0.5, 0.5, 3)
        self._angle = 0.0
        self._last_s: float | None = None

    def limb_rate(self, s: FloatArray) -> FloatArray:
        """The limb's turning rate at scenario times ``s`` (deg/s, positive = the push)."""
        before, _ = self.scenario.at(np.maximum(s - SLOPE_S, 0.0))
        after, _ = self.scenario.at(s + SLOPE_S)
        slope = (after - before) / (2 * SLOPE_S)
        _, gyro = self.scenario.at(s)
        # The scenario's channel is signed (DESIGN §2): a yield positive, a
        # spring-back negative.
        yielding = np.zeros_like(s) if gyro is None else gyro
        held = 1.0 - np.clip(np.abs(yielding) / YIELDING_DPS, 0.0, 1.0)
        give = GIVE_DEG_PER_N * np.maximum(slope, 0.0)
        spring = SPRING_DEG_PER_N * np.maximum(-slope, 0.0) * held
        return np.asarray(give + yielding - spring, dtype=np.float64)

    def _sway_rate(self, s: float) -> FloatArray:
        return np.array(
            [self._sway_dps * float(np.sum(np.sin(2 * np.pi * f * s + p))) for f, p in self._sway]
        )

    def read(self, s: float) -> tuple[FloatArray, FloatArray]:
        """Accelerometer (g) and gyro (deg/s) in the device's axes at scenario time ``s``."""
        rate = float(self.limb_rate(np.array([s]))[0])
        if self._last_s is not None:
            self._angle += rate * (s - self._last_s)
        self._last_s = s
        d_from_l = self.grip.device_from_limb()
        limb_w = np.array([rate, 0.0, 0.0]) + self._sway_rate(s)
        gyro = d_from_l @ limb_w + self._bias + self._rng.normal(0.0, 0.3, 3)
        up_in_limb = self.grip.world_from_limb(self._angle).T @ np.array([0.0, 0.0, 1.0])
        accel = d_from_l @ up_in_limb + self._rng.normal(0.0, 0.01, 3)
        return accel, gyro
