"""A programme's jurisdiction names its own services and plans (Denmark: the job centre)."""

from __future__ import annotations

from datetime import date

import pytest

from familiekoordinering import (
    Actor,
    Agency,
    AgencyKind,
    Eligibility,
    FamilyCoordination,
    Municipality,
    Programme,
    ReferralSource,
    Role,
    SectorPlanKind,
)
from familiekoordinering.domain.values import FamilyId
from familiekoordinering.timeline.i18n import LANGUAGES, translations
from tests.conftest import FixedClock

pytestmark = pytest.mark.application

DANISH_WORDS = (
    "nav", "kindergarten", "health station", "child welfare", "follow up service",
    "nav activity plan", "child welfare plan", "education plan",
)  # fmt: skip


def _family(
    programme: Programme, municipality: str
) -> tuple[FamilyCoordination, FamilyId, Actor]:
    lead = Actor("t-lead", Role.TEAM_LEAD, Municipality(municipality))
    app = FamilyCoordination(clock=FixedClock())
    family_id = app.enrol_family(
        municipality=municipality, label="Jensen", programme=programme,
        referral=ReferralSource.NAV, eligibility=Eligibility(210_000, 330_000, 3),
        occurred_on=date(2026, 1, 5), actor=lead,
    )  # fmt: skip
    app.link_sector_plan(
        family_id, kind=SectorPlanKind.NAV_ACTIVITY_PLAN, agency=Agency(AgencyKind.NAV),
        reference="JP-1", occurred_on=date(2026, 1, 6), actor=lead,
    )  # fmt: skip
    return app, family_id, lead


def test_a_danish_family_reads_of_the_job_centre_and_its_job_plan() -> None:
    app, family_id, lead = _family(Programme.brondby(), "153")
    entries = [
        e.what for e in app.timeline(family_id, actor=lead, language="da").entries
    ]
    assert "henvist af jobcentret" in entries[0]
    assert entries[1] == "Knyttet til jobplan hos jobcentret (JP-1)"
    assert not any("NAV" in text for text in entries)


def test_a_norwegian_family_reads_of_nav_in_every_language() -> None:
    app, family_id, lead = _family(Programme.nye_monstre(), "4204")
    for language in LANGUAGES:
        first = app.timeline(family_id, actor=lead, language=language).entries[0].what
        assert "NAV" in first, (language, first)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalogue_has_the_danish_words(language: str) -> None:
    catalogue = translations(language)
    for word in DANISH_WORDS:
        own = catalogue.pgettext("denmark", word)
        assert own != word or word == "education plan", (language, word)
        assert "NAV" not in own, (language, word, own)
