"""An effort the device cut short (mute or lost) is flagged ``gap`` with the reason said."""

from __future__ import annotations

from nkt_dyno.cut import cut_closing, cut_short, device_stopped
from nkt_dyno.engine import Complete, Detector, analyze
from nkt_dyno.engine.synthetic import generate
from nkt_dyno.summary import effort_lines, gap_note


def test_the_sentence_names_silence_before_loss_and_nothing_when_neither() -> None:
    assert device_stopped(silent_s=None, lost_at_s=None) is None
    assert device_stopped(silent_s=2.0, lost_at_s=None) == (
        "the device sent nothing from 2.0 s on: the recording ends there"
    )
    assert device_stopped(silent_s=None, lost_at_s=3.25) == (
        "the device was lost at 3.2 s: the recording ends there"
    )


def test_a_cut_effort_keeps_its_verdict_and_says_why_once_flagged() -> None:
    trace = generate("hold", seed=4)
    result = analyze(trace.t, trace.force)[0]
    assert "gap" not in result.flags and gap_note(result.to_dict()) == ""
    cut = cut_short(
        cut_short(result, "first"), "the device was lost at 3.0 s: the recording ends there"
    )
    assert cut.verdict == result.verdict and cut.flags.count("gap") == 1
    assert cut.reasons[-2:] == ("first", "the device was lost at 3.0 s: the recording ends there")
    assert gap_note(cut.to_dict()) == "gap: the device was lost at 3.0 s: the recording ends there"
    assert effort_lines([cut])[0].endswith(
        " · gap: the device was lost at 3.0 s: the recording ends there"
    )


def test_only_the_closing_events_of_a_cut_stream_are_marked() -> None:
    trace = generate("hold", seed=4)
    n = trace.t.size // 2  # mid-hold
    detector = Detector()
    detector.feed(trace.t[:n], trace.force[:n])
    closing = detector.finish()
    assert cut_closing(closing, None) == closing
    marked = [e for e in cut_closing(closing, "why") if isinstance(e, Complete)]
    assert marked and all("gap" in e.result.flags for e in marked)
