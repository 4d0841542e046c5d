"""Inquiries through the application: real stores, access, encryption, the command line.

A competence team's inquiries (Drammen's *henvendelser*) are stored in the
families' event store, each in a stream of its own. Here they are recorded
and read through :class:`FamilyCoordination` on real SQLite files (and, once,
on every backend), their names sealed in an encrypted store, refused to other
municipalities, kept apart from the families, verified by the audit, passed
over by the views, counted in the year's report, and printed by
``familiekoordinering inquiries``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from familiekoordinering import (
    ERASED_TEXT,
    AccessDeniedError,
    Actor,
    Agency,
    AgencyKind,
    ConfigurationError,
    ConsentForm,
    ConsentRequiredError,
    DuplicateIdError,
    Eligibility,
    FamilyCoordination,
    FamilyErasedError,
    InquiryId,
    InquiryOutcome,
    InquirySource,
    InquiryWork,
    InvalidInputError,
    Municipality,
    NotFoundError,
    Programme,
    ReferralSource,
    Role,
    RuleViolationError,
    Topic,
    new_master_key,
)
from familiekoordinering.cli import EXIT_FLAGGED, main
from familiekoordinering.timeline import inquiries as rendering
from familiekoordinering.timeline.i18n import LANGUAGES, LOCALES, Language
from tests.conftest import FixedClock

pytestmark = pytest.mark.application

DRAMMEN = Municipality("3301")
ADVISER = Actor("a-rad", Role.COORDINATOR, DRAMMEN)
LEAD = Actor("t-leder", Role.TEAM_LEAD, DRAMMEN)
AUDITOR = Actor("r-revisor", Role.AUDITOR, DRAMMEN)
ELSEWHERE = Actor("k-lund", Role.TEAM_LEAD, Municipality("4204"))
CAME = date(2026, 3, 2)
NAME = "Ingrid Søndergaard-Vik"
NOTE = "Hjemmebesøk: trenger hjelp med bostøtte"


@pytest.fixture
def open_app(
    tmp_path: Path, clock: FixedClock
) -> Iterator[Callable[..., FamilyCoordination]]:
    """Opens the application on one SQLite file (closed at the end)."""
    apps: list[FamilyCoordination] = []

    def make(**kwargs: Any) -> FamilyCoordination:
        if kwargs.get("master_key") is None:
            kwargs.setdefault("encryption", False)
        app = FamilyCoordination(str(tmp_path / "store.db"), clock=clock, **kwargs)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


@pytest.fixture
def sqlite_app(open_app: Callable[..., FamilyCoordination]) -> FamilyCoordination:
    return open_app()


def receive(app: FamilyCoordination, on: date = CAME, **kwargs: Any) -> InquiryId:
    fields: dict[str, Any] = {
        "municipality": DRAMMEN, "source": InquirySource.SCHOOL,
        "topics": [Topic.SCHOOL, Topic.ECONOMY], "received_on": on, "actor": ADVISER,
    }  # fmt: skip
    return app.receive_inquiry(**{**fields, **kwargs})


def enrol(app: FamilyCoordination, municipality: str = DRAMMEN) -> UUID:
    return app.enrol_family(
        municipality=municipality, label="Berg", programme=Programme.nye_monstre(),
        referral=ReferralSource.NAV, eligibility=Eligibility(240_000, 380_000, 4),
        occurred_on=CAME, actor=Actor("t-leder", Role.TEAM_LEAD, Municipality(municipality)),
    )  # fmt: skip


def a_whole_inquiry(app: FamilyCoordination) -> InquiryId:
    """Anonymous advice, consent to be named, a home visit, a service, the link, closed."""
    inquiry = receive(app, service=Agency(AgencyKind.SCHOOL, "Fjell skole"))
    app.record_inquiry_work(
        inquiry, kind=InquiryWork.ADVICE, occurred_on=CAME, actor=ADVISER
    )
    app.identify_inquiry(
        inquiry,
        given_by=NAME,
        form=ConsentForm.WRITTEN,
        occurred_on=CAME + timedelta(1),
        actor=ADVISER,
    )
    app.record_inquiry_work(
        inquiry,
        kind=InquiryWork.HOME_VISIT,
        note=NOTE,
        occurred_on=CAME + timedelta(2),
        actor=ADVISER,
    )
    app.record_inquiry_work(
        inquiry,
        kind=InquiryWork.SERVICE_CONNECTED,
        service=Agency(AgencyKind.VOLUNTEER, "Leksehjelpen Fjell"),
        occurred_on=CAME + timedelta(3),
        actor=ADVISER,
    )
    app.link_inquiry(
        inquiry, family_id=enrol(app), occurred_on=CAME + timedelta(4), actor=ADVISER
    )
    app.close_inquiry(
        inquiry,
        outcome=InquiryOutcome.ENROLLED,
        occurred_on=CAME + timedelta(4),
        actor=ADVISER,
    )
    return inquiry  # fmt: skip


# ------------------------------------------------------------ the whole story


def test_an_inquiry_on_every_backend_verified_and_passed_over_by_the_views(
    app: FamilyCoordination,
) -> None:
    inquiry = a_whole_inquiry(app)
    state = app.get_inquiry(inquiry, actor=ADVISER)
    assert state.municipality == DRAMMEN
    assert state.identified_on == CAME + timedelta(1)
    assert state.outcome is InquiryOutcome.ENROLLED
    assert sorted(k.value for k, _ in state.work.values()) == [
        "advice", "home_visit", "service_connected",
    ]  # fmt: skip
    report = app.inquiries(actor=ADVISER, year=2026, on=date(2026, 12, 1))
    assert (report.received, report.open, report.identified, report.linked) == (
        1,
        0,
        1,
        1,
    )
    assert report.by_outcome[InquiryOutcome.ENROLLED] == 1
    # The families' views fold past the inquiry's events; the audit verifies them.
    app.views.catch_up()
    assert app.views.status().behind == 0
    audit = app.audit(on=date(2026, 12, 1), actor=AUDITOR)
    assert audit.exit_status == 0, audit.findings
    assert audit.verified == app.position()  # every event of the log, the inquiry's too


def test_an_encrypted_store_keeps_the_name_and_the_note_out_of_the_file(
    open_app: Callable[..., FamilyCoordination], tmp_path: Path
) -> None:
    key = new_master_key()
    app = open_app(master_key=key)
    inquiry = a_whole_inquiry(app)
    app.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("store.db*"))
    assert stored
    for secret in (NAME, NOTE, "Leksehjelpen Fjell", "Fjell skole"):
        assert secret.encode() not in stored, secret
    assert b"service_connected" in stored  # the categories stay readable
    again = open_app(master_key=key)
    assert again.get_inquiry(inquiry, actor=ADVISER).identified
    with pytest.raises(NotFoundError):
        again.erase(inquiry, actor=LEAD)  # an inquiry is no family
    events = again._engine.events.get(inquiry)  # through the sealing mapper
    identified = [e for e in events if type(e).__name__ == "InquiryIdentified"]
    assert identified[0].given_by == NAME


def test_an_inquiry_s_personal_data_is_erased_and_its_counts_stay(
    open_app: Callable[..., FamilyCoordination],
) -> None:
    app = open_app(master_key=new_master_key())
    inquiry = a_whole_inquiry(app)
    with pytest.raises(NotFoundError):
        app.erase_inquiry(inquiry, actor=ELSEWHERE)  # another municipality's
    with pytest.raises(AccessDeniedError):
        app.erase_inquiry(inquiry, actor=ADVISER)  # a coordinator may not erase
    erasure = app.erase_inquiry(inquiry, actor=LEAD)
    assert erasure.family_id == inquiry
    events = app._engine.events.get(inquiry)
    identified = [e for e in events if type(e).__name__ == "InquiryIdentified"]
    assert identified[0].given_by == ERASED_TEXT
    report = app.inquiries(actor=ADVISER, year=2026, on=date(2026, 12, 1))
    assert (report.received, report.identified, report.linked) == (1, 1, 1)
    with pytest.raises(FamilyErasedError, match="erased already"):
        app.erase_inquiry(inquiry, actor=LEAD)
    with pytest.raises(FamilyErasedError, match=r"inquiry .* was erased"):
        app.record_inquiry_work(
            inquiry, kind=InquiryWork.ADVICE, occurred_on=CAME + timedelta(5),
            actor=ADVISER,
        )  # fmt: skip


def test_an_inquiry_is_erased_only_in_a_store_that_encrypts(
    sqlite_app: FamilyCoordination,
) -> None:
    inquiry = receive(sqlite_app)
    with pytest.raises(ConfigurationError, match="erasing an inquiry needs encryption"):
        sqlite_app.erase_inquiry(inquiry, actor=LEAD)


# ----------------------------------------------------------------- the rules


def test_an_anonymous_inquiry_is_refused_a_home_visit_and_nothing_is_stored(
    sqlite_app: FamilyCoordination,
) -> None:
    inquiry = receive(sqlite_app)
    with pytest.raises(ConsentRequiredError, match="identify_inquiry"):
        sqlite_app.record_inquiry_work(
            inquiry, kind=InquiryWork.HOME_VISIT, occurred_on=CAME, actor=ADVISER
        )
    with pytest.raises(ConsentRequiredError, match="a note"):
        sqlite_app.record_inquiry_work(
            inquiry, kind=InquiryWork.MAPPING, note="Kari", occurred_on=CAME,
            actor=ADVISER,
        )  # fmt: skip
    with pytest.raises(ConsentRequiredError):
        sqlite_app.link_inquiry(
            inquiry, family_id=enrol(sqlite_app), occurred_on=CAME, actor=ADVISER
        )
    assert sqlite_app.get_inquiry(inquiry, actor=ADVISER).version == 1
    sqlite_app.record_inquiry_work(
        inquiry, kind=InquiryWork.MAPPING, occurred_on=CAME, actor=ADVISER
    )
    assert sqlite_app.get_inquiry(inquiry, actor=ADVISER).version == 2


def test_an_inquiry_is_closed_once_and_its_outcome_is_borne_out(
    sqlite_app: FamilyCoordination,
) -> None:
    inquiry = receive(sqlite_app)
    for outcome in (InquiryOutcome.SERVICE_CONNECTED, InquiryOutcome.ENROLLED):
        with pytest.raises(RuleViolationError, match="first"):
            sqlite_app.close_inquiry(
                inquiry, outcome=outcome, occurred_on=CAME, actor=ADVISER
            )
    sqlite_app.close_inquiry(
        inquiry, outcome=InquiryOutcome.REFERRED, occurred_on=CAME, actor=ADVISER
    )
    with pytest.raises(RuleViolationError, match="closed on 2026-03-02"):
        sqlite_app.close_inquiry(
            inquiry,
            outcome=InquiryOutcome.ADVICE_GIVEN,
            occurred_on=CAME,
            actor=ADVISER,
        )
    with pytest.raises(RuleViolationError, match="closed"):
        sqlite_app.record_inquiry_work(
            inquiry, kind=InquiryWork.ADVICE, occurred_on=CAME, actor=ADVISER
        )
    assert sqlite_app.get_inquiry(inquiry, actor=ADVISER).version == 2


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"source": "school"}, "source must be InquirySource"),
        ({"topics": "school"}, "iterable of Topic"),
        ({"topics": [Topic.SCHOOL, "x"]}, "topics must be"),
        ({"received_on": date(2101, 1, 1)}, "in the future"),
        ({"municipality": 3301}, "municipality must be str"),
        ({"inquiry_id": "not an id"}, "inquiry_id must be UUID"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    sqlite_app: FamilyCoordination, change: dict[str, Any], says: str
) -> None:
    before = sqlite_app.position()
    with pytest.raises(InvalidInputError, match=says):
        receive(sqlite_app, **change)
    assert sqlite_app.position() == before


def test_a_day_before_the_inquiry_came_or_a_blank_name_is_refused(
    sqlite_app: FamilyCoordination,
) -> None:
    inquiry = receive(sqlite_app)
    with pytest.raises(InvalidInputError, match="before the inquiry was received"):
        sqlite_app.record_inquiry_work(
            inquiry, kind=InquiryWork.ADVICE, occurred_on=CAME - timedelta(1),
            actor=ADVISER,
        )  # fmt: skip
    with pytest.raises(InvalidInputError, match="given_by"):
        sqlite_app.identify_inquiry(
            inquiry, given_by=" ", form=ConsentForm.WRITTEN, occurred_on=CAME,
            actor=ADVISER,
        )  # fmt: skip
    with pytest.raises(InvalidInputError, match="kind must be InquiryWork"):
        sqlite_app.record_inquiry_work(
            inquiry,
            kind="advice",
            occurred_on=CAME,
            actor=ADVISER,  # type: ignore[arg-type]
        )
    assert sqlite_app.get_inquiry(inquiry, actor=ADVISER).version == 1


# ----------------------------------------------------------- the year's report


def test_a_year_of_155_inquiries_each_with_an_outcome(
    sqlite_app: FamilyCoordination,
) -> None:
    outcomes = [InquiryOutcome.ADVICE_GIVEN, InquiryOutcome.REFERRED,
                InquiryOutcome.NO_FURTHER_NEED, InquiryOutcome.FAMILY_DECLINED]  # fmt: skip
    sources = list(InquirySource)
    for n in range(155):
        came = date(2026, 1, 1) + timedelta(days=n * 2)
        inquiry = receive(sqlite_app, came, source=sources[n % len(sources)])
        sqlite_app.close_inquiry(inquiry, outcome=outcomes[n % 4],
                                 occurred_on=came + timedelta(3), actor=ADVISER)  # fmt: skip
    for n in range(40):  # the year before: fewer
        receive(sqlite_app, date(2025, 2, 1) + timedelta(days=n * 7))
    report = sqlite_app.inquiries(actor=LEAD, year=2026, on=date(2026, 12, 31))
    assert report.received == 155
    assert report.previous_year == 40
    assert report.change == 115
    assert report.open == 0
    assert report.flagged == ()
    assert report.all_handled
    assert sum(report.by_outcome.values()) == 155
    assert report.by_outcome[InquiryOutcome.ADVICE_GIVEN] == 39
    assert report.by_outcome[InquiryOutcome.ENROLLED] == 0
    assert sum(report.by_source.values()) == 155
    assert report.by_topic[Topic.SCHOOL] == 155
    assert sum(report.by_month) == 155
    assert report.by_month[0] == 16  # 1, 3, …, 31 January
    # The year before: all 40 still open, and flagged.
    before = sqlite_app.inquiries(actor=LEAD, year=2025, on=date(2026, 1, 15))
    assert (before.received, before.open, len(before.flagged)) == (40, 40, 40)


def test_an_inquiry_open_longer_than_the_set_days_is_flagged(
    sqlite_app: FamilyCoordination,
) -> None:
    late = receive(sqlite_app, date(2026, 3, 1))
    receive(sqlite_app, date(2026, 3, 20))  # within 30 days on 1 April
    done = receive(sqlite_app, date(2026, 1, 5))
    sqlite_app.close_inquiry(done, outcome=InquiryOutcome.ADVICE_GIVEN,
                             occurred_on=date(2026, 3, 1), actor=ADVISER)  # fmt: skip
    on_day = sqlite_app.inquiries(actor=ADVISER, on=date(2026, 3, 31))
    assert on_day.year == 2026
    assert on_day.flagged == ()  # 30 days: not yet
    report = sqlite_app.inquiries(actor=ADVISER, on=date(2026, 4, 1))
    assert [f.inquiry_id for f in report.flagged] == [late]
    assert report.flagged[0].days_open == 31
    assert not report.all_handled
    shorter = sqlite_app.inquiries(actor=ADVISER, on=date(2026, 4, 1),
                                   overdue_after_days=10)  # fmt: skip
    assert len(shorter.flagged) == 2
    with pytest.raises(InvalidInputError, match="whole number"):
        sqlite_app.inquiries(actor=ADVISER, overdue_after_days=0)


# ------------------------------------------------------- who sees an inquiry


def test_another_municipality_is_answered_as_for_an_unknown_id(
    sqlite_app: FamilyCoordination,
) -> None:
    inquiry = receive(sqlite_app)
    unknown = str(UUID(int=7))
    attempts: list[Callable[[], object]] = [
        lambda: sqlite_app.get_inquiry(inquiry, actor=ELSEWHERE),
        lambda: sqlite_app.record_inquiry_work(
            inquiry, kind=InquiryWork.ADVICE, occurred_on=CAME, actor=ELSEWHERE),
        lambda: sqlite_app.close_inquiry(
            inquiry, outcome=InquiryOutcome.ADVICE_GIVEN, occurred_on=CAME,
            actor=ELSEWHERE),
        lambda: sqlite_app.get_inquiry(UUID(unknown), actor=ADVISER),
    ]  # fmt: skip
    messages = []
    for attempt in attempts:
        with pytest.raises(NotFoundError) as refused:
            attempt()
        messages.append(str(refused.value).replace(str(inquiry), unknown))
    assert len(set(messages)) == 1  # word for word the same
    with pytest.raises(AccessDeniedError, match="municipality 3301"):
        receive(sqlite_app, actor=ELSEWHERE)
    theirs = sqlite_app.inquiries(actor=ELSEWHERE, year=2026, on=date(2026, 12, 1))
    assert theirs.received == 0
    # A family of another municipality cannot be linked either.
    sqlite_app.identify_inquiry(inquiry, given_by=NAME, form=ConsentForm.WRITTEN,
                                occurred_on=CAME, actor=ADVISER)  # fmt: skip
    with pytest.raises(NotFoundError):
        sqlite_app.link_inquiry(inquiry, family_id=enrol(sqlite_app, "4204"),
                                occurred_on=CAME, actor=ADVISER)  # fmt: skip


def test_roles_record_read_and_count_as_for_families(
    sqlite_app: FamilyCoordination,
) -> None:
    inquiry = receive(sqlite_app, actor=LEAD)
    researcher = Actor("f-forsk", Role.RESEARCHER, DRAMMEN)
    member = Actor("m-1", Role.FAMILY_MEMBER, DRAMMEN)
    with pytest.raises(AccessDeniedError):
        receive(sqlite_app, actor=researcher)
    with pytest.raises(AccessDeniedError):
        sqlite_app.get_inquiry(inquiry, actor=researcher)
    with pytest.raises(AccessDeniedError):
        sqlite_app.inquiries(actor=member)
    assert sqlite_app.inquiries(actor=researcher, year=2026).received == 1
    assert sqlite_app.inquiries(actor=AUDITOR, year=2026).received == 1
    sqlite_app.get_inquiry(inquiry, actor=ADVISER)
    logged = sqlite_app._reader.access_log.entries(inquiry)
    assert [(e.user_id, e.what) for e in logged] == [("a-rad", "record")]


def test_a_family_and_an_inquiry_are_not_read_by_each_other_s_id(
    sqlite_app: FamilyCoordination,
) -> None:
    inquiry = receive(sqlite_app)
    family = enrol(sqlite_app)
    family_reads: list[Callable[[], object]] = [
        lambda: sqlite_app.get_family(inquiry, actor=LEAD),
        lambda: sqlite_app.family_history(inquiry, actor=LEAD),
        lambda: sqlite_app.timeline(inquiry, actor=LEAD),
        lambda: sqlite_app.audit(inquiry, on=CAME, actor=AUDITOR),
        lambda: sqlite_app.end_follow_up(inquiry, reason="completed", occurred_on=CAME,
                                         actor=LEAD),  # type: ignore[arg-type]
        lambda: sqlite_app.get_inquiry(family, actor=LEAD),
        lambda: sqlite_app.close_inquiry(family, outcome=InquiryOutcome.REFERRED,
                                         occurred_on=CAME, actor=LEAD),
    ]  # fmt: skip
    for read in family_reads:
        with pytest.raises((NotFoundError, InvalidInputError)):
            read()
    enrolment: dict[str, Any] = {
        "family_id": inquiry, "municipality": DRAMMEN, "label": "Berg",
        "programme": Programme.nye_monstre(), "referral": ReferralSource.NAV,
        "eligibility": Eligibility(240_000, 380_000, 4), "occurred_on": CAME,
        "actor": LEAD,
    }  # fmt: skip
    with pytest.raises(DuplicateIdError):
        sqlite_app.enrol_family(**enrolment)
    with pytest.raises(DuplicateIdError):
        receive(sqlite_app, inquiry_id=family)
    assert sqlite_app.family_ids(actor=LEAD) == [family]
    assert [s.family_id for s in sqlite_app.list_families(actor=LEAD)] == [family]


# ----------------------------------------------------------------- catalogues


class _Asked:
    """A gettext that notes every message asked for and answers it unchanged."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def gettext(self, message: str) -> str:
        self.messages.append(message)
        return message


def test_every_word_of_the_report_is_in_every_catalogue(
    sqlite_app: FamilyCoordination, monkeypatch: pytest.MonkeyPatch
) -> None:
    from babel.messages.pofile import read_po

    for n, source in enumerate(InquirySource):
        receive(sqlite_app, date(2026, 1, 1) + timedelta(n), source=source,
                topics=list(Topic))  # fmt: skip
    report = sqlite_app.inquiries(actor=ADVISER, year=2026, on=date(2026, 12, 1))
    asked = _Asked()
    monkeypatch.setattr(rendering, "translations", lambda _: asked)
    rendering.render_inquiry_report(report)
    assert len(set(asked.messages)) > 30
    for language in LANGUAGES:
        po = LOCALES / language.value / "LC_MESSAGES" / "familiekoordinering.po"
        with po.open("rb") as f:
            catalogue = read_po(f)
        missing = [
            m for m in set(asked.messages)
            if m not in catalogue
            or (language is not Language.EN and not catalogue[m].string)
        ]  # fmt: skip
        assert not missing, (language.value, missing)


# ------------------------------------------------------------ the command line


def _a_store(open_app: Callable[..., FamilyCoordination], *, flagged: bool) -> None:
    app = open_app()
    for n in range(3):
        inquiry = receive(app, date(2026, 2, 1) + timedelta(n))
        if n or not flagged:
            app.close_inquiry(inquiry, outcome=InquiryOutcome.ADVICE_GIVEN,
                              occurred_on=date(2026, 2, 5), actor=ADVISER)  # fmt: skip
    app.close()


def _cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    status = main(["--store", str(tmp_path / "store.db"),
                   "--actor", "a-rad:coordinator:3301", "inquiries", *args])  # fmt: skip
    out, err = capsys.readouterr()
    return status, out, err


def test_the_command_line_prints_the_year_and_exits_0_when_nothing_is_flagged(
    open_app: Callable[..., FamilyCoordination],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _a_store(open_app, flagged=False)
    status, out, err = _cli(tmp_path, capsys, "--year", "2026", "--on", "2026-12-01")
    assert status == 0, err
    assert "Henvendelser til kompetanseteamet i kommune 3301, 2026" in out
    assert "Mottatt: 3 (i 2025: 0; endring: +3)" in out
    assert "råd gitt" in out
    assert "Alle henvendelser har fått et utfall eller er innenfor 30 dager." in out
    status, out, _ = _cli(tmp_path, capsys, "--year", "2026", "--on", "2026-12-01",
                          "--lang", "nn")  # fmt: skip
    assert status == 0
    assert "Førespurnader til kompetanseteamet" in out
    status, out, _ = _cli(tmp_path, capsys, "--year", "2026", "--on", "2026-12-01",
                          "--format", "json")  # fmt: skip
    assert status == 0
    data = json.loads(out)
    assert data["received"] == 3
    assert data["by_outcome"]["advice_given"] == 3
    assert data["flagged"] == []


def test_the_command_line_exits_4_when_inquiries_are_flagged(
    open_app: Callable[..., FamilyCoordination],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _a_store(open_app, flagged=True)
    status, out, err = _cli(tmp_path, capsys, "--year", "2026", "--on", "2026-12-01",
                            "--lang", "en", "--overdue-days", "45")  # fmt: skip
    assert status == EXIT_FLAGGED == 4
    assert "Flagged (no outcome after more than 45 days): 1" in out
    assert "received 2026-02-01, open for 303 days" in out
    assert "1 inquiry(ies) of 2026 without an outcome" in err
    status, out, _ = _cli(tmp_path, capsys, "--year", "2026", "--on", "2026-12-01",
                          "--format", "json")  # fmt: skip
    assert status == EXIT_FLAGGED
    assert json.loads(out)["flagged"][0]["days_open"] == 303
    # Within the set time on 1 March: nothing flagged.
    assert _cli(tmp_path, capsys, "--on", "2026-03-01")[0] == 0
    # Refused (1) or a usage error (2), as every command.
    status, _, err = _cli(tmp_path, capsys, "--overdue-days", "0")
    assert status == 2
    assert "number of days" in err
    status = main(["--store", str(tmp_path / "store.db"),
                   "--actor", "m-1:family_member:3301", "inquiries"])  # fmt: skip
    assert status == 1
    assert "may not read statistics" in capsys.readouterr().err


def test_the_command_line_runs_as_a_process(
    open_app: Callable[..., FamilyCoordination], tmp_path: Path
) -> None:
    _a_store(open_app, flagged=True)
    done = subprocess.run(
        [sys.executable, "-m", "familiekoordinering", "--store", "store.db",
         "inquiries", "--year", "2026", "--on", "2026-12-01", "--lang", "da"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "FAMILIEKOORDINERING_ACTOR": "a-rad:coordinator:3301"},
    )  # fmt: skip
    assert done.returncode == EXIT_FLAGGED, done.stderr
    assert "Henvendelser til kompetenceteamet i kommune 3301, 2026" in done.stdout
    assert "Markeret (uden udfald efter mere end 30 dage): 1" in done.stdout
