"""``emgfeedback patients``: the patients of the session database by code, with their number of
visits, last visit and whether they have an exercise plan."""

from __future__ import annotations

import argparse

from emgfeedback.commands._database import add_db_argument, open_existing_db

__all__ = ["add_parser", "run"]


def add_parser(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser(
        "patients",
        help="list the patients in the session database (code, visits, last visit, plan)",
        description="List every patient of the session database by de-identified code: number of "
        "visits, date and time of the last one, and whether an exercise plan is stored. "
        "'emgfeedback progress CODE' shows one patient's visits and trends.",
    )
    add_db_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the patient table."""
    with open_existing_db(args.db) as db:
        rows = db.patient_overview()
        plans = {r.code: db.plan(r.code) is not None for r in rows}
        path = db.path
    if not rows:
        print(f"no patients in {path}")
        return 0
    width = max(len("code"), *(len(r.code) for r in rows))
    print(f"{'code':<{width}}  visits  last visit        plan")
    for r in rows:
        last = r.last_visit.replace("T", " ")[:16] if r.last_visit else "—"
        print(f"{r.code:<{width}}  {r.n_sessions:>6}  {last:<16}  {'yes' if plans[r.code] else 'no'}")
    print(f"{len(rows)} patient{'s' if len(rows) != 1 else ''} in {path}")
    return 0
