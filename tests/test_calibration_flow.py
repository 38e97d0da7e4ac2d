from collections.abc import Callable

import numpy as np
import pytest

from calibration import (
    STANDARD_GRAVITY,
    CalibrationError,
    Correction,
    Direction,
    Reason,
    calibration_sequence,
    read_stable,
    run_calibration,
    run_verification,
)

RATE = 80.0


class HangingMass:
    """A dynamometer on a rig that hangs the masses itself."""

    def __init__(self, sensor: Callable[[np.ndarray], np.ndarray], noise_n: float = 0.1) -> None:
        self.sensor = sensor
        self.noise_n = noise_n
        self.force_n = 0.0
        self.rng = np.random.default_rng(3)
        self.prompts: list[str] = []
        self.hung: list[float] = []
        self.swing_windows = 0

    def prompt(self, text: str) -> None:
        self.prompts.append(text)

    def hang(self, mass_kg: float) -> None:
        self.hung.append(mass_kg)
        self.force_n = mass_kg * STANDARD_GRAVITY

    def read_window(self, seconds: float) -> np.ndarray:
        n = round(seconds * RATE)
        force = self.force_n + self.rng.normal(0.0, self.noise_n, n)
        if self.swing_windows:
            self.swing_windows -= 1
            force += 3.0 * np.sin(np.arange(n) / RATE * 2 * np.pi * 1.5)
        return self.sensor(force)


def test_sequence_rises_then_falls() -> None:
    order = calibration_sequence([20, 0, 5, 10])
    assert [m for m, _ in order] == [0, 5, 10, 20, 10, 5, 0]
    assert [d for _, d in order[:4]] == [Direction.LOADING] * 4
    assert [d for _, d in order[4:]] == [Direction.UNLOADING] * 3
    assert [m for m, _ in calibration_sequence([0, 5], unloading=False)] == [0, 5]


@pytest.mark.parametrize(
    ("masses", "message"), [([0, 5, 5], "listed twice"), ([0, -5], "finite masses >= 0")]
)
def test_sequence_validates(masses: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        calibration_sequence(masses)


def test_calibration_corrects_a_device_7_pct_high_with_3_n_offset() -> None:
    device = HangingMass(lambda f: 1.07 * f + 3.0)
    record = run_calibration(
        device.read_window,
        [0, 5, 10, 20, 30],
        device.prompt,
        "sim:1",
        "Simulated",
        hang=device.hang,
    )
    assert device.hung[:3] == [0.0, 5.0, 10.0]
    assert device.prompts[:3] == [
        "Remove every mass and let the device hang unloaded",
        "Hang 5 kg",
        "Hang 10 kg",
    ]
    assert len(record.points) == 9
    assert record.points[0].n_samples == 160
    correction = record.correction()
    force = np.linspace(10.0, 300.0, 30)
    error = correction(1.07 * force + 3.0) - force
    assert np.max(np.abs(error) / force) < 0.005
    assert record.fit.degree == 1
    check = run_verification(device.read_window, 10.0, device.prompt, correction, hang=device.hang)
    assert check.passed and abs(check.error_n) < 0.1


def test_nonlinear_device_gets_a_quadratic_and_passes() -> None:
    device = HangingMass(lambda f: 1.07 * f + 3.0 + 1e-4 * f**2, noise_n=0.05)
    record = run_calibration(
        device.read_window,
        [0, 5, 10, 20, 30],
        device.prompt,
        "sim:2",
        "Simulated",
        hang=device.hang,
    )
    assert record.fit.degree == 2
    force = np.linspace(10.0, 294.0, 30)
    error = record.correction()(1.07 * force + 3.0 + 1e-4 * force**2) - force
    assert np.max(np.abs(error) / force) < 0.005


def test_swinging_mass_is_reread_after_a_prompt() -> None:
    device = HangingMass(lambda f: f)
    device.swing_windows = 2
    stats = read_stable(device.read_window, device.prompt, 2.0, attempts=3)
    assert stats.mean == pytest.approx(0.0, abs=0.05)
    assert len(device.prompts) == 2
    assert "the reading is moving" in device.prompts[0]
    assert device.prompts[1].endswith("(attempt 3 of 3)")


def test_gives_up_after_the_last_attempt() -> None:
    device = HangingMass(lambda f: f)
    device.swing_windows = 5
    with pytest.raises(CalibrationError) as info:
        run_calibration(
            device.read_window, [0, 10], device.prompt, "d", "m", attempts=2, hang=device.hang
        )
    assert info.value.reason is Reason.UNSTABLE
    assert device.swing_windows == 3


def test_masses_are_refused_before_anything_is_hung() -> None:
    device = HangingMass(lambda f: f)
    with pytest.raises(CalibrationError) as info:
        run_calibration(device.read_window, [0, 1], device.prompt, "d", "m")
    assert info.value.reason is Reason.TOO_CLOSE
    assert device.prompts == []


def test_verification_reads_through_the_correction() -> None:
    device = HangingMass(lambda f: 1.07 * f + 3.0)
    uncorrected = run_verification(
        device.read_window, 10.0, device.prompt, Correction.identity(), hang=device.hang
    )
    assert not uncorrected.passed
    assert uncorrected.error_pct == pytest.approx(10.1, abs=0.2)


@pytest.mark.parametrize(
    ("kwargs", "name"), [({"window_s": 0.0}, "window_s"), ({"attempts": 0}, "attempts")]
)
def test_read_stable_validates(kwargs: dict[str, float], name: str) -> None:
    device = HangingMass(lambda f: f)
    args = {"window_s": 2.0, "attempts": 3} | kwargs
    with pytest.raises(ValueError, match=name):
        read_stable(device.read_window, device.prompt, **args)  # type: ignore[arg-type]


def test_verification_validates_mass() -> None:
    device = HangingMass(lambda f: f)
    with pytest.raises(ValueError, match="mass_kg"):
        run_verification(device.read_window, -1.0, device.prompt, Correction.identity())
