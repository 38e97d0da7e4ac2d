"""Yield rules on hand-built traces: gyro excursion, deep falls, the examiner's wobble."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nkt_dyno.engine import Break, BreakWithdrawn, Complete, Detector, analyze

RATE = 200.0


def force_trace(knots_t, knots_f, seed=0):
    """Piecewise-linear force through the knots at 200 Hz, 0.2 N noise."""
    t = np.arange(0.0, knots_t[-1], 1.0 / RATE)
    f = np.interp(t, knots_t, knots_f)
    return t, f + np.random.default_rng(seed).normal(0.0, 0.2, t.size)


def gyro_of(t, knots_t, knots_w, seed=1):
    """Angular speed (deg/s) through the knots, zero elsewhere, 0.5 deg/s noise."""
    w = np.interp(t, knots_t, knots_w, left=0.0, right=0.0)
    return w + np.random.default_rng(seed).normal(0.0, 0.5, t.size)


def one(t, f, g=None):
    res = analyze(t, f, g)
    assert len(res) == 1, res
    return res[0]


def streamed(t, f, g=None, size=4):
    """Events with the time of the last sample of the block that produced each."""
    det = Detector()
    out = []
    for i in range(0, t.size, size):
        gi = None if g is None else g[i : i + size]
        out += [
            (e, float(t[min(i + size, t.size) - 1]))
            for e in det.feed(t[i : i + size], f[i : i + size], gi)
        ]
    return out + [(e, float(t[-1])) for e in det.finish()]


HOLD = ([0, 1, 2.5, 4.5, 4.6, 6.5], [0, 0, 120, 120, 0, 0])
"""Rise over 1.5 s, 2 s held at 120 N, quick 100 ms release."""
ELASTIC = ([2.0, 2.03, 2.17, 2.2], [0.0, 8.0, 8.0, 0.0])
"""Elastic give while the load rises: ~1 degree at 7–8 deg/s, then it stops."""
HELD_YIELD = ([3.5, 3.515, 3.575, 3.59], [0.0, 40.0, 40.0, 0.0])
"""The limb gives way on the plateau: 40 deg/s for ~70 ms, ~3 degrees."""
SLOW_LET_GO = ([0, 1, 2.5, 4.5, 5.1, 6.5], [0, 0, 120, 120, 0, 0])
"""As ``HOLD`` but let go over 600 ms: the effort is still open near rest."""
REBOUND = ([4.85, 4.87, 5.0, 5.05], [0.0, -40.0, -40.0, 0.0])
"""The limb springs back as the hand leaves (force ~40 N, a third of the top): ~6 degrees."""


def test_elastic_settling_during_the_rise_is_not_a_break():
    t, f = force_trace(*HOLD)
    g = gyro_of(t, [2.0, 2.02, 2.13, 2.15], [0.0, 12.0, 12.0, 0.0])
    assert np.trapezoid(g[(t > 2.0) & (t < 2.2)], dx=1 / RATE) > 1.0
    r = one(t, f, g)
    assert r.verdict == "hold" and r.break_s is None


def test_slow_elastic_give_through_the_rise_is_not_a_break():
    t, f = force_trace(*HOLD)
    g = gyro_of(t, *ELASTIC)
    assert one(t, f, g).verdict == "hold"


def test_excursion_under_held_force_is_a_break_from_the_movement_start():
    t, f = force_trace(*HOLD)
    g = gyro_of(t, *HELD_YIELD)
    r = one(t, f, g)
    assert r.verdict == "break"
    assert abs(r.break_s - 3.5) < 0.006
    assert abs(r.break_ratio - 1.0) < 0.02
    assert r.break_source == "gyro"


def test_held_excursion_is_confirmed_before_it_reaches_the_full_angle():
    # While the force holds, half a degree of sustained motion proves a yield;
    # 2 degrees at 40 deg/s would only be reached ~3.56 s.
    t, f = force_trace(*HOLD)
    g = gyro_of(t, *HELD_YIELD)
    brk = [(e, at) for e, at in streamed(t, f, g, size=2) if isinstance(e, Break)]
    assert len(brk) == 1 and brk[0][0].source == "gyro"
    assert brk[0][1] - 3.5 < 0.065


def test_excursion_while_the_force_still_rises_needs_the_full_angle():
    # A steep rise (200 N/s): motion that comes with a rising load may be
    # elastic give, so 1.5 degrees is not enough; 3 degrees is a yield.
    t, f = force_trace([0, 1, 1.6, 4.5, 4.6, 6.5], [0, 0, 120, 120, 0, 0])
    small = gyro_of(t, [1.3, 1.315, 1.375, 1.39], [0.0, 20.0, 20.0, 0.0])
    assert one(t, f, small).verdict == "hold"
    big = gyro_of(t, [1.3, 1.315, 1.445, 1.46], [0.0, 20.0, 20.0, 0.0])
    r = one(t, f, big)
    assert r.verdict == "break" and abs(r.break_s - 1.3) < 0.006


def test_rebound_after_release_is_not_a_break():
    t, f = force_trace(*SLOW_LET_GO)
    g = gyro_of(t, *REBOUND)
    r = one(t, f, g)
    assert r.verdict == "hold" and r.break_s is None


def test_limb_moving_as_the_hand_lets_go_is_not_a_held_yield():
    # The motion starts with the force still at its top, but the force is
    # falling away fast: a release, not a yield under maintained pressure.
    t, f = force_trace(*HOLD)
    g = gyro_of(t, [4.5, 4.52, 4.7, 4.75], [0.0, -15.0, -15.0, 0.0])
    assert one(t, f, g).verdict == "hold"


DEEP = ([0, 1, 3.5, 4.0, 4.8, 5.0, 6.5], [0, 0, 120, 72, 72, 0, 0])
"""The rising push cut short: 40 % in 500 ms at a steady 0.8 of the top per second."""
EASE = ([0, 1, 3.5, 4.5, 5.3, 5.5, 7.0], [0, 0, 120, 72, 72, 0, 0])
"""The same 40 % in 1 s (0.4 of the top per second): the examiner easing off."""


def test_deep_fall_at_a_steady_fast_rate_is_a_break():
    r = one(*force_trace(*DEEP))
    assert r.verdict == "break"
    assert abs(r.break_s - 3.5) < 0.04
    assert 35 < r.drop_pct < 45


def test_deep_fall_at_easing_off_rate_is_not_a_break():
    assert one(*force_trace(*EASE)).verdict == "hold"


def _dips(second_drop_n):
    """A push to 100 N, a quick 15 N dip regained, and straight on a quick dip of
    ``second_drop_n`` (no dwell at the top before either)."""
    return (
        [0, 1, 3.5, 3.6, 3.9, 4.0, 4.1, 4.2, 4.8, 5.0, 6.0],
        [0, 0, 100, 85, 85, 100, 101, 101 - second_drop_n, 101 - second_drop_n, 0, 0],
    )


def test_dip_the_size_of_a_regained_one_is_not_a_break():
    t, f = force_trace(*_dips(15))
    events = [e for e, _ in streamed(t, f)]
    gone = [e for e in events if isinstance(e, BreakWithdrawn)]
    assert gone and gone[0].reason == "regained"
    assert events[-1].result.verdict == "hold"
    assert one(t, f).verdict == "hold"


def test_fall_twice_the_regained_dip_is_a_break():
    t, f = force_trace(*_dips(30))
    r = one(t, f)
    assert r.verdict == "break"
    assert abs(r.break_s - 4.1) < 0.04


def test_a_dip_of_the_contact_overshoot_does_not_raise_the_yield_depth():
    # The pad meets the limb: 40 N reached within 0.15 s, a 12 N dip regained,
    # then the push rises to 100 N and falls 20 % at once to a level.
    knots = (
        [0, 1, 1.15, 1.3, 3.0, 3.1, 3.9, 4.1, 5.0],
        [0, 0, 40, 28, 100, 80, 80, 0, 0],
    )
    r = one(*force_trace(*knots))
    assert r.verdict == "break"
    assert abs(r.break_s - 3.0) < 0.04
    # The same 30 % dip on the way up, a second after the departure, is the
    # examiner's wobble: a 20 % fall is within 1.5 times of it.
    later = ([0, 1, 2.0, 2.15, 3.0, 3.1, 3.9, 4.1, 5.0], [0, 0, 60, 42, 100, 80, 80, 0, 0])
    assert one(*force_trace(*later)).verdict == "hold"


def _level_then_slow_fall(level_s):
    """0.35 s at 100 N, a quick 20 % fall, a level kept ``level_s``, then a slow
    fall to 45 N over 1 s, a second level and the release."""
    a = 3.45 + level_s
    return (
        [0, 1, 3.0, 3.35, 3.45, a, a + 1.0, a + 2.0, a + 2.1, a + 3],
        [0, 0, 100, 100, 80, 80, 45, 45, 0, 0],
    )


def test_a_yield_level_kept_before_the_examiner_lets_go_stands():
    r = one(*force_trace(*_level_then_slow_fall(0.8)))
    assert r.verdict == "break"
    assert abs(r.break_s - 3.35) < 0.04


def test_a_level_left_at_once_was_a_pause_in_one_slow_fall():
    assert one(*force_trace(*_level_then_slow_fall(0.2))).verdict == "hold"


def test_a_recording_begun_under_load_and_released_slowly_keeps_its_efforts():
    # 90 N at the start, let go over 2 s to a 20 N rest; two efforts follow.
    knots = (
        [0, 1.0, 3.0, 6.0, 6.1, 7.5, 9.5, 9.6, 12, 13.5, 15.5, 15.6, 18],
        [90, 90, 20, 20, 35, 70, 70, 20, 20, 70, 70, 20, 20],
    )
    res = analyze(*force_trace(*knots))
    assert [round(r.onset_s) for r in res] == [0, 6, 12]
    assert [r.verdict for r in res[1:]] == ["hold", "hold"]


def _chunked(t, f, g, cuts):
    det = Detector()
    events = []
    for a, b in itertools.pairwise([0, *sorted(set(cuts)), t.size]):
        events += det.feed(t[a:b], f[a:b], g[a:b])
    return events + det.finish()


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(1, 1299), max_size=80),
    st.sampled_from([ELASTIC, HELD_YIELD, REBOUND]),
)
def test_gyro_rules_give_identical_events_for_any_block_split(cuts, knots):
    t, f = force_trace(*HOLD, seed=5)
    g = gyro_of(t, *knots, seed=6)
    whole = _chunked(t, f, g, [])
    assert _chunked(t, f, g, cuts) == whole
    assert isinstance(whole[-1], Complete)


SPRING_BACK = ([4.5, 4.52, 4.8, 4.85], [0.0, -60.0, -60.0, 0.0])
"""The limb springs back against the push as the hand lets go: ~15 degrees, force at its top."""


def test_spring_back_against_the_push_is_not_a_yield_on_a_signed_channel():
    t, f = force_trace(*HOLD)
    g = gyro_of(t, *SPRING_BACK)
    assert one(t, f, g).verdict == "hold"
    # the same movement with the push: the limb gave way
    r = one(t, f, -g)
    assert r.verdict == "break" and r.break_source == "gyro"


def test_on_a_channel_of_unknown_sign_motion_after_the_fall_began_is_no_yield():
    # Let go over 300 ms; the limb starts to move 50 ms into the fall.
    t, f = force_trace([0, 1, 2.5, 4.5, 4.8, 6.5], [0, 0, 120, 120, 0, 0])
    g = gyro_of(t, [4.6, 4.62, 4.8, 4.85], [0.0, 60.0, 60.0, 0.0])
    r = analyze(t, f, g, gyro_signed=False)
    assert len(r) == 1 and r[0].verdict == "hold"
    # motion that starts while the force still holds is a yield whatever its sign
    g = gyro_of(t, *HELD_YIELD)
    r = analyze(t, f, -g, gyro_signed=False)
    assert r[0].verdict == "break" and r[0].break_source == "gyro"


def test_a_channel_the_device_signs_mid_stream_is_read_by_its_sign_from_then_on():
    # Read by its magnitude, the spring-back at the release is motion while
    # the force still holds: a yield. Once the device has learnt the push's
    # direction (before the effort), it reads as what it is.
    t, f = force_trace(*HOLD)
    g = gyro_of(t, *SPRING_BACK)
    assert [r.verdict for r in analyze(t, f, g, gyro_signed=False)] == ["break"]
    assert [r.verdict for r in analyze(t, f, g, gyro_signed=False, signed_from_s=1.0)] == ["hold"]
    # Signed only after the spring-back began: too late for this effort.
    late = analyze(t, f, g, gyro_signed=False, signed_from_s=4.6)
    assert [r.verdict for r in late] == ["break"]
    # Live, told between two blocks, as the driver's blocks say it.
    for cut in (200, 201, 899):
        det = Detector(gyro_signed=False)
        events = det.feed(t[:cut], f[:cut], g[:cut])
        det.mark_signed()
        events += det.feed(t[cut:], f[cut:], g[cut:]) + det.finish()
        whole = analyze(t, f, g, gyro_signed=False, signed_from_s=float(t[cut]))
        assert [e.result for e in events if isinstance(e, Complete)] == whole


def test_a_yield_is_timed_from_the_burst_not_from_the_slow_give_before_it():
    # Elastic give turns the limb at 4 deg/s through the whole rise (above
    # the rest band, below a movement); the yield is the burst at 3.5 s.
    t, f = force_trace([0, 1, 3.5, 3.7, 4.5, 4.8, 6.5], [0, 0, 120, 80, 80, 0, 0])
    g = gyro_of(t, [1.2, 1.4, 3.45, 3.5, 3.53, 3.65, 3.7], [0, 4, 4, 4, 40, 40, 0])
    r = one(t, f, g)
    assert r.verdict == "break" and r.break_source == "gyro"
    assert abs(r.break_s - 3.5) < 0.02


def test_an_effort_cut_off_early_on_its_plateau_is_not_yet_a_hold():
    # The recording ends 0.2 s after the push reached 100 N: a yield may still come.
    short = one(*force_trace([0, 1, 2.5, 2.7], [0, 0, 100, 100]))
    assert short.verdict == "inconclusive"
    assert "recording ended before the effort could be judged" in short.reasons
    # Held for a second before the end: a sustained plateau without a yield.
    held = one(*force_trace([0, 1, 2.5, 3.5], [0, 0, 100, 100]))
    assert held.verdict == "hold"


def _smooth_approach_then_let_go():
    """A push that levels off as it nears 100 N (an exponential approach, 0.3 s
    time constant) and is let go at once, 0.15 s after coming within 5 % of it."""
    t = np.arange(0.0, 4.0, 1.0 / RATE)
    f = 100.0 * (1.0 - np.exp(-np.clip(t - 1.0, 0.0, None) / 0.3))
    f = np.where(t < 2.05, f, np.interp(t, [2.05, 2.15], [f[t < 2.05][-1], 0.0]))
    return t, f + np.random.default_rng(0).normal(0.0, 0.2, t.size)


def test_a_push_that_levelled_off_and_was_let_go_at_once_is_a_hold():
    assert one(*_smooth_approach_then_let_go()).verdict == "hold"


def test_a_push_cut_short_while_rising_and_let_go_at_once_is_a_break():
    r = one(*force_trace([0, 1, 2.2, 2.3, 4.0], [0, 0, 100, 0, 0]))
    assert r.verdict == "break"
    assert abs(r.break_s - 2.2) < 0.04


def test_with_motion_a_push_let_go_at_once_is_a_yield_only_if_the_limb_moved():
    # The force alone says yield (above). A motion channel that shows the
    # limb still says the examiner stopped; one that shows it sweeping
    # degrees as the force fell confirms the yield, on either kind of channel.
    t, f = force_trace([0, 1, 2.2, 2.3, 4.0], [0, 0, 100, 0, 0])
    still = gyro_of(t, [0.0], [0.0])
    gave = gyro_of(t, [2.22, 2.24, 2.36, 2.38], [0, 40, 40, 0])
    for signed in (True, False):
        assert [r.verdict for r in analyze(t, f, still, gyro_signed=signed)] == ["hold"]
        assert [r.verdict for r in analyze(t, f, gave, gyro_signed=signed)] == ["break"]


def test_a_release_onto_a_higher_rest_level_ends_the_effort():
    # Rest 20 N; a hold at 80 N eased off over 4 s onto a new rest of 35 N
    # (a quarter of the effort above the old rest, above the release level);
    # then a second hold.
    knots = (
        [0, 1, 2.5, 5, 9, 12, 13.5, 16, 16.1, 18],
        [20, 20, 80, 80, 35, 35, 80, 80, 35, 35],
    )
    t, f = force_trace(*knots)
    res = analyze(t, f)
    assert [e.result for e, _ in streamed(t, f, size=3) if isinstance(e, Complete)] == res
    assert [round(r.onset_s) for r in res] == [1, 12]
    assert [r.verdict for r in res] == ["hold", "hold"]
    assert 40 < res[1].peak_n < 50  # measured above the new rest (45 N), not the old one


def test_a_yield_stepped_down_onto_a_higher_rest_level_stays_a_break():
    # A push cut short at 100 N, a level at 70 N, then down onto a rest of 42 N
    # (was 20 N) kept until a second push.
    knots = (
        [0, 1, 3.0, 3.1, 3.8, 3.9, 6.0, 7.5, 10, 10.1, 12],
        [20, 20, 100, 70, 70, 42, 42, 90, 90, 42, 42],
    )
    t, f = force_trace(*knots)
    res = analyze(t, f)
    assert [e.result for e, _ in streamed(t, f, size=5) if isinstance(e, Complete)] == res
    assert [round(r.onset_s) for r in res] == [1, 6]
    assert [r.verdict for r in res] == ["break", "hold"]


def test_a_push_begun_before_a_ringing_rest_settled_starts_from_that_rest():
    # Two 300 N holds; between them the force rings (dips and 40 N bumps that
    # never settle) for 1.2 s, and the second push is fast: it must not be
    # read as a recording that began under load, with its plateau as rest.
    knots = (
        [0, 1, 2, 4, 4.15, 4.4, 4.6, 4.8, 5.0, 5.2, 5.35, 5.6, 8.5, 8.65, 10],
        [0, 0, 300, 300, 0, 40, 0, 45, 0, 40, 0, 300, 300, 0, 0],
    )
    t, f = force_trace(*knots)
    res = analyze(t, f)
    assert [e.result for e, _ in streamed(t, f, size=7) if isinstance(e, Complete)] == res
    assert [r.verdict for r in res] == ["hold", "hold"]
    assert abs(res[1].onset_s - 5.35) < 0.05
    assert "loaded_start" not in res[1].flags
    assert 270 < res[1].peak_n < 310  # above the ringing rest's level


def test_an_unsigned_motion_channel_learns_its_sign_from_a_yield_the_force_shows():
    # Three efforts on a channel of unknown sign, mounted either way round:
    # a hold let go with the limb springing back (-40 deg/s in the push's
    # terms), a yield (+40 deg/s) while the push still rises and the force
    # falls by a third to a level (force and motion agree), and the first
    # hold again. Before the sign is known the spring-back reads as a yield;
    # once the yield has shown which way is "with the push", it does not.
    t, f = force_trace(
        [0, 1, 2.5, 5.0, 5.2, 7, 8.5, 8.62, 8.75, 9.3, 9.4, 11, 12.5, 15.0, 15.2, 17],
        [0, 0, 120, 120, 0, 0, 120, 112, 80, 80, 0, 0, 120, 120, 0, 0],
    )
    g = gyro_of(
        t,
        [5.0, 5.02, 5.15, 5.17, 8.45, 8.47, 8.6, 8.62, 15.0, 15.02, 15.15, 15.17],
        [0, -40, -40, 0, 0, 40, 40, 0, 0, -40, -40, 0],
    )
    for mount in (1.0, -1.0):
        res = analyze(t, f, mount * g, gyro_signed=False)
        assert [(r.verdict, r.break_source) for r in res] == [
            ("break", "gyro"),
            ("break", "gyro"),
            ("hold", None),
        ]
        det = Detector(gyro_signed=False)
        out = []
        for i in range(0, t.size, 9):
            out += det.feed(t[i : i + 9], f[i : i + 9], mount * g[i : i + 9])
        out += det.finish()
        assert [e.result for e in out if isinstance(e, Complete)] == res


def test_a_speed_without_a_sign_never_learns_one():
    # A device's unsigned reduction is a speed: a yield and a spring-back both
    # read positive. Taking the yield's "+" as the push's direction would make
    # the spring-back 40 ms into the next release a yield; read as unsigned,
    # motion that began after the force began to fall is the hand letting go.
    t, f = force_trace(
        [0, 1, 2.5, 2.62, 2.75, 3.3, 3.4, 5, 6.5, 9.0, 9.2, 11],
        [0, 0, 120, 112, 80, 80, 0, 0, 120, 120, 0, 0],
    )
    speed = np.abs(
        gyro_of(t, [2.45, 2.47, 2.6, 2.62, 9.04, 9.06, 9.19, 9.21], [0, 40, 40, 0, 0, 40, 40, 0])
    )
    res = analyze(t, f, speed, gyro_signed=False)
    assert [(r.verdict, r.break_source) for r in res] == [("break", "gyro"), ("hold", None)]


def test_a_late_fall_that_keeps_a_level_with_degrees_of_motion_is_a_yield_on_any_channel():
    # 1.5 s at 120 N, then a quick fall to a level of 60 N kept for 1 s: force
    # alone cannot tell a late yield from easing off. The limb moves only as
    # the force falls (so on a channel of unknown sign it could be a
    # spring-back), but contact was kept: 6 degrees mean it gave way, while
    # about one degree is the hand's give.
    t, f = force_trace([0, 1, 2.5, 4.0, 4.12, 5.1, 5.2, 7], [0, 0, 120, 120, 60, 60, 0, 0])
    assert [r.verdict for r in analyze(t, f)] == ["inconclusive"]
    for signed in (False, True):
        gave = gyro_of(t, [4.05, 4.07, 4.2, 4.22], [0, 40, 40, 0])
        r = one(*(t, f), gave) if signed else analyze(t, f, gave, gyro_signed=False)[0]
        assert (r.verdict, r.break_source) == ("break", "gyro")
        assert abs(r.break_s - 4.0) < 0.05
        assert r.reasons[0].startswith("the limb " + ("left rest" if signed else "swept degrees"))
        give = gyro_of(t, [4.05, 4.07, 4.2, 4.22], [0, 8, 8, 0])
        assert analyze(t, f, give, gyro_signed=signed)[0].verdict == "hold"


def test_with_motion_a_quick_fall_to_a_level_is_a_yield_only_if_the_limb_moved():
    # 0.3 s at 120 N, then a quick fall to 70 N kept for 0.8 s: force alone
    # calls it a yield. A limb that stayed still says the hand eased off.
    t, f = force_trace([0, 1, 2.2, 2.5, 2.62, 3.4, 3.5, 5], [0, 0, 120, 120, 70, 70, 0, 0])
    assert [(r.verdict, r.break_source) for r in analyze(t, f)] == [("break", "force")]
    still = gyro_of(t, [0.0], [0.0])
    gave = gyro_of(t, [2.5, 2.52, 2.64, 2.66], [0, 40, 40, 0])
    for signed in (True, False):
        assert [r.verdict for r in analyze(t, f, still, gyro_signed=signed)] == ["hold"]
        res = analyze(t, f, gave, gyro_signed=signed)
        assert [(r.verdict, r.break_source) for r in res] == [("break", "gyro")]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 3399), max_size=60), st.sampled_from([1.0, -1.0]))
def test_sign_learning_gives_the_same_events_for_every_block_split(cuts, mount):
    t, f = force_trace(
        [0, 1, 2.5, 5.0, 5.2, 7, 8.5, 8.62, 8.75, 9.3, 9.4, 11, 12.5, 15.0, 15.2, 17],
        [0, 0, 120, 120, 0, 0, 120, 112, 80, 80, 0, 0, 120, 120, 0, 0],
    )
    g = mount * gyro_of(
        t,
        [5.0, 5.02, 5.15, 5.17, 8.45, 8.47, 8.6, 8.62, 15.0, 15.02, 15.15, 15.17],
        [0, -40, -40, 0, 0, 40, 40, 0, 0, -40, -40, 0],
    )

    def events(edges):
        det = Detector(gyro_signed=False)
        out = []
        for a, b in itertools.pairwise(edges):
            out += det.feed(t[a:b], f[a:b], g[a:b])
        return out + det.finish()

    assert events([0, *sorted(set(cuts)), t.size]) == events([0, t.size])


def test_a_speed_without_a_sign_needs_the_whole_sweep_while_the_force_holds():
    # A device's unsigned reduction: the spring-back of the let-go reads as
    # positive as a yield would. Half a degree while the force still holds
    # proves nothing there; a yield still sweeps its 2 degrees.
    t, f = force_trace(*HOLD)
    speed = np.abs(gyro_of(t, *SPRING_BACK))
    assert [r.verdict for r in analyze(t, f, speed, gyro_signed=False)] == ["hold"]
    gave = np.abs(gyro_of(t, *HELD_YIELD))
    r = analyze(t, f, gave, gyro_signed=False)
    assert [x.verdict for x in r] == ["break"] and r[0].break_source == "gyro"


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 2599), max_size=60))
def test_a_speed_that_turns_out_signed_gives_the_same_events_for_any_block_split(cuts):
    # Two holds with a let-go each: the channel first reads below zero during
    # the second, so the first is judged as a speed's, wherever the blocks fall.
    t, f = force_trace(*HOLD, seed=5)
    g = np.abs(gyro_of(t, *SPRING_BACK, seed=6))
    t2, f2, g2 = np.concatenate([t, t + 6.5]), np.concatenate([f, f]), np.concatenate([g, -g])

    def chunked(cuts: list[int]) -> list:
        det = Detector(gyro_signed=False)
        events = []
        for a, b in itertools.pairwise([0, *sorted(set(cuts)), t2.size]):
            events += det.feed(t2[a:b], f2[a:b], g2[a:b])
        return events + det.finish()

    whole = chunked([])
    # From its first reading below zero the channel carries a sign (unknown
    # which): half a degree while the force holds counts again.
    assert [e.result.verdict for e in whole if isinstance(e, Complete)] == ["hold", "break"]
    assert chunked(cuts) == whole


@pytest.mark.parametrize("mount", [1.0, -1.0])
def test_a_channel_of_unknown_sign_learns_it_from_a_holds_spring_back(mount):
    # First hold: let go over 300 ms after 2 s at 120 N, the limb springing
    # back (against the push) 100 ms into the let-go: a hold either way, and
    # it shows which sign "against the push" has. Second hold: the spring-back
    # starts as the hand lets go, force still at its top, which read by its
    # magnitude is a yield; read with the sign learnt, it is not.
    t1, f1 = force_trace([0, 1, 2.5, 4.5, 4.8, 6.5], [0, 0, 120, 120, 0, 0])
    g1 = gyro_of(t1, [4.6, 4.62, 4.8, 4.85], [0.0, -60.0, -60.0, 0.0])
    t2, f2 = force_trace(*HOLD, seed=2)
    g2 = gyro_of(t2, *SPRING_BACK, seed=3)
    assert [r.verdict for r in analyze(t2, f2, mount * g2, gyro_signed=False)] == ["break"]
    t, f = np.concatenate([t1, t2 + 6.5]), np.concatenate([f1, f2])
    res = analyze(t, f, mount * np.concatenate([g1, g2]), gyro_signed=False)
    assert [r.verdict for r in res] == ["hold", "hold"]
