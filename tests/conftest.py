"""Shared fixtures: a fixed clock, actors, and applications on each real backend."""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from familiekoordinering import (
    Actor,
    Agency,
    AgencyKind,
    ConsentForm,
    ConsentScope,
    Eligibility,
    FamilyCoordination,
    FamilyId,
    MemberId,
    MemberKind,
    Municipality,
    Programme,
    ReferralSource,
    Role,
    Topic,
)

settings.register_profile("default", max_examples=100, deadline=None)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("ci", max_examples=200, deadline=None)
# Mutation testing runs the tests once per mutant: fewer, fixed examples.
settings.register_profile(
    "mutation",
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

START = date(2026, 1, 5)
KOMMUNE = Municipality("4204")
COORDINATOR = Actor("k-lund", Role.COORDINATOR, KOMMUNE)
LEAD = Actor("t-lead", Role.TEAM_LEAD, KOMMUNE)
AUDITOR = Actor("r-revisor", Role.AUDITOR, KOMMUNE)


CLOCK_START = datetime(2100, 1, 4, 9, tzinfo=UTC)
"""When the tests' clock starts: after every date the tests record events on.

An event cannot be dated after the day it is recorded, and the tests' histories
run from 2026 for years (hypothesis draws dates up to 2060, the stateful test
moves on by up to a year per step): they are all recorded "late", in 2100.
"""


class FixedClock:
    """A clock that ticks one second per reading, from a fixed start."""

    def __init__(self, start: datetime = CLOCK_START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


BACKENDS = ["memory", "sqlite", "postgres"]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store for each real backend: in memory, an SQLite file, a PostgreSQL database."""
    if request.param == "memory":
        return "memory"
    if request.param == "sqlite":
        return str(tmp_path / "store.db")
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def make_app(
    store: str, clock: FixedClock
) -> Iterator[Callable[..., FamilyCoordination]]:
    apps: list[FamilyCoordination] = []

    def make(**kwargs: object) -> FamilyCoordination:
        kwargs.setdefault("clock", clock)
        if kwargs.get("master_key") is None:
            kwargs.setdefault("encryption", False)
        app = FamilyCoordination(store, **kwargs)  # type: ignore[arg-type]
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


@pytest.fixture
def app(make_app: Callable[..., FamilyCoordination]) -> FamilyCoordination:
    return make_app()


class EnrolledFamily:
    """A family coordinated by k-lund: two adults (Kari, Ola), a child (Emma), a NAV consent."""

    def __init__(self, app: FamilyCoordination) -> None:
        self.app = app
        self.id: FamilyId = app.enrol_family(
            municipality=KOMMUNE,
            label="Hansen",
            programme=Programme.nye_monstre(),
            referral=ReferralSource.NAV,
            eligibility=Eligibility(250_000, 380_000, 4),
            occurred_on=START,
            actor=LEAD,
        )
        app.assign_coordinator(
            self.id, coordinator_id=COORDINATOR.user_id, coordinator_name="Kristin Lund",
            occurred_on=START, actor=LEAD,
        )  # fmt: skip
        self.kari: MemberId = app.add_member(
            self.id, name="Kari Hansen", birth_date=date(1988, 4, 2), kind=MemberKind.ADULT,
            occurred_on=START, actor=COORDINATOR,
        )  # fmt: skip
        self.ola: MemberId = app.add_member(
            self.id, name="Ola Hansen", birth_date=date(1985, 9, 30), kind=MemberKind.ADULT,
            occurred_on=START, actor=COORDINATOR,
        )  # fmt: skip
        self.emma: MemberId = app.add_member(
            self.id, name="Emma Hansen", birth_date=date(2016, 2, 29), kind=MemberKind.CHILD,
            guardian_ids=[self.kari, self.ola], occurred_on=START, actor=COORDINATOR,
        )  # fmt: skip
        self.nav_consent = app.grant_consent(
            self.id,
            scope=ConsentScope(
                agency=Agency(AgencyKind.NAV),
                topics=frozenset({Topic.ECONOMY, Topic.WORK}),
                member_ids=frozenset({self.kari, self.ola, self.emma}),
                excluded_topics=frozenset({Topic.PARENTING}),
            ),
            given_by=[self.kari, self.ola],
            form=ConsentForm.WRITTEN,
            purpose="Practical help with the economy",
            occurred_on=START + timedelta(days=1),
            actor=COORDINATOR,
        )

    @property
    def version(self) -> int:
        return self.app.get_family(self.id, actor=LEAD).version


@pytest.fixture
def family(app: FamilyCoordination) -> EnrolledFamily:
    return EnrolledFamily(app)


# ------------------------------------------- no personal data in any log line
#
# Every log line of the whole run is kept (the library's logger at DEBUG) and
# scanned at the end for the personal data the tests and demos write: the
# fixture family's names, birth dates and words, and the demos' surnames. A
# line holding one fails the run, naming it.


class _EveryLogLine(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")


_EVERY_LOG_LINE = _EveryLogLine()


def _personal_data() -> re.Pattern[str]:
    """The personal data the tests and demos write, as one pattern."""
    from familiekoordinering.demo import PROGRAMMES

    words = {"Kari Hansen", "Ola Hansen", "Emma Hansen", "Kristin Lund",
             "1988-04-02", "1985-09-30", "2016-02-29",
             "Practical help with the economy"}  # fmt: skip
    for demo in PROGRAMMES.values():
        module = sys.modules[demo.stories.__module__]
        words |= set(getattr(module, "_SURNAMES", ()))
    return re.compile("|".join(rf"\b{re.escape(w)}\b" for w in sorted(words)))


def pytest_configure(config: pytest.Config) -> None:
    library = logging.getLogger("familiekoordinering")
    library.addHandler(_EVERY_LOG_LINE)
    library.setLevel(logging.DEBUG)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    personal = _personal_data()
    found = [line for line in _EVERY_LOG_LINE.lines if personal.search(line)]
    if found:
        sys.stderr.write(
            f"\n{len(found)} log line(s) hold personal data, e.g.:\n"
            + "\n".join(found[:5])
            + "\n"
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
