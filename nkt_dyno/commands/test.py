"""``nkt-dyno test edit|move|delete|restore|audit``: correcting a saved test.

A wrong side or muscle, a test saved into the wrong visit, a false start:
records must be correctable, and every correction must be traceable. Each
change is written with who made it (``--by``, default the login name) and
what the test was before; a deleted test is only hidden, and ``restore``
brings it back.
"""

from __future__ import annotations

import argparse
import getpass
import json
from typing import TYPE_CHECKING

from nkt_dyno.commands._choices import CONDITIONS, SIDES, TESTS
from nkt_dyno.commands._context import OPTIONS, add_context_arguments, context_from_args
from nkt_dyno.commands._storecli import add_db_argument, local_time, print_table, with_store

if TYPE_CHECKING:
    from nkt_dyno.store import MuscleTest, Store


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("test", help="correct a saved test: edit, move, delete, restore")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    edit = sub.add_parser("edit", help="correct a test's tags")
    _common(edit)
    edit.add_argument("--muscle")
    edit.add_argument("--side", choices=SIDES)
    edit.add_argument("--condition", choices=CONDITIONS)
    edit.add_argument("--target", metavar="MUSCLE", help="challenge target muscle")
    edit.add_argument("--test", choices=TESTS, help="break or make")
    edit.add_argument("--notes")
    add_context_arguments(edit)
    edit.add_argument(
        "--clear",
        action="append",
        default=[],
        choices=[option.removeprefix("--") for option, *_ in OPTIONS],
        metavar="FIELD",
        help="empty a context field (repeatable): fixation, joint-angle, lever-arm, pain, "
        "mmt-grade, patient-position",
    )
    edit.set_defaults(run=with_store(_edit))

    move = sub.add_parser("move", help="move a test to another session of its client")
    _common(move)
    move.add_argument("--session", type=int, required=True, metavar="ID")
    move.set_defaults(run=with_store(_move))

    delete = sub.add_parser("delete", help="hide a test (recoverable with restore)")
    _common(delete)
    delete.add_argument("--reason", default="")
    delete.set_defaults(run=with_store(_delete))

    restore = sub.add_parser("restore", help="bring a deleted test back")
    _common(restore)
    restore.set_defaults(run=with_store(_restore))

    audit = sub.add_parser("audit", help="who corrected what, and when")
    audit.add_argument("id", type=int, nargs="?", help="one test (default: all)")
    add_db_argument(audit)
    audit.set_defaults(run=with_store(_audit, reading=True))


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", type=int, help="test id")
    p.add_argument("--by", default=None, help="who makes the change (default: login name)")
    add_db_argument(p)


def _who(args: argparse.Namespace) -> str:
    return str(args.by or getpass.getuser())


def _edit(store: Store, args: argparse.Namespace) -> int:
    wanted = {
        "muscle": args.muscle,
        "side": args.side,
        "condition": args.condition,
        "challenge_target": args.target,
        "test": args.test,
        "notes": args.notes,
    }
    changes = {k: v for k, v in wanted.items() if v is not None}
    context = context_from_args(args)
    fields = {option.removeprefix("--"): field for option, field, *_ in OPTIONS}
    clear = [fields[name] for name in args.clear]
    if not changes and not context.given() and not clear:
        raise ValueError(
            "nothing to change: give --muscle, --side, --condition, --target, --test, --notes, "
            "a context option (--lever-arm...) or --clear"
        )
    _show(store.edit_test(args.id, who=_who(args), **changes, context=context, clear=clear))
    return 0


def _move(store: Store, args: argparse.Namespace) -> int:
    _show(store.move_test(args.id, args.session, who=_who(args)))
    return 0


def _delete(store: Store, args: argparse.Namespace) -> int:
    store.delete_test(args.id, who=_who(args), reason=args.reason)
    print(f"test {args.id} deleted; `nkt-dyno test restore {args.id}` brings it back")
    return 0


def _restore(store: Store, args: argparse.Namespace) -> int:
    _show(store.restore_test(args.id, who=_who(args)))
    return 0


def _audit(store: Store, args: argparse.Namespace) -> int:
    rows = [
        (local_time(e.at), e.who, e.test_id, e.action, json.dumps(e.before), json.dumps(e.after))
        for e in store.audit(args.id)
    ]
    print_table(("when", "who", "test", "action", "before", "after"), rows)
    return 0


def _show(test: MuscleTest) -> None:
    target = f" (challenge: {test.challenge_target})" if test.challenge_target else ""
    context = test.context.line()
    print(
        f"test {test.id}: session {test.session_id}, {test.muscle} {test.side}, "
        f"{test.condition}{target}, {test.test} test" + (f", {context}" if context else "")
    )
