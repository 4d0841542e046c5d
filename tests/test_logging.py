"""The library logs what an operator needs, through stdlib logging, and no personal data.

Refused commands, lost races, the projector's progress and lag, erasures,
audits and store failures are logged under the ``familiekoordinering`` logger
hierarchy; a log line names ids, kinds, counts and user ids, never a name, a
birth date or the family's words (the session-wide check in
``tests/conftest.py`` scans every log line of the whole run as well).
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from familiekoordinering import (
    Agency,
    AgencyKind,
    Channel,
    ConsentRequiredError,
    Family,
    FamilyCoordination,
    FamilyKnows,
    Topic,
    new_master_key,
)
from tests.conftest import AUDITOR, COORDINATOR, LEAD, START, EnrolledFamily

pytestmark = pytest.mark.application

SECRETS = ("Kari Hansen", "Ola Hansen", "Emma Hansen", "Kristin Lund", "Hansen",
           "1988-04-02", "2016-02-29", "Practical help", "Ring skolen")  # fmt: skip


def _lines(caplog: pytest.LogCaptureFixture) -> list[tuple[str, int, str]]:
    return [(r.name, r.levelno, r.getMessage()) for r in caplog.records]


def test_an_operator_sees_refusals_races_progress_erasures_and_audits_without_names(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG, logger="familiekoordinering")
    store = str(tmp_path / "store.db")
    key = new_master_key()
    app = FamilyCoordination(store, master_key=key, cache_size=0)
    other = FamilyCoordination(store, master_key=key, cache_size=0)
    family = EnrolledFamily(app)
    with pytest.raises(ConsentRequiredError):  # no consent covers the school
        app.record_contact(
            family.id, agency=Agency(AgencyKind.SCHOOL, "Hansen-skolen"),
            topics=[Topic.SCHOOL], member_ids=[family.emma], purpose="Ring skolen",
            channel=Channel.PHONE, family_knows=FamilyKnows.present(),
            occurred_on=START, actor=COORDINATOR,
        )  # fmt: skip
    handle, raced = Family.handle, []

    def interfered(fam: Family, command: Any, **kwargs: Any) -> object:
        if not raced:
            raced.append(True)
            other.set_goal(family.id, area=Topic.WORK, words="Jobb", occurred_on=START,
                           actor=COORDINATOR)  # fmt: skip
        return handle(fam, command, **kwargs)

    monkeypatch.setattr(Family, "handle", interfered)
    app.set_goal(family.id, area=Topic.HOUSING, words="Bolig", occurred_on=START,
                 actor=COORDINATOR)  # fmt: skip
    monkeypatch.undo()
    app.views.catch_up()
    app.audit(on=date(2026, 6, 1), actor=AUDITOR)
    app.erase(family.id, actor=LEAD)
    lines = _lines(caplog)
    said = "\n".join(message for _, _, message in lines)
    for secret in SECRETS:
        assert secret not in said, secret
    by_logger = {(name, level) for name, level, _ in lines}
    assert ("familiekoordinering.services.commanding", logging.INFO) in by_logger
    assert ("familiekoordinering.services.commanding", logging.WARNING) in by_logger
    assert ("familiekoordinering.views.projector", logging.INFO) in by_logger
    assert ("familiekoordinering.services.auditing", logging.INFO) in by_logger
    assert ("familiekoordinering.services.erasure", logging.INFO) in by_logger
    assert f"RecordContact refused for family {family.id}: ConsentRequiredError" in said
    assert "SetGoal lost a race" in said
    assert f"family {family.id} erased by {LEAD.user_id}" in said


def test_the_library_prints_nothing_unless_the_app_configures_logging() -> None:
    library = logging.getLogger("familiekoordinering")
    assert any(isinstance(h, logging.NullHandler) for h in library.handlers)
