"""``nkt-dyno verify``: hang a known mass and check the calibrated reading."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from nkt_dyno.commands._errors import fail, positive_float

if TYPE_CHECKING:
    from calibration import CalibrationRecord


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from nkt_dyno.commands.calibrate import add_device_arguments

    p = subparsers.add_parser("verify", help="check a calibrated device with a known mass")
    add_device_arguments(p)
    p.add_argument("--mass", type=positive_float, required=True, help="hung mass, kg")
    p.add_argument(
        "--tolerance-pct", type=float, default=1.0, help="allowed error, %% of reading (default 1)"
    )
    p.add_argument(
        "--tolerance-n", type=float, default=0.5, help="smallest allowed error, N (default 0.5)"
    )
    p.add_argument("--certificate", type=Path, help="write the certificate with this check")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from calibration import CalibrationError, CalibrationRecord, RecordError
    from nkt_dyno.devices._calibrations import record_path

    path = args.record or record_path(args.device)
    try:
        record = CalibrationRecord.load(path)
    except FileNotFoundError:
        return fail(f"no calibration for {args.device}: calibrate it first (nkt-dyno calibrate)")
    except (OSError, RecordError) as exc:
        return fail(f"no usable calibration for {args.device}: {exc}")
    if args.gravity is None:
        args.gravity = record.gravity
    try:
        return asyncio.run(_verify(args, record))
    except CalibrationError as exc:
        return fail(f"verification refused: {exc}")


async def _verify(args: argparse.Namespace, record: CalibrationRecord) -> int:
    import asyncio

    from calibration import render_certificate, run_verification
    from nkt_dyno.commands.calibrate import make_prompt, raw_stream

    async with raw_stream(args) as (_, reader, hang):
        check = await asyncio.to_thread(
            run_verification,
            reader.read_window,
            args.mass,
            make_prompt(args.yes),
            record.correction(),
            window_s=args.window,
            gravity=args.gravity,
            tolerance_fraction=args.tolerance_pct / 100.0,
            tolerance_floor_n=args.tolerance_n,
            hang=hang,
        )
    pct = "" if check.error_pct is None else f" ({check.error_pct:+.3f} %)"
    verdict = "PASS" if check.passed else "FAIL"
    print(
        f"{verdict}: {check.mass_kg:g} kg = {check.reference_n:.3f} N,"
        f" read {check.reading_n:.3f} N, error {check.error_n:+.3f} N{pct},"
        f" tolerance ±{check.tolerance_n:.3f} N"
    )
    if args.certificate is not None:
        from nkt_dyno.files import write_private

        write_private(args.certificate, render_certificate(record, check))
        print(f"certificate written to {args.certificate}")
    return 0 if check.passed else 1
