"""A realistic, reproducible programme for trying the library and its tools.

:func:`build_demo` enrols families of a programme and follows them through the
public application API. A programme is a :class:`DemoProgramme`, chosen by
name (:data:`PROGRAMMES`):

- ``nye-monstre`` (the default): *Nye mønstre – trygg oppvekst* in
  Kristiansand, five years of follow-up, the coordinators writing Bokmål
  (:mod:`familiekoordinering.demo.nye_monstre`);
- ``brondby``: *Familiekoordinator Brøndby*, one year of follow-up (some
  families extended), 20–25 families per coordinator, Danish services and
  the coordinators writing Danish (:mod:`familiekoordinering.demo.brondby`);
- ``asker``: *Asker velferdslab*, an investment team around each unit (half
  of them young adults aged 18–25 on their own, the others low-income families
  with children, some with a child with a disability): investment meetings
  with the citizen present, decisions by the members with authority, what each
  actor puts in and the gains, followed for up to the programme's three years
  (some extended), in Bokmål (:mod:`familiekoordinering.demo.asker`);
- ``drammen``: Drammen's *Kompetanseteam Levekår*, two advisers taking
  inquiries (*henvendelser*) from 2021, ``families`` of them in the first year
  and 5–15 % more every year; most anonymous, some families named with their
  consent, visited and connected to a service, a few enrolled; every inquiry
  closed with an outcome within 28 days, none left open at the end
  (:mod:`familiekoordinering.demo.drammen`).

Members (siblings born well apart), coordinators, consents with an exclusion,
a refusal and a withdrawal, goals with progress, steps, sector plans,
meetings, contacts (one told afterwards), surveys and the end of follow-up; it
also tries one contact that no consent covers and reports that it was refused.
The same programme and seed give the same families, ids, dates and
timestamps.

The demo keeps the library's rules, at any size and seed: who consents for a
child about what is asked of the domain on the day
(:func:`~familiekoordinering.domain.capacity.entitled`, with the programme's
``consent_ages``); nothing is dated after the programme's planned end unless
the follow-up was extended first; a follow-up ends after everything recorded
for the family; no coordinator follows more families than the programme's
caseload. The coordinator's own words (decisions, purposes, notes, steps,
reasons) are in the programme's language, from its phrase lists, and records
are stamped at varied times of the working day.

Nothing is written if the library refuses a step: the demo is first rehearsed
in a store in memory (:func:`rehearse_demo`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from familiekoordinering.application import FamilyCoordination
from familiekoordinering.demo._common import (
    DEMO_START,
    WORKING_HOURS,
    DemoClock,
    DemoProgramme,
    DemoReport,
    check_sizes,
    play,
)
from familiekoordinering.demo.asker import ASKER
from familiekoordinering.demo.brondby import BRONDBY
from familiekoordinering.demo.drammen import DRAMMEN
from familiekoordinering.demo.nye_monstre import NYE_MONSTRE, PHRASES
from familiekoordinering.errors import InvalidInputError

__all__ = [
    "DEMO_START",
    "PHRASES",
    "PROGRAMMES",
    "WORKING_HOURS",
    "DemoClock",
    "DemoProgramme",
    "DemoReport",
    "build_demo",
    "demo_programme",
    "rehearse_demo",
]

PROGRAMMES: Final[Mapping[str, DemoProgramme]] = {
    demo.name: demo for demo in (NYE_MONSTRE, BRONDBY, ASKER, DRAMMEN)
}
"""The programmes the demo can build, by the name ``demo --programme`` takes;
the first is the default."""


def demo_programme(programme: str | DemoProgramme) -> DemoProgramme:
    """The demo programme of that name (``nye-monstre``, ``brondby``, ``asker``, ``drammen``).

    A :class:`DemoProgramme` given is returned as it is.
    """
    if isinstance(programme, DemoProgramme):
        return programme
    try:
        return PROGRAMMES[programme]
    except (KeyError, TypeError):
        raise InvalidInputError(
            f"there is no demo programme {programme!r}: give one of "
            + ", ".join(PROGRAMMES)
        ) from None


def build_demo(
    app: FamilyCoordination,
    clock: DemoClock,
    *,
    families: int = 3,
    years: int = 3,
    seed: int = 1,
    rehearse: bool | None = None,
    programme: str | DemoProgramme = "nye-monstre",
) -> DemoReport:
    """Build the demo ``programme`` in ``app``; ``app`` must use ``clock``.

    ``families`` (1 to 10,000) and ``years`` (1 to 5) size the demo.
    *Nye mønstre* enrols ``families`` families from 2021, three weeks apart
    or, in a large demo, closer so that all are enrolled within two years,
    and follows each family for ``years`` years (of the programme's five).
    Brøndby enrols from 2022 over ``years`` years and follows each family for
    the programme's one year (some are extended by half a year). Asker
    follows each of its ``families`` units for up to ``years`` of the
    programme's three years (some extended). Drammen receives ``families``
    inquiries in its first year and 5–15 % more in each of the ``years``
    years.

    Unless ``rehearse`` is false, the demo is first played in a store in
    memory (:func:`rehearse_demo`, on a copy of ``clock``): if the library
    refuses any step, that refusal is raised and nothing is written to
    ``app``. By default a store in memory is not rehearsed for (it is thrown
    away anyway); pass ``rehearse=False`` when :func:`rehearse_demo` already
    ran with the same clock, programme and sizes.
    """
    demo = demo_programme(programme)
    check_sizes(families, years)
    if app.clock is not clock:
        raise InvalidInputError("build the application with the demo's clock")
    if rehearse is None:
        rehearse = not app._engine.in_memory
    if rehearse:
        rehearse_demo(clock, families=families, years=years, seed=seed, programme=demo)
    return play(demo, app, clock, families=families, years=years, seed=seed)


def rehearse_demo(
    clock: DemoClock | None = None,
    *,
    families: int = 3,
    years: int = 3,
    seed: int = 1,
    programme: str | DemoProgramme = "nye-monstre",
) -> DemoReport:
    """Play the demo in a store in memory; raise what the library refused, if anything.

    The rehearsal runs on a copy of ``clock`` (a new :class:`DemoClock` when
    None) and leaves ``clock`` where it was, so that :func:`build_demo` then
    records the same steps at the same times. Run it before creating a store
    for the demo, and a refused demo leaves no store behind.
    """
    demo = demo_programme(programme)
    check_sizes(families, years)
    twin = DemoClock() if clock is None else clock.copy()
    app = FamilyCoordination("memory", clock=twin)
    try:
        return play(demo, app, twin, families=families, years=years, seed=seed)
    except Exception as refused:
        refused.add_note(
            f"refused while rehearsing the {demo.name} demo ({families} families, "
            f"{years} years, seed {seed}): nothing was written"
        )
        raise
    finally:
        app.close()
