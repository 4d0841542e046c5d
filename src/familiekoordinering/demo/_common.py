"""What every demo programme shares: the clock, the report, the run and its helpers.

A demo programme (:class:`DemoProgramme`) is a value: its
:class:`~familiekoordinering.domain.programme.Programme` profile, the language
its coordinators write in, its municipality and team lead, the coordinator's
phrases and how its families' stories unfold (``stories``). :func:`play` runs
the stories of one demo, step by step in the order a real programme would
record them, each at a time of the working day.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

import attrs

from familiekoordinering.application import FamilyCoordination
from familiekoordinering.domain.capacity import ConsentAges, entitled, research_say
from familiekoordinering.domain.programme import Programme, add_months
from familiekoordinering.domain.survey import (
    Benefit,
    Economy,
    Housing,
    LeisureAnswer,
    SchoolAnswer,
    SurveyKind,
    WellBeingAnswer,
    WorkAnswer,
    WorkStatus,
)
from familiekoordinering.domain.values import (
    Actor,
    FamilyId,
    Member,
    MemberId,
    Municipality,
    Role,
    Topic,
    age_on,
)
from familiekoordinering.errors import InvalidInputError
from familiekoordinering.timeline.i18n import Language

__all__ = [
    "DEMO_START",
    "WORKING_HOURS",
    "DemoClock",
    "DemoProgramme",
    "DemoReport",
    "DemoRun",
    "Story",
    "Words",
    "birth_dates",
    "check_sizes",
    "givers",
    "play",
    "research_giver",
    "survey",
    "workday",
    "workday_before",
]

Story = Generator[tuple[date, int], None, None]
"""A family's story: yields (day, days recorded late) before each step."""

DEMO_START = date(2021, 1, 4)
"""The first enrolment date of the demo programme (a Monday)."""
WORKING_HOURS = (time(7), time(14, 30))
"""Records are stamped between these times (UTC): 08:00–15:30 in Norway and
Denmark in winter, 09:00–16:30 in summer, so always within the working day."""


class DemoClock:
    """A clock for reproducible demos: "now" is set by the demo as it goes."""

    def __init__(self) -> None:
        self._now = datetime.combine(DEMO_START, WORKING_HOURS[0], tzinfo=UTC)

    def at(self, day: date, late_days: int = 0, time_of_day: time = time(9)) -> None:
        """Move "now" to ``time_of_day`` (UTC) on ``day`` plus ``late_days``.

        It never goes back: a time earlier than "now" leaves it where it is.
        """
        self._now = max(
            self._now,
            datetime.combine(day + timedelta(days=late_days), time_of_day, tzinfo=UTC),
        )

    def __call__(self) -> datetime:
        """Return "now", one second later than the previous call."""
        self._now += timedelta(seconds=1)
        return self._now

    def copy(self) -> DemoClock:
        """A clock at the same "now" that moves on its own."""
        twin = DemoClock()
        twin._now = self._now
        return twin


@attrs.define
class DemoReport:
    """What :func:`~familiekoordinering.demo.build_demo` did."""

    family_ids: list[FamilyId] = attrs.field(factory=list)
    """The families, in the order the demo made them up (by enrolment day)."""
    events: int = 0
    refused: list[str] = attrs.field(factory=list)
    lines: list[str] = attrs.field(factory=list)
    inquiry_ids: list[UUID] = attrs.field(factory=list)
    """The inquiries a competence team received, in the order recorded (Drammen)."""
    inquiries: dict[int, int] = attrs.field(factory=dict)
    """How many inquiries were received, by year (empty when the demo has none)."""


@attrs.define
class DemoRun:
    """One playing of a demo: what its families' stories share."""

    app: FamilyCoordination
    rng: random.Random
    ids: Iterator[UUID]
    families: int
    years: int
    report: DemoReport
    enrolled: dict[int, FamilyId] = attrs.field(factory=dict)
    """Each family's id by its index, as its story enrols it."""


@attrs.frozen(eq=False)
class DemoProgramme:
    """A programme the demo can build: a value chosen by its ``name``.

    ``stories`` makes up one story per family (in the order of their
    enrolment), or per inquiry for a competence team, for a :class:`DemoRun`;
    it must draw every random choice from the run's ``rng`` and ids, so that
    the same seed gives the same demo.
    """

    name: str
    """The name ``demo --programme`` takes (``nye-monstre``, ``brondby``)."""
    programme: Programme
    """The profile each family is enrolled with."""
    language: Language
    """The language the coordinators write in, and the timeline's language."""
    municipality: Municipality
    lead: tuple[str, str]
    """The team lead (user id, name), who enrols the families."""
    phrases: Mapping[str, tuple[str, ...]]
    """The coordinator's own words: each text the demo records is one of these."""
    stories: Callable[[DemoRun], list[Story]]

    @property
    def lead_actor(self) -> Actor:
        """The team lead as an actor: who can read every family of the demo."""
        return Actor(self.lead[0], Role.TEAM_LEAD, self.municipality)


def check_sizes(families: int, years: int) -> None:
    """Refuse a demo of no families, or more than 10,000, or years outside 1 to 5."""
    if not 1 <= families <= 10_000:
        raise InvalidInputError(f"--families is {families}: give 1 to 10000")
    if not 1 <= years <= 5:
        raise InvalidInputError(f"--years is {years}: give 1 to 5")


def _ids(rng: random.Random) -> Iterator[UUID]:
    while True:
        yield UUID(int=rng.getrandbits(128), version=4)


def play(
    demo: DemoProgramme,
    app: FamilyCoordination,
    clock: DemoClock,
    *,
    families: int,
    years: int,
    seed: int,
) -> DemoReport:
    """Play ``demo`` in ``app``, whose clock is ``clock``."""
    rng = random.Random(seed)
    times = random.Random(seed + 0x0C10C)  # the times of day, apart from the rest
    run = DemoRun(app, rng, _ids(rng), families, years, DemoReport())
    stories = demo.stories(run)
    first, last = (t.hour * 60 + t.minute for t in WORKING_HOURS)
    # Each family's story is a generator that yields the day (and how many days
    # late it is recorded) before each step; running the steps in recording
    # order, each at a time of the working day, keeps the store's log in the
    # order a real programme would write it.
    queue: list[tuple[date, int, int]] = []
    pending: dict[int, tuple[date, int, time]] = {}

    def advance(index: int) -> None:
        """Run the family's next step, if any, and queue the one after it."""
        try:
            day, late = next(stories[index])
        except StopIteration:
            return
        minute = times.randrange(first, last + 1)
        pending[index] = (day, late, time(minute // 60, minute % 60))
        heapq.heappush(queue, (day + timedelta(days=late), minute, index))

    for index in range(len(stories)):  # one per family, or per inquiry
        advance(index)
    while queue:
        _, _, index = heapq.heappop(queue)
        day, late, time_of_day = pending.pop(index)
        clock.at(day, late, time_of_day)
        advance(index)
    run.report.family_ids = [run.enrolled[index] for index in sorted(run.enrolled)]
    return run.report


def workday(day: date) -> date:
    """``day``, or the Monday after it when it falls on a weekend."""
    return day + timedelta(days=7 - day.weekday() if day.weekday() >= 5 else 0)


def workday_before(day: date) -> date:
    """``day``, or the Friday before it when it falls on a weekend."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def birth_dates(
    rng: random.Random,
    start: date,
    adults: int,
    children: int,
    *,
    oldest_from: int = 6,
) -> tuple[list[date], list[date]]:
    """Plausible birth dates: parents first, then children, oldest first.

    Siblings are born 16 to 48 months apart; the oldest child is
    ``oldest_from`` to 17 on ``start`` and the youngest is born before it;
    the parents were 19 to 38 when the oldest was born.
    """
    gaps = [rng.randrange(16, 49) for _ in range(children - 1)]
    oldest = rng.randrange(max(oldest_from * 12, sum(gaps) + 3), 17 * 12 + 7)  # months
    month = add_months(start.replace(day=1), -oldest)
    kids = [month.replace(day=rng.randrange(1, 29))]
    for gap in gaps:
        month = add_months(month, gap)
        kids.append(month.replace(day=rng.randrange(1, 29)))
    parent = rng.randrange(19 * 12 + 1, 39 * 12)  # months old at the oldest's birth
    parents: list[date] = []
    for _ in range(adults):
        born = add_months(kids[0].replace(day=1), -parent)
        parents.append(born.replace(day=rng.randrange(1, 29)))
        parent = max(19 * 12 + 1, parent + rng.randrange(-36, 73))
    return parents, kids


def givers(
    members: Mapping[MemberId, Member],
    covered: Iterable[MemberId],
    topics: Iterable[Topic],
    on: date,
    ages: ConsentAges,
) -> list[MemberId]:
    """Who gives a consent (or a refusal) about ``topics`` for ``covered`` on ``on``.

    The domain says who decides for each member about each topic on the day
    (:func:`~familiekoordinering.domain.capacity.entitled`: an adult, or a
    child old enough, alone; otherwise a guardian). Someone already giving it
    counts for every pair they decide; otherwise the first of those entitled,
    in the family's order (adults first), gives it too.
    """
    order = list(members)
    found: set[MemberId] = set()
    for member_id in covered:
        for topic in sorted(topics):
            deciders = entitled(members[member_id], topic, on, ages)
            if not deciders & found:
                found.add(next(m for m in order if m in deciders))
    return [m for m in order if m in found]


def research_giver(
    members: Mapping[MemberId, Member], member_id: MemberId, on: date, ages: ConsentAges
) -> list[MemberId]:
    """Who gives research consent for the member on ``on``: one of those the domain names."""
    say = research_say(members[member_id], on, ages)
    return [next(m for m in members if m in say)]


class Words:
    """The coordinator's words for one family: one phrase of each list, kept."""

    def __init__(
        self, rng: random.Random, phrases: Mapping[str, tuple[str, ...]]
    ) -> None:
        self._rng = rng
        self._phrases = phrases
        self._chosen: dict[str, str] = {}

    def __call__(self, key: str, **fields: object) -> str:
        if key not in self._chosen:
            self._chosen[key] = self._rng.choice(self._phrases[key])
        return self._chosen[key].format(**fields)


def survey(
    rng: random.Random,
    ids: Iterator[UUID],
    kind: SurveyKind,
    year: int,
    on: date,
    members: Mapping[MemberId, Member],
    adults: list[MemberId],
    children: list[MemberId],
    *,
    income: int = 300_000,
    eu60_threshold: int = 400_000,
    debt: int = 120_000,
) -> dict[str, Any]:
    """A survey's answers in the family's ``year``-th year: things slowly get better.

    Amounts are yearly, in the programme's currency.
    """
    progress = min(1.0, 0.25 * year + rng.random() * 0.3)
    return {
        "survey_id": next(ids),
        "kind": kind,
        "housing": Housing(
            persons_per_room=round(2.0 - progress * 0.8, 1),
            standard=2 + round(progress * 2),
            moves_last_12_months=max(0, 2 - year),
        ),
        "economy": Economy(
            household_income=int(income * (1 + progress * 0.5)),
            eu60_threshold=eu60_threshold,
            debt=int(debt * (1 - progress)),
            payments_per_month=max(1, 7 - 2 * year),
            benefits_not_claimed=(
                frozenset({Benefit.HOUSING_ALLOWANCE}) if year == 0 else frozenset()
            ),
        ),
        "work": [
            WorkAnswer(
                m,
                WorkStatus.UNEMPLOYED
                if year == 0
                else WorkStatus.WORK_ORIENTED_ACTIVITY,
            )
            for m in adults
        ],
        # School is asked of the children of school age.
        "school": [
            SchoolAnswer(
                c, mastery=2 + min(year, 3), absence_days=12 - 2 * min(year, 5)
            )
            for c in children
            if age_on(members[c].birth_date, on) >= 6
        ],
        "leisure": [LeisureAnswer(c, activities=min(year, 2)) for c in children],
        "well_being": [
            WellBeingAnswer(m, ladder=min(10, 4 + year + rng.randrange(2)))
            for m in adults + children
        ],
    }
