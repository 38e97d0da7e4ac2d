"""Derived measures against hand-computed cases: a ramp whose RFD and impulse are known."""

from __future__ import annotations

import numpy as np
import pytest

from nkt_dyno.derived import (
    G,
    Measure,
    derived_measures,
    normalised,
    rate_measures,
    samples_needed_hz,
)

REST, SLOPE, PEAK = 5.0, 500.0, 200.0
"""Rest 5 N; from onset at 1.0 s the force rises 500 N/s to 200 N above rest at 1.4 s,
holds to 2.0 s and falls at 1000 N/s back to rest at 2.2 s."""
EFFORT = {"onset_s": 1.0, "peak_s": 1.4, "peak_n": PEAK, "flags": []}


def by_key(measures: list[Measure]) -> dict[str, Measure]:
    return {m.key: m for m in measures}


def ramp(rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(round(3.0 * rate_hz)) / rate_hz
    above = np.interp(t, [0.0, 1.0, 1.4, 2.0, 2.2, 3.0], [0.0, 0.0, PEAK, PEAK, 0.0, 0.0])
    return t, REST + above


def test_rfd_windows_and_20_80_of_a_ramp_are_its_slope() -> None:
    m = by_key(rate_measures(*ramp(1000.0), EFFORT))
    for key in ("rfd_0_50_n_per_s", "rfd_0_100_n_per_s", "rfd_0_200_n_per_s", "rfd_20_80_n_per_s"):
        assert m[key].value == pytest.approx(SLOPE, rel=1e-9), key


def test_impulse_is_the_area_above_rest_to_the_effort_end() -> None:
    # Ramp 0.5·0.4·200 = 40, plateau 0.6·200 = 120, fall 0.5·0.2·200 = 20: 180 N·s,
    # less the tail after the force is back within 10 % of the peak (0.5·0.02·20 = 0.2).
    m = by_key(rate_measures(*ramp(1000.0), EFFORT))
    assert m["impulse_n_s"].value == pytest.approx(179.8, abs=0.03)
    assert m["impulse_n_s"].text(1) == "179.8 N·s"


def test_an_80_hz_stream_gives_only_the_200_ms_window() -> None:
    m = by_key(rate_measures(*ramp(80.0), EFFORT))
    assert m["rfd_0_50_n_per_s"].value is None
    assert (
        m["rfd_0_50_n_per_s"].why == "the window spans 4 samples at 80/s; 10 needed (200 samples/s)"
    )
    assert (
        m["rfd_0_100_n_per_s"].value is None and "8 samples at 80/s" in m["rfd_0_100_n_per_s"].why
    )
    assert m["rfd_0_200_n_per_s"].value == pytest.approx(SLOPE, rel=1e-9)
    assert m["rfd_20_80_n_per_s"].value == pytest.approx(SLOPE, rel=1e-9)
    assert [samples_needed_hz(w) for w in (0.05, 0.1, 0.2)] == [200.0, 100.0, 50.0]


def test_an_advertisement_scale_at_10_hz_gives_no_rfd() -> None:
    m = rate_measures(*ramp(10.0), EFFORT)
    rfd = [x for x in m if x.key.startswith("rfd_")]
    assert all(x.value is None and "at 10/s" in x.why for x in rfd)
    assert rfd[0].text() == "— (the window spans 0.5 samples at 10/s; 10 needed (200 samples/s))"
    assert by_key(m)["impulse_n_s"].value == pytest.approx(180.0, abs=2.0)


def test_a_gap_inside_a_window_withholds_it() -> None:
    t, f = ramp(1000.0)
    keep = (t < 1.10) | (t > 1.14)
    m = by_key(rate_measures(t[keep], f[keep], EFFORT))
    assert m["rfd_0_50_n_per_s"].value == pytest.approx(SLOPE)
    assert m["rfd_0_100_n_per_s"].why == "samples are missing inside the window"
    assert m["rfd_0_200_n_per_s"].why == "samples are missing inside the window"
    assert m["rfd_20_80_n_per_s"].why == "samples are missing inside the rise"


def test_no_onset_no_rate_measures() -> None:
    t, f = ramp(1000.0)
    loaded = dict(EFFORT, flags=["loaded_start"])
    assert {x.why for x in rate_measures(t, f, loaded)} == {
        "the recording began mid-push: no onset"
    }
    assert {x.why for x in rate_measures(t, f, None)} == {"no effort found"}


def test_torque_and_body_mass_normalisation() -> None:
    m = by_key(normalised(200.0, 0.3, 80.0))
    assert m["torque_nm"].value == pytest.approx(60.0)
    assert m["n_per_kg"].value == pytest.approx(2.5)
    assert m["pct_bw"].value == pytest.approx(100 * 200.0 / (80.0 * G))
    assert m["nm_per_kg"].value == pytest.approx(0.75)
    missing = by_key(normalised(200.0, None, None))
    assert missing["torque_nm"].why == "no lever arm recorded"
    assert missing["pct_bw"].why == "no body mass on or before the test day"
    assert by_key(normalised(200.0, 0.3, None))["nm_per_kg"].why.startswith("no body mass")


def test_derived_measures_normalise_the_peak() -> None:
    m = by_key(derived_measures(*ramp(1000.0), EFFORT, lever_arm_m=0.25, body_mass_kg=50.0))
    assert m["torque_nm"].value == pytest.approx(50.0)
    assert m["nm_per_kg"].value == pytest.approx(1.0)


def test_keys_name_every_measure_in_order() -> None:
    from nkt_dyno.derived import KEYS

    assert tuple(m.key for m in derived_measures(*ramp(1000.0), None)) == KEYS
