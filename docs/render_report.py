"""Render page 1 of a simulated session's PDF report to PNG: the README's report picture.

    QT_QPA_PLATFORM=offscreen python docs/render_report.py                # docs/img/report.png
    QT_QPA_PLATFORM=offscreen python docs/render_report.py --tests 15 --pages /tmp/pages

A scratch store gets a simulated client (born 1981, female, weighed) with two
earlier visits and one today: each test a synthetic effort from the engine's
generator at 200 samples/s, analysed and saved as a recording is, tagged with
its patient position, lever arm and fixation. The report's PDF is written,
and its pages are painted to PNG by the same layout
(``nkt_dyno.clinic.write_page_pngs``), so the picture is the printed page 1.
``--pages DIR`` keeps every page; ``--pdf`` the PDF.
Needs the gui extra (Qt).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

from nkt_dyno.clinic import build_report, write_page_pngs, write_pdf
from nkt_dyno.context import TestContext
from nkt_dyno.engine import synthetic
from nkt_dyno.store import Store, save_recording
from nkt_dyno.trace import Trace

RATE_HZ = 200.0
TESTS: tuple[tuple[str, str, str, str, float], ...] = (
    # muscle, side, case, patient position, lever arm (m)
    ("quadriceps", "L", "hold", "seated", 0.35),
    ("quadriceps", "R", "hold", "seated", 0.35),
    ("hamstrings", "L", "break", "prone", 0.38),
    ("hamstrings", "R", "hold", "prone", 0.38),
    ("gluteus medius", "L", "break", "side-lying", 0.78),
    ("gluteus medius", "R", "hold", "side-lying", 0.78),
    ("adductors", "L", "hold", "side-lying", 0.74),
    ("adductors", "R", "hold", "side-lying", 0.74),
    ("hip external rotators", "L", "hold", "seated", 0.36),
    ("hip internal rotators", "L", "break", "seated", 0.36),
    ("hip external rotators", "R", "hold", "seated", 0.36),
    ("hip internal rotators", "R", "hold", "seated", 0.36),
    ("psoas", "L", "hold", "supine", 0.80),
    ("psoas", "R", "break", "supine", 0.80),
    ("quadriceps", "L", "hold", "seated", 0.35),
)
"""Today's tests, in order; ``--tests N`` takes the first N."""
EARLIER_DAYS = (56, 28)
"""Earlier visits (days before today) with the first four tests, for the progress charts."""


def simulate(store: Store, n_tests: int) -> int:
    """The simulated client's visits; return today's session id."""
    client = store.add_client("Example client", birth_year=1981, sex="female")
    today = dt.datetime.now(dt.UTC).replace(microsecond=0)
    store.add_body_mass(client.id, 64.5, measured=(today - dt.timedelta(days=60)).date())
    seed = 0
    session_id = 0
    for days in (*EARLIER_DAYS, 0):
        when = today - dt.timedelta(days=days)
        session_id = store.start_session(client.id, started=when.isoformat()).id
        for k, (muscle, side, case, position, lever) in enumerate(TESTS[: 4 if days else n_tests]):
            seed += 1
            s = synthetic.generate(case, seed, rate_hz=RATE_HZ)
            trace = Trace(t=s.t, force=s.force, gyro=s.gyro, metadata={"scenario": case})
            context = TestContext(
                patient_position=position,
                lever_arm_m=lever,
                fixation="belt" if muscle == "quadriceps" else "handheld",
            )
            save_recording(
                store,
                trace,
                client=client.id,
                session_id=session_id,
                muscle=muscle,
                side=side,
                condition="retest" if k == len(TESTS) - 1 else "baseline",
                test="make" if muscle == "quadriceps" else "break",
                context=context,
                recorded=(when + dt.timedelta(minutes=2 * k)).isoformat(),
            )
    return session_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="docs/img/report.png", help="PNG of page 1")
    parser.add_argument("--tests", type=int, default=6, help=f"today's tests, 1-{len(TESTS)}")
    parser.add_argument("--paper", choices=("A4", "Letter"), default="A4")
    parser.add_argument("--pages", metavar="DIR", help="also keep every page as PNG here")
    parser.add_argument("--pdf", metavar="PATH", help="also keep the PDF here")
    args = parser.parse_args(argv)
    if not 1 <= args.tests <= len(TESTS):
        parser.error(f"--tests must be from 1 to {len(TESTS)}")
    with tempfile.TemporaryDirectory() as scratch:
        with Store.open(Path(scratch) / "store.sqlite3") as store:
            report = build_report(store, simulate(store, args.tests))
        pdf = Path(args.pdf or Path(scratch) / "report.pdf")
        write_pdf(report, pdf, paper=args.paper)
        pages = write_page_pngs(report, args.pages or Path(scratch) / "pages", paper=args.paper)
        shutil.copyfile(pages[0], args.out)
    print(f"{len(report.tests)} tests, {len(pages)} pages; page 1 -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
