"""The programme's period is a rule: nothing after its planned end unless extended."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from familiekoordinering import (
    Agency,
    AgencyKind,
    Channel,
    FamilyCoordination,
    FamilyKnows,
    Topic,
)
from familiekoordinering.audit import FindingKind, audit_history
from familiekoordinering.domain.commands import EndFollowUp, RecordContact
from familiekoordinering.domain.core import EndReason
from familiekoordinering.errors import (
    FollowUpEndedError,
    InvalidInputError,
    RuleViolationError,
)
from familiekoordinering.testing.commands import run
from tests.conftest import AUDITOR, COORDINATOR, LEAD, START, EnrolledFamily, FixedClock

pytestmark = pytest.mark.application

PLANNED_END = date(2031, 1, 4)  # Nye mønstre: five years from 2026-01-05, less a day
AFTER = PLANNED_END + timedelta(days=1)


def _contact(family: EnrolledFamily, on: date) -> object:
    return family.app.record_contact(
        family.id, agency=Agency(AgencyKind.NAV), topics=[Topic.ECONOMY],
        member_ids=[family.kari], purpose="Bostøtte", channel=Channel.PHONE,
        family_knows=FamilyKnows.present(), occurred_on=on, actor=COORDINATOR,
    )  # fmt: skip


def _stored(app: FamilyCoordination) -> int:
    return len(app._engine.recorder.select_notifications(start=1, limit=100_000))


@pytest.fixture
def family() -> EnrolledFamily:
    return EnrolledFamily(FamilyCoordination(clock=FixedClock()))


def test_the_planned_end_follows_from_the_programme(family: EnrolledFamily) -> None:
    record = family.app.get_family(family.id, actor=LEAD)
    assert record.planned_end_on == PLANNED_END


def test_a_contact_on_the_planned_end_is_recorded_and_the_day_after_is_refused(
    family: EnrolledFamily,
) -> None:
    _contact(family, PLANNED_END)
    before = _stored(family.app)
    with pytest.raises(FollowUpEndedError, match="after the programme's planned end"):
        _contact(family, AFTER)
    assert _stored(family.app) == before


def test_an_extension_lets_the_work_go_on_until_its_new_end(
    family: EnrolledFamily,
) -> None:
    app = family.app
    app.extend_follow_up(
        family.id, until=date(2031, 7, 1), reason="Kari starts work in May",
        decided_by="Team lead Tone Berg", occurred_on=date(2030, 12, 1), actor=LEAD,
    )  # fmt: skip
    _contact(family, AFTER)
    _contact(family, date(2031, 7, 1))
    with pytest.raises(FollowUpEndedError, match="2031-07-01"):
        _contact(family, date(2031, 7, 2))
    assert app.get_family(family.id, actor=LEAD).planned_end_on == date(2031, 7, 1)
    assert app.family_at(family.id, actor=LEAD).planned_end_on == date(2031, 7, 1)


def test_an_extension_may_be_recorded_after_the_planned_end_has_passed(
    family: EnrolledFamily,
) -> None:
    family.app.extend_follow_up(
        family.id, until=date(2031, 6, 1), reason="Late, but agreed",
        decided_by="Team lead", occurred_on=AFTER + timedelta(days=10), actor=LEAD,
    )  # fmt: skip
    _contact(family, AFTER + timedelta(days=11))


@pytest.mark.parametrize(
    ("until", "reason", "decided_by", "message"),
    [
        (PLANNED_END, "r", "d", "runs past the planned end"),
        (date(2030, 6, 1), "r", "d", "runs past the planned end"),
        (date(2031, 6, 1), " ", "d", "reason"),
        (date(2031, 6, 1), "r", "", "decided_by"),
    ],
)
def test_a_bad_extension_is_refused_storing_nothing(
    family: EnrolledFamily, until: date, reason: str, decided_by: str, message: str
) -> None:
    before = _stored(family.app)
    with pytest.raises(InvalidInputError, match=message):
        family.app.extend_follow_up(
            family.id, until=until, reason=reason, decided_by=decided_by,
            occurred_on=date(2030, 12, 1), actor=LEAD,
        )  # fmt: skip
    assert _stored(family.app) == before


def test_an_extension_must_end_after_the_day_it_is_decided(
    family: EnrolledFamily,
) -> None:
    with pytest.raises(InvalidInputError, match="not after the day"):
        family.app.extend_follow_up(
            family.id, until=AFTER + timedelta(days=5), reason="r", decided_by="d",
            occurred_on=AFTER + timedelta(days=5), actor=LEAD,
        )  # fmt: skip


def test_the_follow_up_can_be_ended_after_its_planned_end_and_then_not_extended(
    family: EnrolledFamily,
) -> None:
    app = family.app
    app.end_follow_up(family.id, reason=EndReason.COMPLETED, occurred_on=AFTER + timedelta(days=30),
                      actor=COORDINATOR)  # fmt: skip
    with pytest.raises(FollowUpEndedError, match="ended"):
        app.extend_follow_up(
            family.id, until=date(2032, 1, 1), reason="r", decided_by="d",
            occurred_on=AFTER + timedelta(days=31), actor=LEAD,
        )  # fmt: skip


def test_the_family_s_rights_outlive_the_planned_end(family: EnrolledFamily) -> None:
    family.app.withdraw_consent(
        family.id, family.nav_consent, withdrawn_by=[family.kari],
        occurred_on=AFTER + timedelta(days=3), actor=COORDINATOR,
    )  # fmt: skip


def test_the_audit_reports_what_was_stored_outside_the_period(
    family: EnrolledFamily,
) -> None:
    """As a store written before the rule, or edited beneath the library, would hold."""
    app = family.app
    loaded = app._reader.load(family.id)
    loaded.planned_end_on = date.max  # in memory only: the rule is passed by
    run(loaded, RecordContact, agency=Agency(AgencyKind.NAV), topics=[Topic.ECONOMY],
        member_ids=[family.kari], purpose="Bostøtte", channel=Channel.PHONE,
        family_knows=FamilyKnows.present(), occurred_on=AFTER, actor=COORDINATOR,
        recorded_at=app._engine.now())  # fmt: skip
    app._engine.save(loaded)
    report = app.audit(family.id, on=AFTER + timedelta(days=1), actor=AUDITOR)
    outside = [
        f for f in report.findings if f.kind is FindingKind.OUTSIDE_PROGRAMME_PERIOD
    ]
    assert len(outside) == 1
    assert outside[0].occurred_on == AFTER
    assert "no extension recorded before it" in outside[0].message
    assert outside[0] in report.violations


def test_the_audit_accepts_work_within_an_extension_and_rights_after_the_end(
    family: EnrolledFamily,
) -> None:
    app = family.app
    app.extend_follow_up(
        family.id, until=date(2031, 7, 1), reason="r", decided_by="d",
        occurred_on=date(2030, 12, 1), actor=LEAD,
    )  # fmt: skip
    _contact(family, AFTER)
    app.end_follow_up(family.id, reason=EndReason.COMPLETED, occurred_on=date(2031, 7, 1),
                      actor=COORDINATOR)  # fmt: skip
    app.withdraw_consent(family.id, family.nav_consent, withdrawn_by=[family.kari],
                         occurred_on=date(2031, 8, 1), actor=COORDINATOR)  # fmt: skip
    events = app.family_history(family.id, actor=LEAD)
    findings, _ = audit_history(family.id, events, on=date(2031, 9, 1))
    assert [f for f in findings if f.kind is FindingKind.OUTSIDE_PROGRAMME_PERIOD] == []
    # The same events less the extension: the contact is outside the period.
    without = [e for e in events if type(e).__name__ != "FollowUpExtended"]
    findings, _ = audit_history(family.id, without, on=date(2031, 9, 1))
    assert [
        f.occurred_on
        for f in findings
        if f.kind is FindingKind.OUTSIDE_PROGRAMME_PERIOD
    ] == [AFTER]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("nb", "forlenget til 2031-07-01"),
        ("nn", "forlengd til 2031-07-01"),
        ("da", "forlænget til 2031-07-01"),
        ("en", "extended until 2031-07-01"),
    ],
)
def test_the_timeline_tells_the_extension_in_every_language(
    family: EnrolledFamily, language: str, words: str
) -> None:
    family.app.extend_follow_up(
        family.id, until=date(2031, 7, 1), reason="Kari starts work in May",
        decided_by="Team lead Tone Berg", occurred_on=date(2030, 12, 1), actor=LEAD,
    )  # fmt: skip
    timeline = family.app.timeline(family.id, actor=LEAD, language=language)
    last = timeline.entries[-1].what
    assert words in last
    assert "Kari starts work in May" in last
    assert "Team lead Tone Berg" in last


def test_the_follow_up_cannot_end_before_something_already_recorded(
    family: EnrolledFamily,
) -> None:
    _contact(family, date(2027, 5, 10))
    before = _stored(family.app)
    with pytest.raises(RuleViolationError, match="2027-05-10, after it"):
        family.app.end_follow_up(family.id, reason=EndReason.COMPLETED,
                                 occurred_on=date(2027, 5, 9), actor=COORDINATOR)  # fmt: skip
    assert _stored(family.app) == before
    family.app.end_follow_up(family.id, reason=EndReason.COMPLETED,
                             occurred_on=date(2027, 5, 10), actor=COORDINATOR)  # fmt: skip


def test_the_newest_day_survives_a_snapshot_and_a_reload(tmp_path: Path) -> None:
    app = FamilyCoordination(tmp_path / "s.db", encryption=False, snapshot_interval=2,
                             cache_size=0, clock=FixedClock())  # fmt: skip
    family = EnrolledFamily(app)
    _contact(family, date(2027, 5, 10))
    family.app.set_goal(family.id, area=Topic.WORK, words="Jobb", occurred_on=START,
                        actor=COORDINATOR)  # fmt: skip
    app.close()
    reopened = FamilyCoordination(tmp_path / "s.db", cache_size=0, clock=FixedClock())
    assert reopened.get_family(family.id, actor=LEAD).latest_on == date(2027, 5, 10)
    with pytest.raises(RuleViolationError, match="after it"):
        reopened.end_follow_up(family.id, reason=EndReason.COMPLETED,
                               occurred_on=date(2027, 1, 1), actor=COORDINATOR)  # fmt: skip
    reopened.close()


def test_the_audit_reports_an_end_dated_before_work_recorded_earlier(
    family: EnrolledFamily,
) -> None:
    """An end recorded before the rule, dated before a contact stored before it."""
    app = family.app
    _contact(family, date(2027, 5, 10))
    loaded = app._reader.load(family.id)
    loaded.latest_on = date.min  # in memory only: the rule is passed by
    run(loaded, EndFollowUp, reason=EndReason.COMPLETED, occurred_on=date(2027, 5, 1),
        actor=COORDINATOR, recorded_at=app._engine.now())  # fmt: skip
    app._engine.save(loaded)
    report = app.audit(family.id, on=date(2027, 6, 1), actor=AUDITOR)
    outside = [
        f for f in report.findings if f.kind is FindingKind.OUTSIDE_PROGRAMME_PERIOD
    ]
    assert [f.occurred_on for f in outside] == [date(2027, 5, 10)]
    assert "after the follow-up ended on 2027-05-01" in outside[0].message


def test_the_family_s_rights_after_the_end_do_not_push_the_end_back(
    family: EnrolledFamily,
) -> None:
    app = family.app
    _contact(family, date(2030, 6, 1))
    app.withdraw_consent(family.id, family.nav_consent, withdrawn_by=[family.kari],
                         occurred_on=AFTER + timedelta(days=100), actor=COORDINATOR)  # fmt: skip
    assert app.get_family(family.id, actor=LEAD).latest_on == date(2030, 6, 1)
    app.end_follow_up(family.id, reason=EndReason.COMPLETED, occurred_on=PLANNED_END,
                      actor=COORDINATOR)  # fmt: skip


def test_an_ended_follow_up_is_not_extended_even_dated_before_its_end(
    family: EnrolledFamily,
) -> None:
    app = family.app
    app.end_follow_up(family.id, reason=EndReason.COMPLETED, occurred_on=AFTER + timedelta(days=30),
                      actor=COORDINATOR)  # fmt: skip
    before = _stored(app)
    with pytest.raises(FollowUpEndedError, match="is not extended"):
        app.extend_follow_up(
            family.id, until=date(2031, 6, 1), reason="r", decided_by="d",
            occurred_on=AFTER + timedelta(days=25), actor=LEAD,
        )  # fmt: skip
    assert _stored(app) == before
