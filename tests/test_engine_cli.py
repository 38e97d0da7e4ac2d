"""``nkt-dyno analyze``: table, JSON lines, bad files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nkt_dyno.cli import main


def _write(path, t, f):
    rows = "\n".join(f"{a:.4f},{b:.3f}" for a, b in zip(t, f, strict=True))
    path.write_text("# nkt-dyno trace v1\n# sample_rate_hz: 200\ntime_s,force_n\n" + rows + "\n")


def _hold_and_break(tmp_path):
    t = np.arange(0.0, 13.0, 0.005)
    f = np.interp(
        t,
        [0, 1, 2.5, 4.5, 4.9, 7, 8.5, 8.7, 9.5, 9.8, 13],
        [0, 0, 120, 120, 0, 0, 120, 80, 80, 0, 0],
    )
    f += np.random.default_rng(0).normal(0, 0.2, t.size)
    p = tmp_path / "two.csv"
    _write(p, t, f)
    return p


def test_json_lines(tmp_path, capsys):
    p = _hold_and_break(tmp_path)
    assert main(["analyze", "--json", str(p)]) == 0
    lines = [json.loads(s) for s in capsys.readouterr().out.splitlines()]
    assert [d["verdict"] for d in lines] == ["hold", "break"]
    assert [d["effort"] for d in lines] == [0, 1]
    assert all(d["file"] == str(p) for d in lines)


def test_table(tmp_path, capsys):
    p = _hold_and_break(tmp_path)
    assert main(["analyze", str(p)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["file", "effort", "verdict"]
    assert "hold" in out[1] and "break" in out[2]
    assert [line.split()[1] for line in out[1:]] == ["1", "2"]  # counted as people count


def test_bad_file_reported_others_analysed(tmp_path, capsys):
    good = _hold_and_break(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("time_s,force_n\n0.0,abc\n")
    missing = tmp_path / "missing.csv"
    assert main(["analyze", "--json", str(bad), str(missing), str(good)]) != 0
    cap = capsys.readouterr()
    assert str(bad) in cap.err and str(missing) in cap.err
    assert len(cap.out.splitlines()) == 2


def _verdicts(capsys, *argv):
    assert main(["analyze", "--json", *argv]) == 0
    return [json.loads(s) for s in capsys.readouterr().out.splitlines()]


def test_make_test_from_the_option_or_the_file(tmp_path, capsys):
    p = _hold_and_break(tmp_path)
    made = _verdicts(capsys, "--test", "make", str(p))
    assert [d["verdict"] for d in made] == ["hold", "hold"]
    assert {d["test"] for d in made} == {"make"}
    p.write_text(p.read_text().replace("# sample_rate_hz", "# test: make\n# sample_rate_hz"))
    assert [d["verdict"] for d in _verdicts(capsys, str(p))] == ["hold", "hold"]
    assert [d["verdict"] for d in _verdicts(capsys, "--test", "break", str(p))] == [
        "hold",
        "break",
    ]


def test_unknown_test_type_in_the_file_is_refused(tmp_path, capsys):
    p = _hold_and_break(tmp_path)
    p.write_text(p.read_text().replace("# sample_rate_hz", "# test: isometric\n# sample_rate_hz"))
    assert main(["analyze", str(p)]) == 1
    assert "'isometric' is not a test type" in capsys.readouterr().err


def test_json_lines_carry_the_derived_measures_and_why_some_are_withheld(tmp_path, capsys):
    p = _hold_and_break(tmp_path)
    p.write_text(p.read_text().replace("# sample_rate_hz", "# lever_arm_m: 0.3\n# sample_rate_hz"))
    first = _verdicts(capsys, str(p))[0]
    assert first["derived"]["torque_nm"] == pytest.approx(0.3 * first["peak_n"])
    assert first["derived"]["rfd_0_50_n_per_s"] == pytest.approx(80.0, rel=0.2)  # 120 N in 1.5 s
    assert first["derived"]["n_per_kg"] is None
    assert first["withheld"] == {
        "n_per_kg": "no body mass on or before the test day",
        "pct_bw": "no body mass on or before the test day",
        "nm_per_kg": "no body mass on or before the test day",
    }
