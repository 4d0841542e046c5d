"""The access-request export (GDPR art. 15, *innsyn*): everything stored about a family.

:func:`access_export` returns JSON-able data with this schema
(``familiekoordinering.access-export/1``; the JSON Schema document is shipped
with the package, see :func:`export_schema`):

* ``schema`` — the schema's name and version;
* ``family_id``, ``label``, ``municipality``, ``exported_on``, ``language``;
* ``erased_at`` — when the family's personal data was erased, or null;
* ``member`` — the member the export is for, or null for the whole family;
* ``members`` — each member (id, name, birth date, kind, left on);
* ``events`` — every stored event exactly as stored: ``version``, ``type``,
  ``topic``, ``recorded_at`` and ``payload`` (the stored JSON);
* ``timeline`` — the same events as readable entries (see
  :class:`~familiekoordinering.timeline.TimelineEntry`);
* ``access_log`` — every read of the family's data: when, by whom (user,
  role, municipality), why and what;
* ``fingerprint`` — the head of the family's stored history when exported:
  ``fingerprint`` (``VERSION-HEX``, for ``familiekoordinering audit FAMILY_ID
  --fingerprint``), the event ``version`` it is of and the day that event was
  ``recorded_on`` (absent from exports made before version 0.10).

For one member, ``events`` and ``timeline`` hold the family-wide events
(enrolment, coordinators, the end of follow-up) and every event that names the
member, and ``members`` only that member.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from importlib import resources
from typing import Any

from familiekoordinering.access.log import AccessEntry
from familiekoordinering.domain.family import Family
from familiekoordinering.domain.record import FamilyRecord
from familiekoordinering.domain.values import MemberId
from familiekoordinering.errors import NotFoundError
from familiekoordinering.integrity.checkpoint import Fingerprint
from familiekoordinering.timeline.entries import build_timeline
from familiekoordinering.timeline.i18n import DEFAULT_LANGUAGE, Language

__all__ = ["SCHEMA", "StoredPayload", "access_export", "export_schema"]

SCHEMA = "familiekoordinering.access-export/1"
"""The name and version of the export's schema."""

StoredPayload = tuple[int, str, dict[str, Any]]
"""One stored event: its version, its topic and its stored JSON payload."""


def export_schema() -> dict[str, Any]:
    """The export's JSON Schema (draft 2020-12), as shipped with the package.

    Validate an export with any JSON Schema validator, e.g.
    ``jsonschema.validate(export, export_schema())``.
    """
    text = (
        resources.files(__package__ or "familiekoordinering.timeline")
        .joinpath("access-export.schema.json")
        .read_text(encoding="utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


_FAMILY_WIDE = (
    Family.Enrolled,
    Family.CoordinatorAssigned,
    Family.FollowUpEnded,
)


def _names_member(payload: Any, member: str) -> bool:
    if isinstance(payload, dict):
        return any(_names_member(v, member) for v in payload.values())
    if isinstance(payload, list):
        return any(_names_member(v, member) for v in payload)
    return bool(payload == member)


def access_export(
    events: Sequence[Family.Event],
    stored: Sequence[StoredPayload],
    *,
    on: date,
    member_id: MemberId | None = None,
    language: Language | str = DEFAULT_LANGUAGE,
    erased_at: datetime | None = None,
    access_log: Sequence[AccessEntry] = (),
    fingerprint: tuple[Fingerprint, date] | None = None,
) -> dict[str, Any]:
    """Everything stored about the family (or one member) as JSON-able data.

    ``events`` are the family's events and ``stored`` the same events as stored
    (version, topic, payload), in the same order; ``erased_at`` is when the
    family's personal data was erased, if it was; ``access_log`` lists the
    reads of the family's data.
    """
    timeline = build_timeline(events, language=language, erased_at=erased_at)
    family = FamilyRecord.of(events)
    if family is None:
        raise NotFoundError("an export needs the family's events")
    member = str(member_id) if member_id is not None else None
    if member_id is not None and member_id not in family.members:
        raise NotFoundError(
            f"member {member_id} is not a member of family {family.id}: give one of "
            + ", ".join(str(m) for m in family.members)
        )
    keep = [
        member is None
        or isinstance(event, _FAMILY_WIDE)
        or _names_member(payload, member)
        for event, (_, _, payload) in zip(events, stored, strict=True)
    ]
    members = [
        {
            "member_id": str(m.member_id),
            "name": m.name,
            "birth_date": m.birth_date.isoformat(),
            "kind": m.kind.value,
            "left_on": (
                family.departed[m.member_id].isoformat()
                if m.member_id in family.departed
                else None
            ),
        }
        for m in family.members.values()
        if member is None or str(m.member_id) == member
    ]
    out: dict[str, Any] = {
        "schema": SCHEMA,
        "family_id": str(family.id),
        "label": family.label,
        "municipality": family.municipality,
        "exported_on": on.isoformat(),
        "language": timeline.language.value,
        "erased_at": erased_at.isoformat() if erased_at else None,
        "member": member,
        "members": members,
        "events": [
            {
                "version": version,
                "type": type(event).__name__,
                "topic": topic,
                "recorded_at": event.recorded_at.isoformat(),
                "payload": payload,
            }
            for (version, topic, payload), event, kept in zip(
                stored, events, keep, strict=True
            )
            if kept
        ],
        "timeline": [
            entry.to_json()
            for entry, kept in zip(timeline.entries, keep, strict=True)
            if kept
        ],
        "access_log": [
            {
                "at": a.at.isoformat(),
                "user_id": a.user_id,
                "role": a.role.value,
                "municipality": a.municipality,
                "purpose": a.purpose.value,
                "what": a.what,
            }
            for a in access_log
        ],
    }
    if fingerprint is not None:
        shown, recorded_on = fingerprint
        out["fingerprint"] = {
            "fingerprint": str(shown),
            "version": shown.version,
            "recorded_on": recorded_on.isoformat(),
        }
    return out
