"""The family's timeline, its state at any date (both times), the report and the export."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings

from familiekoordinering import FamilyCoordination
from familiekoordinering.access import Access
from familiekoordinering.access.log import READS
from familiekoordinering.demo import DemoClock, build_demo
from familiekoordinering.domain.family import Family
from familiekoordinering.errors import InvalidInputError, NotFoundError
from familiekoordinering.timeline import (
    LANGUAGES,
    Language,
    build_timeline,
    state_at,
    translations,
)
from familiekoordinering.timeline.export import SCHEMA, access_export, export_schema
from familiekoordinering.timeline.i18n import LOCALES
from tests.conftest import LEAD
from tests.strategies import mixed_histories

pytestmark = pytest.mark.application

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / ".ci-artifacts"


@pytest.fixture(scope="module")
def demo() -> tuple[FamilyCoordination, list[Family.Event]]:
    clock = DemoClock()
    app = FamilyCoordination(clock=clock)
    report = build_demo(app, clock, families=2, years=3, seed=4)
    return app, app.family_history(report.family_ids[0], actor=LEAD)


def test_every_event_becomes_one_entry_in_order_in_each_language(
    demo: tuple[FamilyCoordination, list[Family.Event]],
) -> None:
    _, events = demo
    for language in LANGUAGES:
        timeline = build_timeline(events, language=language)
        assert [e.version for e in timeline.entries] == list(range(1, len(events) + 1))
        assert all(e.what and e.who for e in timeline.entries)
        assert not any(
            e.what == type(ev).__name__  # the fallback for an event it cannot word
            for e, ev in zip(timeline.entries, events, strict=True)
        )


def test_bokmal_is_the_default_and_english_reads_differently(
    demo: tuple[FamilyCoordination, list[Family.Event]],
) -> None:
    _, events = demo
    nb, en = build_timeline(events), build_timeline(events, language="en")
    assert nb.render_text().startswith("Tidslinje for")
    assert en.render_text().startswith("Timeline of")
    assert "ble med" in nb.entries[2].what
    assert "joined" in en.entries[2].what


def test_contacts_say_which_consent_permitted_them_and_how_the_family_knew(
    demo: tuple[FamilyCoordination, list[Family.Event]],
) -> None:
    _, events = demo
    timeline = build_timeline(events, language="en")
    contacts = [e for e in timeline.entries if e.event == "AgencyContacted"]
    assert contacts
    assert all(
        e.permitted_by and e.permitted_by.startswith("the consent") for e in contacts
    )
    assert all(e.family_knew for e in contacts)
    others = [e for e in timeline.entries if e.event == "MemberAdded"]
    assert all(e.permitted_by is None and e.family_knew is None for e in others)


def test_an_unknown_language_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(InvalidInputError, match="use one of nb, en, nn, da"):
        build_timeline([], language="sv")


def _late_family() -> tuple[FamilyCoordination, list[Family.Event]]:
    """A meeting held on 1 March but recorded on 20 March."""
    clock = DemoClock()
    app = FamilyCoordination(clock=clock)
    report = build_demo(app, clock, families=1, years=1, seed=9)
    family_id = report.family_ids[0]
    events = app.family_history(family_id, actor=LEAD)
    return app, events


def test_as_of_is_what_was_true_and_as_recorded_is_what_was_known() -> None:
    _, events = _late_family()
    # Make one event late by selecting with a cut between occurrence and record.
    late = next(e for e in events[5:] if isinstance(e, Family.MeetingHeld))
    recorded_day = late.recorded_at.date()
    happened = late.occurred_on
    assert happened <= recorded_day
    # What the store knew the day before the meeting was recorded lacks it ...
    known = state_at(events, as_recorded=recorded_day - timedelta(days=1))
    assert known is not None
    assert late.meeting_id not in known.meetings
    # ... while what was true on the day it happened includes it.
    true = state_at(events, as_of=happened)
    assert true is not None
    assert late.meeting_id in true.meetings
    assert state_at(events, as_of=events[0].occurred_on - timedelta(days=1)) is None


def test_a_late_record_counts_for_as_of_but_not_for_as_recorded_before_it() -> None:
    clock = DemoClock()
    app = FamilyCoordination(clock=clock)
    report = build_demo(app, clock, families=1, years=1, seed=9)
    family_id = report.family_ids[0]
    family = app.get_family(family_id, actor=LEAD)
    last = app.family_history(family_id, actor=LEAD)[-1]
    march_1 = last.occurred_on
    clock.at(march_1, late_days=19)  # recorded nearly three weeks later
    app.hold_meeting(
        family_id, participants=["Kristin Lund"], members_present=list(family.members)[:1],
        occurred_on=march_1, actor=last.actor,
    )  # fmt: skip
    events = app.family_history(family_id, actor=LEAD)
    meeting = events[-1]
    assert meeting.recorded_at.date() > meeting.occurred_on
    on_the_day = app.family_at(family_id, as_of=march_1, actor=LEAD)
    known_then = app.family_at(
        family_id, as_of=march_1, as_recorded=march_1, actor=LEAD
    )
    assert len(on_the_day.meetings) == len(known_then.meetings) + 1
    entry = app.timeline(family_id, language="en", actor=LEAD).entries[-1]
    assert entry.recorded_late
    assert (
        "(recorded late)"
        in app.timeline(family_id, language="en", actor=LEAD).render_text()
    )
    with pytest.raises(NotFoundError, match="give a later date"):
        app.family_at(family_id, as_of=date(1990, 1, 1), actor=LEAD)


def test_the_catalogues_are_compiled_and_translate_every_message_and_word() -> None:
    from babel.messages.extract import extract_from_file
    from babel.messages.pofile import read_po

    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "catalogues.py"), "--check"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr
    ids: set[str] = set()
    for path in (ROOT / "src/familiekoordinering/timeline").glob("*.py"):
        keywords = {"_": None, "w": None, "self": None}
        ids |= {m[1] for m in extract_from_file("python", str(path), keywords=keywords)}
        # Babel does not look inside f-strings: single-line calls there too.
        pattern = r"""\b(?:w|_)\((['"])((?:(?!\1).)+)\1\s*[,)]"""
        ids |= {m.group(2) for m in re.finditer(pattern, path.read_text())}
    from familiekoordinering import (
        AgencyKind,
        Channel,
        ConsentForm,
        EndReason,
        MemberKind,
        OutwardActionKind,
        ReferralSource,
        ResponsibleKind,
        Role,
        SectorPlanKind,
        StepStatus,
        SurveyKind,
        Topic,
    )  # fmt: skip
    from familiekoordinering.domain.plan import GoalStatus

    enums = (AgencyKind, Channel, ConsentForm, EndReason, MemberKind, ReferralSource,
             ResponsibleKind, Role, SectorPlanKind, StepStatus, SurveyKind, Topic,
             GoalStatus)  # fmt: skip
    words = {v.value.replace("_", " ") for enum in enums for v in enum}
    words |= {f"action {k.value.replace('_', ' ')}" for k in OutwardActionKind}
    words |= {f"access {a.value.replace('_', ' ')}" for a in Access}
    words |= set(READS)
    for language in LANGUAGES:
        with (LOCALES / language.value / "LC_MESSAGES" / "familiekoordinering.po").open(
            "rb"
        ) as f:
            catalogue = read_po(f)
        # The ids are English: the English catalogue may leave a message as it is.
        missing = sorted(
            m
            for m in ids | words
            if m not in catalogue
            or (language is not Language.EN and not catalogue[m].string)
        )
        assert not missing, f"untranslated in {language.value}: {missing}"
        for message in catalogue:
            if message.id and message.string:
                assert set(re.findall(r"{(\w+)}", str(message.id))) == set(
                    re.findall(r"{(\w+)}", str(message.string))
                ), (language.value, message.id)
    assert translations("nb").gettext("Date") == "Dato"
    assert translations("en").gettext("action contact") == "Contacted"


def test_the_access_export_holds_every_stored_event_and_a_member_sees_only_theirs(
    demo: tuple[FamilyCoordination, list[Family.Event]],
) -> None:
    app, events = demo
    family_id = events[0].originator_id
    export = app.access_export(family_id, on=date(2026, 1, 1), actor=LEAD)
    assert export["schema"] == SCHEMA
    assert len(export["events"]) == len(events) == len(export["timeline"])
    stored = list(app._engine.recorder.select_events(family_id))
    assert [json.loads(s.state) for s in stored] == [
        e["payload"] for e in export["events"]
    ]
    json.dumps(export)
    family = app.get_family(family_id, actor=LEAD)
    child = next(m for m in family.members.values() if m.kind.value == "child")
    mine = app.access_export(
        family_id, on=date(2026, 1, 1), member_id=child.member_id, actor=LEAD
    )
    assert [m["name"] for m in mine["members"]] == [child.name]
    assert 0 < len(mine["events"]) < len(export["events"])
    assert all(
        str(child.member_id) in json.dumps(e["payload"]) or e["type"] in (
            "Enrolled", "CoordinatorAssigned", "FollowUpEnded")
        for e in mine["events"]
    )  # fmt: skip
    others = [m for m in family.members.values() if m.member_id != child.member_id]
    assert not any(o.name in json.dumps(mine["members"]) for o in others)
    with pytest.raises(NotFoundError, match="is not a member of family"):
        app.access_export(
            family_id,
            on=date(2026, 1, 1),
            member_id=events[0].originator_id,
            actor=LEAD,
        )  # type: ignore[arg-type]


def _validate(export: dict[str, object]) -> None:
    jsonschema.validate(
        json.loads(json.dumps(export)),
        export_schema(),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def test_exports_of_the_whole_family_and_of_each_member_follow_the_shipped_schema(
    demo: tuple[FamilyCoordination, list[Family.Event]],
) -> None:
    app, events = demo
    family_id = events[0].originator_id
    jsonschema.Draft202012Validator.check_schema(export_schema())
    _validate(app.access_export(family_id, on=date(2026, 1, 1), actor=LEAD))
    for member_id in app.get_family(family_id, actor=LEAD).members:
        _validate(
            app.access_export(
                family_id,
                on=date(2026, 1, 1),
                member_id=member_id,
                language="en",
                actor=LEAD,
            )
        )


@settings(max_examples=15, deadline=None)
@given(family=mixed_histories)
def test_an_export_of_any_history_follows_the_schema(family: Family) -> None:
    app = FamilyCoordination()
    app._engine.save(family)
    events = app.family_history(family.id, actor=LEAD)
    stored = [
        (s.originator_version, s.topic, json.loads(s.state))
        for s in app._engine.recorder.select_events(family.id)
    ]
    _validate(access_export(events, stored, on=date(2031, 1, 1)))


def test_an_export_missing_a_field_breaks_the_schema(
    demo: tuple[FamilyCoordination, list[Family.Event]],
) -> None:
    app, events = demo
    export = app.access_export(events[0].originator_id, on=date(2026, 1, 1), actor=LEAD)
    del export["timeline"][0]["who"]
    with pytest.raises(jsonschema.ValidationError, match="'who' is a required"):
        _validate(export)


def test_the_report_renders_in_a_real_browser_without_javascript(
    demo: tuple[FamilyCoordination, list[Family.Event]], tmp_path: Path
) -> None:
    chromium = shutil.which("chromium")
    assert chromium, "the browser test needs Debian's chromium (scripts/setup.sh --dev)"
    app, events = demo
    family_id = events[0].originator_id
    html = app.report(family_id, on=date(2024, 6, 1), actor=LEAD)
    assert "<script" not in html
    assert "http" not in html.split("<body>")[1]
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    base = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
            f"--user-data-dir={tmp_path / 'profile'}"]  # fmt: skip
    dom = subprocess.run(
        [*base, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    family = app.get_family(family_id, actor=LEAD)
    assert "Koordinatoren deres" in dom
    assert family.coordinator is not None
    assert family.coordinator.name in dom
    for heading in ("Planen deres", "Samtykkene deres", "All kontakt som er tatt",
                    "Det vi fortalte dere i etterkant"):  # fmt: skip
        assert heading in dom
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "family-report.png"
    shot.unlink(missing_ok=True)
    subprocess.run(
        [*base, f"--screenshot={shot}", "--window-size=900,2400", page.as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    assert shot.exists()
    assert shot.stat().st_size > 20_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
