"""Attacks on the store's protection that an adversarial review found, kept as tests.

Each opens real SQLite files as two processes of one deployment would (two
applications on one file: separate connections and caches), or edits the file
beneath the library.
"""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest

from familiekoordinering import (
    ERASED_TEXT,
    Agency,
    AgencyKind,
    Eligibility,
    FamilyCoordination,
    MasterKeyRequiredError,
    MemberKind,
    Programme,
    ReferralSource,
)
from familiekoordinering.domain.actions import Channel, FamilyKnows
from familiekoordinering.domain.values import Topic
from familiekoordinering.integrity import LEDGER_ID
from tests.conftest import AUDITOR, LEAD, FixedClock

pytestmark = pytest.mark.application

KEY = bytes(range(32))
LABEL, NAME, UNIT, BASIS = "Zyxlabel", "Qwertyname Olsen", "Vkunit Sør", "Frotext § 9"


def _family(app: FamilyCoordination) -> UUID:
    family_id = app.enrol_family(
        municipality="4204", label=LABEL, programme=Programme.nye_monstre(),
        referral=ReferralSource.NAV, eligibility=Eligibility(300_000, 400_000, 3),
        occurred_on=date(2026, 1, 2), actor=LEAD,
    )  # fmt: skip
    member = app.add_member(
        family_id, name=NAME, birth_date=date(1987, 3, 17), kind=MemberKind.ADULT,
        occurred_on=date(2026, 1, 3), actor=LEAD,
    )  # fmt: skip
    app.act_under_legal_duty(
        family_id, agency=Agency(AgencyKind.CHILD_WELFARE, UNIT),
        topics=[Topic.PARENTING], member_ids=[member], purpose="Frotext duty",
        channel=Channel.LETTER, legal_basis=BASIS, family_knows=FamilyKnows.present(),
        occurred_on=date(2026, 1, 4), actor=LEAD,
    )  # fmt: skip
    return family_id


def test_another_process_audit_and_event_reads_show_an_erased_family_as_erased(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.db"
    a = FamilyCoordination(path, master_key=KEY, clock=FixedClock())
    family_id = _family(a)
    b = FamilyCoordination(path, master_key=KEY, clock=FixedClock())
    assert b.get_family(family_id, actor=LEAD).label == LABEL  # b has it cached
    assert UNIT in str(b.audit(family_id, on=date(2026, 2, 1), actor=AUDITOR))
    a.erase(family_id, actor=LEAD)
    report = str(b.audit(family_id, on=date(2026, 2, 1), actor=AUDITOR))
    for text in (LABEL, NAME, UNIT, BASIS, "Frotext"):
        assert text not in report
    assert ERASED_TEXT in report
    # eventsourcing's own event store, read around the library's checks: the
    # key cache lasts half a second at most.
    time.sleep(b._engine.keyring.cache_seconds + 0.1)  # type: ignore[union-attr]
    events = json.dumps([vars(e) for e in b._engine.events.get(family_id)], default=str)
    assert LABEL not in events
    assert NAME not in events
    a.close()
    b.close()


def test_a_process_without_a_key_stops_writing_once_encryption_is_turned_on(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.db"
    b = FamilyCoordination(path, encryption=False, clock=FixedClock())
    _family(b)  # clear, and declared so: the audit notes it
    a = FamilyCoordination(path, master_key=KEY, clock=FixedClock())  # turns it on
    position = a.position()
    time.sleep(b._engine.LEDGER_LOOK_SECONDS)  # b looks at the ledger this often
    with pytest.raises(MasterKeyRequiredError, match="turned encryption on"):
        _family(b)
    assert a.position() == position
    sealed = _family(a)
    assert a.get_family(sealed, actor=LEAD).label == LABEL
    a.close()
    b.close()
    with pytest.raises(MasterKeyRequiredError):
        FamilyCoordination(path)


def test_settings_cannot_open_an_encrypted_file_as_if_it_were_in_memory(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.db"
    FamilyCoordination(path, master_key=KEY, clock=FixedClock()).close()
    settings = {
        "PERSISTENCE_MODULE": "familiekoordinering_sqlite",
        "SQLITE_DBNAME": str(path),
    }
    with pytest.raises(MasterKeyRequiredError):
        FamilyCoordination("memory", settings=settings)
    with pytest.raises(MasterKeyRequiredError):
        FamilyCoordination("memory", settings=settings, encryption=False)


@pytest.mark.parametrize("how", ["deleted", "garbled"])
def test_a_removed_or_garbled_ledger_does_not_make_an_encrypted_store_open_in_the_clear(
    tmp_path: Path, how: str
) -> None:
    path = tmp_path / "s.db"
    app = FamilyCoordination(path, master_key=KEY, clock=FixedClock())
    _family(app)
    checkpoint = app.checkpoint(actor=AUDITOR)  # kept outside the store
    app.close()
    with sqlite3.connect(path) as db:
        if how == "deleted":
            db.execute(
                "DELETE FROM stored_events WHERE originator_id = ?", (LEDGER_ID.hex,)
            )
        else:
            db.execute(
                "UPDATE stored_events SET state = x'00' WHERE originator_id = ?",
                (LEDGER_ID.hex,),
            )
    for encryption in (None, False):
        with pytest.raises(MasterKeyRequiredError, match="master key"):
            FamilyCoordination(path, encryption=encryption)
    # With the key it opens, and the audit names what happened to the ledger
    # (a whole history deleted shows against a checkpoint).
    reopened = FamilyCoordination(path, master_key=KEY)
    report = reopened.audit(on=date(2026, 2, 1), actor=AUDITOR, checkpoint=checkpoint)
    assert report.breaks
    reopened.close()
