"""``nkt-dyno client add|edit|list|mass``: the people tested (names or pseudonyms), their
details and their weighings.

Sex (female or male) is optional and used only to pick the population of a
published reference value, as those are split by sex.

Body mass is kept as a history of weighings with the day of each: a test is
normalised by the one valid on its day, so last year's tests keep last year's mass.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from nkt_dyno.commands._errors import UserError
from nkt_dyno.commands._storecli import add_db_argument, local_time, print_table, with_store

if TYPE_CHECKING:
    from nkt_dyno.store import Store


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("client", help="add or list clients")
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="add a client (a name or a pseudonym)")
    add.add_argument("name")
    add.add_argument("--birth-year", type=_birth_year, metavar="YEAR")
    add.add_argument("--notes", default="")
    add.add_argument("--body-mass", type=_kg, metavar="KG", help="body mass measured today (kg)")
    add.add_argument("--sex", type=_sex, metavar="SEX", help=_SEX_HELP)
    add_db_argument(add)
    add.set_defaults(run=with_store(_add, creating=True))
    edit = sub.add_parser("edit", help="correct a client's name, birth year, sex or notes")
    edit.add_argument("client", help="client id or exact name")
    edit.add_argument("--name")
    edit.add_argument("--birth-year", type=_birth_year, metavar="YEAR")
    edit.add_argument("--sex", type=_sex, metavar="SEX", help=_SEX_HELP)
    edit.add_argument("--notes")
    edit.add_argument(
        "--clear",
        action="append",
        default=[],
        choices=("birth-year", "sex"),
        metavar="DETAIL",
        help="empty a detail (repeatable): birth-year, sex",
    )
    add_db_argument(edit)
    edit.set_defaults(run=with_store(_edit))
    listing = sub.add_parser("list", help="list clients")
    add_db_argument(listing)
    listing.set_defaults(run=with_store(_list, reading=True))
    mass = sub.add_parser(
        "mass", help="record a client's body mass (kg), or list the weighings without KG"
    )
    mass.add_argument("client", help="client id or exact name")
    mass.add_argument("kg", nargs="?", type=_kg, metavar="KG", help="body mass in kilograms")
    mass.add_argument(
        "--date", metavar="YYYY-MM-DD", help="the day it was measured (default: today)"
    )
    add_db_argument(mass)
    mass.set_defaults(run=with_store(_mass))


def _kg(text: str) -> float:
    from nkt_dyno.context import body_mass_kg

    try:
        return body_mass_kg(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_SEX_HELP = "female or male, as reference values are split (optional)"


def _sex(text: str) -> str:
    from nkt_dyno.context import sex

    try:
        return sex(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _birth_year(text: str) -> int:
    import datetime as dt

    this_year = dt.date.today().year
    if not text.strip().isdigit() or not 1900 <= int(text) <= this_year:
        raise argparse.ArgumentTypeError(f"expected a year from 1900 to {this_year}, got {text!r}")
    return int(text)


def _add(store: Store, args: argparse.Namespace) -> int:
    name = args.name.strip()
    _refuse_taken_name(store, name)
    client = store.add_client(name, birth_year=args.birth_year, notes=args.notes, sex=args.sex)
    print(f"added client {client.id}: {client.name}")
    if args.body_mass is not None:
        store.add_body_mass(client.id, args.body_mass)
        print(f"body mass {args.body_mass:g} kg")
    return 0


def _edit(store: Store, args: argparse.Namespace) -> int:
    client = store.find_client(args.client)
    wanted = {"name": args.name, "birth_year": args.birth_year, "sex": args.sex}
    changes = {k: v for k, v in wanted.items() if v is not None}
    clear = [name.replace("-", "_") for name in args.clear]
    if not changes and args.notes is None and not clear:
        raise UserError("nothing to change: give --name, --birth-year, --sex, --notes or --clear")
    if args.name is not None:
        _refuse_taken_name(store, args.name.strip(), client.id)
    edited = store.edit_client(client.id, **changes, notes=args.notes, clear=clear)
    born = "birth year not recorded" if edited.birth_year is None else f"born {edited.birth_year}"
    print(f"client {edited.id}: {edited.name}, {born}, sex {edited.sex or 'not recorded'}")
    return 0


def _refuse_taken_name(store: Store, name: str, client_id: int | None = None) -> None:
    same = [c for c in store.clients() if c.name.casefold() == name.casefold()]
    if same and same[0].id != client_id:
        raise UserError(
            f"there is already a client named {same[0].name!r} (id {same[0].id}): "
            "give a distinguishing name, such as one with an initial or a birth year"
        )


def _mass(store: Store, args: argparse.Namespace) -> int:
    client = store.find_client(args.client)
    if args.kg is None:
        if args.date is not None:
            raise UserError("--date goes with a body mass: give KG too")
        rows = [(m.measured, f"{m.kg:g}") for m in store.body_masses(client.id)]
        print_table(("measured", "kg"), rows)
        return 0
    mass = store.add_body_mass(client.id, args.kg, measured=args.date)
    print(f"{client.name}: body mass {mass.kg:g} kg on {mass.measured}")
    return 0


def _list(store: Store, args: argparse.Namespace) -> int:
    rows = [(c.id, c.name, c.birth_year, c.sex, local_time(c.created)) for c in store.clients()]
    print_table(("id", "name", "born", "sex", "added"), rows)
    return 0
