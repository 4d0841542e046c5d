"""The Drammen demo: a competence team's inquiries, every one with an outcome.

Small demos over many seeds (in memory) receive more inquiries every year,
on working days, close every one with an outcome within 28 days (so none is
flagged, at the demo's end or ever after), keep the anonymous ones free of
anything that identifies a family, record nothing identifying before the
family's consent to be named, link only to families that exist, and pass the
audit; a year like Drammen's has the realistic mix; on the command line,
``demo --programme drammen`` builds a store on which ``inquiries --year``
counts the year's inquiries by outcome and exits 0; a demo the library
refuses part-way writes nothing. ``FAMILIEKOORDINERING_DEMO_FAMILIES`` also
builds one big demo of that many inquiries in its first year over five years.
"""

from __future__ import annotations

import collections
import itertools
import json
import os
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from familiekoordinering import (
    Actor,
    FamilyCoordination,
    Inquiry,
    InquiryOutcome,
    InquirySource,
    InquiryWork,
    Municipality,
    Role,
)
from familiekoordinering.cli import main
from familiekoordinering.demo import PROGRAMMES, DemoClock, DemoReport, build_demo
from familiekoordinering.demo.drammen import LONGEST_DAYS, PHRASES, holidays
from familiekoordinering.errors import RuleViolationError

pytestmark = pytest.mark.application

BIG = int(os.environ.get("FAMILIEKOORDINERING_DEMO_FAMILIES", "0") or "0")
DRAMMEN = PROGRAMMES["drammen"]
LEAD = DRAMMEN.lead_actor
AUDITOR = Actor("r-revisor", Role.AUDITOR, Municipality("3301"))
IDENTIFYING = {InquiryWork.HOME_VISIT, InquiryWork.SERVICE_CONNECTED}


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{\w+\}", template)
    return re.compile(".+".join(re.escape(p) for p in parts) + r"\Z")


PATTERNS = [_pattern(t) for phrases in PHRASES.values() for t in phrases]


def _demo(
    families: int, years: int, seed: int
) -> tuple[FamilyCoordination, DemoReport, DemoClock]:
    clock = DemoClock()
    app = FamilyCoordination("memory", clock=clock)
    report = build_demo(
        app, clock, families=families, years=years, seed=seed, programme="drammen"
    )
    return app, report, clock


def _working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in holidays(day.year)


def _check(
    app: FamilyCoordination, report: DemoReport, clock: DemoClock
) -> list[Inquiry]:
    """Everything a Drammen demo of any size and seed must be; its inquiries."""
    end = clock().date()
    counts = list(report.inquiries.values())
    assert list(report.inquiries) == list(range(2021, 2021 + len(counts)))
    assert all(a < b for a, b in itertools.pairwise(counts))  # rising every year
    assert len(report.inquiry_ids) == len(set(report.inquiry_ids)) == sum(counts)
    for year, count in report.inquiries.items():
        for on in (end, date(2100, 1, 1)):  # at the demo's end, and ever after
            yearly = app.inquiries(actor=LEAD, year=year, on=on)
            assert yearly.received == count
            assert yearly.open == 0
            assert yearly.flagged == ()
            assert sum(yearly.by_outcome.values()) == count
    inquiries = [app.get_inquiry(i, actor=LEAD) for i in report.inquiry_ids]
    linked = set()
    for inquiry in inquiries:
        assert inquiry.closed is not None
        assert inquiry.closed_on is not None
        assert inquiry.closed_on - inquiry.received_on <= timedelta(days=LONGEST_DAYS)
        assert _working_day(inquiry.received_on)
        assert _working_day(inquiry.closed_on)
        assert inquiry.closed_on <= end
        assert (inquiry.outcome is InquiryOutcome.ENROLLED) == (
            inquiry.family_id is not None
        )
        events = list(app._engine.events.get(inquiry.id))
        identified = [e for e in events if isinstance(e, Inquiry.InquiryIdentified)]
        work = [e for e in events if isinstance(e, Inquiry.InquiryWorkRecorded)]
        if not inquiry.identified:
            # Anonymous: no name, no note, nothing that identifies the family.
            assert identified == []
            assert all(e.note is None and e.service is None for e in work)
            assert not {e.kind for e in work} & IDENTIFYING
            assert inquiry.family_id is None
            assert inquiry.source is not InquirySource.FAMILY or inquiry.outcome is (
                InquiryOutcome.ADVICE_GIVEN
            )
            continue
        # Identified: a parent's name, and nothing identifying before it.
        assert len(identified) == 1
        consent = identified[0]
        assert re.fullmatch(r"\w+ \w+", consent.given_by), consent.given_by
        before = events[: events.index(consent)]
        assert all(not isinstance(e, Inquiry.InquiryLinked) for e in before)
        for event in before:
            if isinstance(event, Inquiry.InquiryWorkRecorded):
                assert event.kind not in IDENTIFYING
                assert event.note is None
        for event in work:
            if event.note is not None:
                assert any(p.match(event.note) for p in PATTERNS), event.note
        if inquiry.outcome is InquiryOutcome.SERVICE_CONNECTED:
            assert any(e.kind is InquiryWork.SERVICE_CONNECTED for e in work)
        if inquiry.family_id is not None:
            linked.add(inquiry.family_id)
    # The linked families exist, in Drammen, and are the demo's families.
    assert linked == set(report.family_ids)
    for family_id in report.family_ids:
        family = app.get_family(family_id, actor=LEAD)
        assert family.municipality == "3301"
        assert family.coordinator is not None
        assert len(family.members) >= 2
    # At least one enrolment a year.
    enrolled_years = {i.received_on.year for i in inquiries if i.family_id is not None}
    assert enrolled_years == set(report.inquiries)
    assert app.audit(on=end, actor=AUDITOR).violations == ()
    return inquiries


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32),
    families=st.integers(1, 8),
    years=st.integers(1, 4),
)
def test_any_small_drammen_demo_closes_every_inquiry_and_keeps_the_rules(
    seed: int, families: int, years: int
) -> None:
    app, report, clock = _demo(families, years, seed)
    assert report.inquiries[2021] == families
    _check(app, report, clock)
    app.close()


def test_a_year_like_drammens_has_the_realistic_mix() -> None:
    app, report, clock = _demo(155, 1, 7)
    inquiries = _check(app, report, clock)
    assert len(inquiries) == 155
    sources = collections.Counter(i.source for i in inquiries)
    outcomes = collections.Counter(i.outcome for i in inquiries)
    assert sources.most_common(1)[0][0] in {InquirySource.NAV, InquirySource.SCHOOL}
    assert len(sources) >= 8
    assert set(outcomes) == set(InquiryOutcome)  # every outcome, none turned away
    anonymous = sum(not i.identified for i in inquiries)
    assert 0.45 < anonymous / 155 < 0.8  # anonymous advice for most
    assert 3 <= len(report.family_ids) <= 10  # a few enrolled
    months = collections.Counter(i.received_on.month for i in inquiries)
    assert months[7] < months[3]  # the summer holidays
    app.close()


def test_a_drammen_demo_refused_part_way_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    close = FamilyCoordination.close_inquiry

    def refused_at_the_fifth(self: FamilyCoordination, *args: Any, **kw: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 5:
            raise RuleViolationError("refused for the test")
        return close(self, *args, **kw)

    monkeypatch.setattr(FamilyCoordination, "close_inquiry", refused_at_the_fifth)
    clock = DemoClock()
    app = FamilyCoordination(tmp_path / "demo.db", clock=clock, encryption=False)
    empty = app.position()
    with pytest.raises(RuleViolationError, match="refused for the test") as refused:
        build_demo(app, clock, families=3, years=2, seed=1, programme="drammen")
    assert any("nothing was written" in note for note in refused.value.__notes__)
    assert calls == 5
    assert app.position() == empty
    assert app.inquiries(actor=LEAD, year=2021).received == 0
    app.close()


def test_the_command_line_builds_the_drammen_demo_and_counts_its_inquiries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(tmp_path / "drammen.db")
    actor = f"{LEAD.user_id}:{LEAD.role.value}:{LEAD.municipality}"
    built = main(
        ["--store", store, "demo", "--programme", "drammen", "--families", "6",
         "--years", "2", "--seed", "3"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert built == 0
    assert "Received " in out
    assert "(2021: 6, 2022: " in out
    assert "Henvendelser til kompetanseteamet i kommune 3301, 2022" in out
    assert f"--actor {actor}" in out
    assert "familiekoordinering inquiries --year 2022" in out
    for year in (2021, 2022):
        text = main(["--store", store, "--actor", actor, "inquiries", "--year",
                     str(year)])  # fmt: skip
        printed = capsys.readouterr().out
        assert text == 0
        assert "Utfall" in printed
        counted = main(["--store", store, "--actor", actor, "inquiries", "--year",
                        str(year), "--format", "json"])  # fmt: skip
        report = json.loads(capsys.readouterr().out)
        assert counted == 0
        assert report["open"] == 0
        assert report["flagged"] == []
        assert report["received"] >= 6
        assert sum(report["by_outcome"].values()) == report["received"]


@pytest.mark.skipif(not BIG, reason="set FAMILIEKOORDINERING_DEMO_FAMILIES")
def test_a_big_drammen_demo_closes_every_inquiry() -> None:
    app, report, clock = _demo(BIG, 5, BIG)
    end = clock().date()
    assert report.inquiries[2021] == BIG
    for year, count in report.inquiries.items():
        yearly = app.inquiries(actor=LEAD, year=year, on=end)
        assert yearly.received == count
        assert yearly.open == 0
        assert yearly.flagged == ()
    assert app.audit(on=end, actor=AUDITOR).violations == ()
    app.close()
