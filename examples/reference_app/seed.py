"""Seed the reference app: a demo store, its master key, and the app's sign-in directory.

``python -m reference_app.seed DATA_DIR`` (``run.sh`` does it once) writes, in
``DATA_DIR`` (made readable by its owner only):

- ``master.key``: a new master key (base64, mode 0600), as a secrets manager
  would hand it to each process in production;
- ``store.db``: an encrypted SQLite store holding the library's demo (*Nye
  mønstre*, Kristiansand), built with :func:`familiekoordinering.demo.build_demo`
  and marked as a demo store; the demo's families were enrolled in 2021, so
  the team lead extends each follow-up to two years from today, as a
  municipality would, so that the coordinators can record today's contacts;
- ``directory.json``: the app's own sign-in directory (:mod:`reference_app.directory`):
  the team lead, the coordinators, and each family's adults by member id;
- ``session.key``: the secret that signs the session cookies, shared by the web
  workers.

A data directory that already holds a store is left as it is.
"""

from __future__ import annotations

import argparse
import base64
import secrets
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from familiekoordinering import (
    Actor,
    FamilyCoordination,
    MemberKind,
    Role,
    load_master_key,
    new_master_key,
)
from familiekoordinering.demo import DemoClock, build_demo, demo_programme
from familiekoordinering.files import write_private
from reference_app.directory import Directory, Member, Staff

__all__ = ["ZONE", "seed", "today"]

ZONE = ZoneInfo("Europe/Oslo")
"""Where the app's users are: "today" is the date there."""


def today() -> date:
    """The date in Norway now."""
    return datetime.now(ZONE).date()


def seed(data: Path, *, families: int = 3, years: int = 1, seed: int = 1) -> bool:
    """Seed ``data`` with a demo store, its key and the directory; False if seeded before."""
    data.mkdir(mode=0o700, parents=True, exist_ok=True)
    data.chmod(0o700)
    store, key_file = data / "store.db", data / "master.key"
    if store.exists():
        return False
    if not key_file.exists():
        write_private(key_file, base64.b64encode(new_master_key()) + b"\n")
    master_key = load_master_key(key_file)
    session_key = data / "session.key"
    if not session_key.exists():
        write_private(session_key, secrets.token_urlsafe(32).encode("ascii") + b"\n")

    demo = demo_programme("nye-monstre")
    clock = DemoClock()  # the demo's records are stamped with the demo's own dates
    app = FamilyCoordination(store, master_key=master_key, clock=clock, demo=True)
    try:
        report = build_demo(app, clock, families=families, years=years, seed=seed)
    finally:
        app.close()

    # From here on, the real clock: an integration of the app's own, as itself.
    app = FamilyCoordination(store, master_key=master_key)
    system = Actor("reference-app", Role.SYSTEM, demo.municipality)
    lead = demo.lead_actor
    on = today()
    staff = {lead.user_id: Staff(lead.user_id, Role.TEAM_LEAD, lead.municipality,
                                 demo.lead[1])}  # fmt: skip
    members: list[Member] = []
    try:
        for number, family_id in enumerate(report.family_ids, start=1):
            family = app.get_family(family_id, actor=system)
            if family.ended is None and family.planned_end_on <= on:
                app.extend_follow_up(
                    family_id,
                    until=on + timedelta(days=730),
                    reason="Followed on in the reference app",
                    decided_by=f"Team lead {demo.lead[1]}",
                    occurred_on=on,
                    actor=lead,
                )
            coordinator = family.coordinator
            if coordinator is not None and coordinator.coordinator_id not in staff:
                staff[coordinator.coordinator_id] = Staff(
                    coordinator.coordinator_id,
                    Role.COORDINATOR,
                    family.municipality,
                    coordinator.name,
                )
            for member_id, member in family.members.items():
                if member.kind is MemberKind.ADULT:
                    pid = f"0101{len(members) + 1:07d}"  # a made-up number
                    members.append(Member(pid, member_id, family_id,
                                          family.municipality, number, "adult"))  # fmt: skip
        # Each web worker opens the views; the projection worker fills them.
        app.views.status()
    finally:
        app.close()
    directory = Directory(tuple(staff.values()), tuple(members), demo.language.value)
    directory.save(data / "directory.json")
    return True


def main(argv: list[str] | None = None) -> int:
    """The command: ``python -m reference_app.seed DATA_DIR``."""
    parser = argparse.ArgumentParser(prog="python -m reference_app.seed")
    parser.add_argument("data", type=Path, help="the directory to seed")
    parser.add_argument("--families", type=int, default=3)
    args = parser.parse_args(argv)
    if seed(args.data, families=args.families):
        print(f"seeded {args.data}: a demo store, its master key and the directory")
    else:
        print(f"{args.data} already holds a store: left as it is")
    return 0


if __name__ == "__main__":
    sys.exit(main())
