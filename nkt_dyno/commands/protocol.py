"""``nkt-dyno protocol run|show``: baseline → challenge → retest of one muscle, as one group."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from nkt_dyno.commands._choices import SIDES
from nkt_dyno.commands._errors import fail
from nkt_dyno.commands._storecli import add_db_argument, with_store

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from nkt_dyno.clinic import PlannedStep, ProtocolRequest
    from nkt_dyno.devices._session import DeviceSession
    from nkt_dyno.store import Store

SIM_PREFIX = "sim:"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "protocol", help="run a test → challenge → retest protocol, or show one"
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = sub.add_parser("run", help="run the steps on a device and save them as one group")
    run.add_argument("--client", required=True, help="client id or exact name")
    run.add_argument("--muscle", required=True, help='muscle tested, e.g. "gluteus medius"')
    run.add_argument("--side", required=True, choices=SIDES)
    run.add_argument(
        "--device", required=True, help="address, or sim:progressor, sim:openprofile..."
    )
    run.add_argument(
        "--challenge",
        action="append",
        default=[],
        metavar="MUSCLE",
        help="touched muscle of a challenge test (repeat for several)",
    )
    run.add_argument("--baselines", type=int, default=1, help="baseline tests (default 1)")
    run.add_argument("--retests", type=int, default=1, help="retests after release (default 1)")
    run.add_argument("--examiner", help="examiner's name, for a new session")
    run.add_argument("--session", type=int, help="session id (default: today's, else a new one)")
    run.add_argument("--calibration", help="calibration id the device is corrected with")
    run.add_argument(
        "--scenario",
        help="simulated devices: role=case[@N],... with roles baseline, challenge, retest, "
        "or one case for all (default baseline=break@110,challenge=hold@170,retest=hold@165)",
    )
    run.add_argument("--seed", type=int, default=1, help="simulated devices: first seed")
    run.add_argument("--yes", action="store_true", help="start each step without asking")
    add_db_argument(run)
    run.set_defaults(run=with_store(_run))
    show = sub.add_parser("show", help="print a protocol group's summary")
    show.add_argument("group", type=int, metavar="GROUP_ID")
    add_db_argument(show)
    show.set_defaults(run=with_store(_show, reading=True))


def _run(store: Store, args: argparse.Namespace) -> int:
    import asyncio

    from nkt_dyno.clinic import ProtocolRequest, plan

    if args.scenario and not args.device.startswith(SIM_PREFIX):
        return fail("--scenario is only for simulated devices (sim:...)")
    request = ProtocolRequest(
        client=args.client,
        muscle=store.resolve_muscle(args.muscle).name,
        side=args.side,
        steps=plan(baselines=args.baselines, challenges=args.challenge, retests=args.retests),
        examiner=args.examiner,
        session_id=args.session,
        calibration_id=args.calibration,
    )
    try:
        group_id = asyncio.run(_steps(store, request, args))
    except EOFError:
        return fail("no answer to the prompt (input closed): pass --yes to run without prompts")
    except (RuntimeError, OSError, TimeoutError) as exc:
        return fail(f"the protocol stopped: {exc} (finished steps are saved)")
    _print_summary(store, group_id)
    return 0


async def _steps(store: Store, request: ProtocolRequest, args: argparse.Namespace) -> int:
    import asyncio
    import contextlib

    from nkt_dyno.clinic import run_protocol
    from nkt_dyno.clinic._measures import primary
    from nkt_dyno.summary import verdict_line

    async def before(step: PlannedStep) -> None:
        if args.yes:
            print(f"{step.label} ...", flush=True)
        else:
            await asyncio.to_thread(input, f"press Enter to start {step.label} ")

    def after(step: PlannedStep, test_id: int) -> None:
        print(f"  {verdict_line(primary(store.get_test(test_id)))}  (test #{test_id})", flush=True)

    from nkt_dyno.devices._session import open_device

    if args.device.startswith(SIM_PREFIX):
        from nkt_dyno.clinic.simulation import parse_scenarios, step_scenario

        scenarios = parse_scenarios(args.scenario)

        def connect_sim(
            step: PlannedStep, index: int
        ) -> AbstractAsyncContextManager[DeviceSession]:
            # Each step is a fresh simulated device playing that step's scenario;
            # a record saved for it applies, as it does in `record`.
            scenario = step_scenario(scenarios[step.role], args.seed + index)
            return open_device(args.device, scenario=scenario)

        return await run_protocol(store, request, connect_sim, before=before, after=after)

    async with open_device(args.device) as session:
        return await run_protocol(
            store,
            request,
            lambda step, index: contextlib.nullcontext(session),
            before=before,
            after=after,
        )


def _show(store: Store, args: argparse.Namespace) -> int:
    _print_summary(store, args.group)
    return 0


def _print_summary(store: Store, group_id: int) -> None:
    from nkt_dyno.clinic import summarise_group

    summary = summarise_group(store, group_id)
    print(f"protocol group #{group_id} (session {summary.group.session_id})")
    print(summary.line())
    if summary.noise is not None:
        print(f"noise: {summary.noise.note}")
