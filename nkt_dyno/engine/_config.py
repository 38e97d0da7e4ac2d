"""Detector settings: every threshold in seconds or relative to noise and peak."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

__all__ = ["DetectorConfig"]


@dataclass(frozen=True)
class DetectorConfig:
    """Settings of :class:`~nkt_dyno.engine.Detector`.

    Thresholds are relative to the baseline noise (SD) or to the effort's own
    force, and durations are in seconds, so a 80 Hz and a 1 kHz device give
    the same answers. The defaults follow DESIGN §3; each line says why.

    Parameters
    ----------
    grid_hz : float, default 200
        Internal uniform rate (Hz). Samples are averaged (anti-alias) or
        interpolated onto it, so irregular, jittery or gapped input and any
        device rate feed one set of filters; 5 ms is far below the 25 ms
        timing targets.
    event_lowpass_hz : float, default 20
        Low-pass for onset, peak and break timing: 15–20 Hz, not 10 Hz, which
        biases force (Dos'Santos 2018).
    smooth_hz : float, default 6
        Heavier low-pass used only to follow the slow shape of the force
        (falls, level-offs, releases) under 6–12 Hz tremor.
    baseline_tau_s : float, default 0.5
        Time constant of the running rest level; slow enough to ignore
        noise, fast enough to follow preload changes and drift between tests.
    noise_tau_s : float, default 2
        Time constant of the running rest noise (SD about the level): noise is
        a property of the sensor and the resting limb and changes more
        slowly than the level drifts.
    noise_clip_sd : float, default 3
        Each deviation from the rest level counts into the noise at most as
        this many SD of the noise so far (beyond 3 SD is not Gaussian noise,
        p = 0.3 %), so a slow rise cannot raise its own onset threshold as
        fast as it departs.
    baseline_gap_s : float, default 0.15
        The rest statistics used to judge a sample are those from this long
        before it, so the start of a slow rise does not raise its own threshold.
    onset_sd : float, default 5
        Onset threshold above the rest mean, in rest SD (Owen 2014; Dos'Santos
        2017).
    onset_cap_frac : float, default 0.1
        Once the recording has shown efforts, the onset threshold is at most
        this share of the largest so far: a noisy or dipping rest must not
        hide the next effort.
    min_onset_n : float, default 1.0
        Floor of the onset threshold (N): quantised sensors can show zero SD
        at rest.
    onset_confirm_s : float, default 0.04
        The force must stay above the threshold this long: a knock or a
        connector glitch is shorter than any voluntary rise.
    min_effort_n : float, default 10
        An effort must rise this far above rest (N). Manual muscle tests apply
        tens to hundreds of newtons; smaller bumps are the limb settling or
        the examiner adjusting the grip.
    onset_peak_frac : float, default 0.01
        Once the peak is known, the onset is where the force first exceeded
        this share of it (or the rest noise band, if larger) before the
        threshold crossing: the departure, not the crossing.
    departure_sd : float, default 2
        Noise band (rest SD) that defines departure while the peak is not yet
        known (the streamed :class:`Onset`) and for the gyro's leaving rest.
    fall_frac : float, default 0.04
        A fall is followed once the smoothed force is this share below its
        running top (and ``fall_sd`` rest SD): smaller dips are tremor.
    fall_sd : float, default 5
        See ``fall_frac``.
    level_window_s : float, default 0.05
        Window over which the smoothed slope is measured to see a fall level
        off.
    level_rate : float, default 0.3
        A fall has levelled off when the force falls slower than this share of
        its top per second: between an examiner easing off (≤ 0.2 /s) and a
        yield (≥ 0.34 /s mean, DESIGN §3).
    break_drop_frac : float, default 0.1
        A yield drops the force by at least this share of the force at the
        break; smaller falls are tremor or grip adjustments.
    max_fall_s : float, default 0.35
        A yield is quick: it completes its fall (10 % to 90 % of the drop)
        within this time (the limb gives way in ~80–350 ms) or, if deeper,
        falls on average at least twice ``level_rate`` of its top per second
        (clearly falling all along, not hovering at the level-off limit).
        An examiner easing off is both slower and longer; a deep yield
        (the limb gives, then the examiner lowers his push after his
        80–200 ms reaction) can take longer than 350 ms in all but is still
        far faster than easing off.
    wobble_k : float, default 1.5
        A yield must drop at least this many times the deepest dip the
        effort has already shown and regained: a fall the size of the
        examiner's own wobble on this very effort is his hand, not the limb
        (a wobble's dips vary in depth; 1.5 leaves room for that spread).
    release_frac : float, default 0.2
        Below this share of the top the force is being released: a yield
        keeps contact and levels off well above it (AFisomax/AFmax ≥ 0.5,
        Schaefer & Bittmann 2021–2023).
    rest_settle_s : float, default 0.3
        After a release, wait this long before watching for the next onset.
    max_settle_s : float, default 1.2
        After a release, the rest is looked for once the force has settled
        (see :meth:`Detector`), but no later than this after
        ``rest_settle_s``: rests between efforts can be as short as 0.6 s.
    gyro_sd : float, default 5
        The limb leaves rest when the angular speed exceeds this many rest SD
        (and ``gyro_floor_dps``).
    gyro_floor_dps : float, default 8
        Floor of the motion threshold (deg/s): hand tremor and breathing move
        the limb a few deg/s without a yield.
    gyro_confirm_s : float, default 0.015
        Motion must persist this long, so a single jolt is not a yield.
    gyro_yield_deg : float, default 2
        A yield is a sustained movement that accumulates angle: the angular
        speed integrated since the limb left rest must reach this many
        degrees. The elastic give of joint, soft tissue and pad under a
        rising manual load (and the tremor) stays near a degree and stops;
        a limb that gives way keeps moving through several degrees.
    gyro_force_frac : float, default 0.5
        The movement must start while the contact force is at least this
        share of the effort's top: a yield happens under maintained pressure
        (AFisomax/AFmax ≥ 0.5 even in unstable muscles, Schaefer & Bittmann
        2021–2023), whereas the limb's rebound when the examiner withdraws
        his hand starts with the force already near rest. On a channel of
        unknown sign the movement must also start before the force began to
        fall: the limb gives, then the force follows; a hand that lets go
        unloads the limb first, and the spring-back comes after.
    gyro_held_deg : float, default 0.5
        While the force holds, this much angle already proves a yield, so the
        break is confirmed without waiting for ``gyro_yield_deg``: elastic give
        is angle in proportion to added load (≈ 1° over the whole rise), so
        half a degree without the force rising (``gyro_held_rise``) is not
        elastic; at ≥ ``gyro_floor_dps`` it takes ≥ 60 ms of motion in one
        direction, longer than the above-threshold part of a 6–12 Hz tremor
        half-cycle.
    gyro_held_rise : float, default 0.02
        "Holds" means the event-filtered force is no more than this share of
        the top above its value when the limb left rest: half a degree of
        elastic give would need tens of percent more load.
    gyro_held_keep : float, default 0.8
        ... and still at least this share of that value: a yield unloads the
        muscle over 80–350 ms, whereas a limb moving as the examiner lets go
        sees the force fall away within a few tens of ms (the rebound).
    dwell_frac : float, default 0.05
        The force "dwells at the top" while within this share of the top a
        fall starts from; the dwell is measured from the first reach of that
        band to the start of the fall.
    yield_dwell_s : float, default 0.25
        A fall that starts with less dwell than this interrupted a rising push:
        in a break test the examiner's pressure is still rising when an
        unstable muscle gives way, below the top he was heading for (DESIGN
        §3). Such a quick fall is a yield even if the examiner stops at once
        and the force goes straight on to rest; a hold's release comes after
        a plateau.
    late_dwell_s : float, default 0.5
        A fall that starts after at least this long at the top is ambiguous
        from force alone (a late yield, easing off, a release in steps):
        without motion evidence it is never a confident break; if it levels
        off above rest the verdict is ``inconclusive``.
    step_pause_s : float, default 0.1
        A late fall whose level is left for rest within this time is one
        letting-go motion that barely paused, and the effort is a hold. A
        level kept longer is the ambiguous case of ``late_dwell_s``: an
        examiner may keep contact after a yield for as little as 0.1 s before
        letting go, so a release in steps with a real pause cannot be told
        from it without motion.
    max_level_s : float, default 2.0
        After a yield the examiner keeps contact at the lower level for
        0.3–1.5 s and lets go; a level held longer than this is the patient
        holding (an overshoot that settled into a plateau), not a yield.
    contact_s : float, default 0.3
        A dip from a top reached within this time of the departure is the
        contact's overshoot as the pad meets the limb (a jolt start), not the
        examiner's wobble on the plateau, so it does not raise the depth a
        yield must exceed (``wobble_k``).
    resume_s : float, default 0.5
        A yield levels off and the examiner keeps contact there for a moment
        before letting go, often in steps. A fall that goes on from the level
        within this time turns the level-off into a pause in one longer fall,
        which is judged whole (a slow decline with a hesitation); a level kept
        longer stands as the yield's, and what follows is the release.
    touch_frac : float, default 0.25
        An effort whose peak is under this share of the largest effort around
        it (``touch_window_s``) is a touch, a rest bump or a set-up movement,
        not a test (small touches are 5–15 % of the efforts around them).
    touch_window_s : float, default 30
        See ``touch_frac``: efforts that began this close are "around".
    hole_s : float, default 0.25
        A hole without samples this long inside an effort (lost
        notifications, a reconnection) flags the effort ``gap``: the figures
        near it come from interpolation.
    gap_s : float, default 5
        A hole without samples longer than this ends the open effort (the
        recording was paused) and the rest is looked for anew.
    plateau_frac : float, default 0.9
        The plateau (``hold_s``, tremor) is where the force is within 10 % of
        the peak (DESIGN §2).
    min_hold_s : float, default 0.1
        A hold shorter than this on the plateau is too short to judge.
    jolt_ratio : float, default 0.3
        Start force above this share of the peak is a jolt start (Bittmann
        2020 report start/max ratios of expert examiners well below it).
    jolt_rise_s : float, default 0.1
        Reaching half the peak within this time of onset is also a jolt.
    max_effort_s : float, default 60
        An effort longer than this is closed as inconclusive (a forgotten
        load, not a manual test), which also bounds the detector's memory.
    peak_hold_s : float, default 0.1
        A :class:`Peak` event is sent once a new maximum has stood this long.
    """

    grid_hz: float = 200.0
    event_lowpass_hz: float = 20.0
    smooth_hz: float = 6.0
    baseline_tau_s: float = 0.5
    noise_tau_s: float = 2.0
    noise_clip_sd: float = 3.0
    baseline_gap_s: float = 0.15
    onset_sd: float = 5.0
    onset_cap_frac: float = 0.1
    min_onset_n: float = 1.0
    onset_confirm_s: float = 0.04
    min_effort_n: float = 10.0
    onset_peak_frac: float = 0.01
    departure_sd: float = 2.0
    fall_frac: float = 0.04
    fall_sd: float = 5.0
    level_window_s: float = 0.05
    level_rate: float = 0.3
    break_drop_frac: float = 0.1
    max_fall_s: float = 0.35
    wobble_k: float = 1.5
    contact_s: float = 0.3
    release_frac: float = 0.2
    rest_settle_s: float = 0.3
    max_settle_s: float = 1.2
    gyro_sd: float = 5.0
    gyro_floor_dps: float = 8.0
    gyro_confirm_s: float = 0.015
    gyro_yield_deg: float = 2.0
    gyro_force_frac: float = 0.5
    gyro_held_deg: float = 0.5
    gyro_held_rise: float = 0.02
    gyro_held_keep: float = 0.8
    dwell_frac: float = 0.05
    yield_dwell_s: float = 0.25
    late_dwell_s: float = 0.5
    step_pause_s: float = 0.1
    max_level_s: float = 2.0
    resume_s: float = 0.5
    touch_frac: float = 0.25
    touch_window_s: float = 30.0
    hole_s: float = 0.25
    gap_s: float = 5.0
    plateau_frac: float = 0.9
    min_hold_s: float = 0.1
    jolt_ratio: float = 0.3
    jolt_rise_s: float = 0.1
    max_effort_s: float = 60.0
    peak_hold_s: float = 0.1

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(
                    f"DetectorConfig.{f.name} must be a finite number > 0, got {value!r}"
                )
        if self.event_lowpass_hz >= self.grid_hz / 2 or self.smooth_hz >= self.grid_hz / 2:
            raise ValueError(
                f"low-pass corners must be below grid_hz/2 = {self.grid_hz / 2} Hz, got "
                f"event_lowpass_hz={self.event_lowpass_hz}, smooth_hz={self.smooth_hz}"
            )
        for name in (
            "onset_peak_frac",
            "fall_frac",
            "break_drop_frac",
            "release_frac",
            "plateau_frac",
            "jolt_ratio",
            "gyro_force_frac",
            "gyro_held_rise",
            "gyro_held_keep",
            "dwell_frac",
            "touch_frac",
            "onset_cap_frac",
        ):
            if getattr(self, name) >= 1:
                raise ValueError(f"DetectorConfig.{name} must be < 1, got {getattr(self, name)}")
