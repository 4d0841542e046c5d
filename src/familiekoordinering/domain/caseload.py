"""A coordinator's caseload as a consistency boundary: assignments counted one at a time.

Where a programme sets a caseload (Brøndby: 25 families), an assignment is
refused when the coordinator already follows that many families
(:func:`~familiekoordinering.domain.rules.check_caseload`). The count is read
from the views, so two assignments of the same coordinator made at the same
moment in two processes could each count 24 and both pass. To rule that
out, every such assignment also records, in the same save as the family's
event, that the coordinator took on a family, on the coordinator's
:class:`Caseload`: an aggregate of its own, one per coordinator and
municipality, with a stable id (:func:`caseload_id`). Two racing
assignments both write its next version; the store keeps one, the other
fails as a whole (eventsourcing's optimistic concurrency) and runs again,
counting anew with the first one's family included.

It holds no personal data: a coordinator's user id, a municipality number,
family ids and counts.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from familiekoordinering.domain.values import Actor, FamilyId, Municipality

__all__ = ["CASELOAD_TOPIC", "Caseload", "caseload_id"]

CASELOAD_TOPIC: Final = "familiekoordinering:Caseload"
"""The prefix of every stored topic of a :class:`Caseload` (permanent)."""

_NAMESPACE: Final = UUID("6f1d3c1e-2b7a-5d0e-9c4f-1a2b3c4d5e6f")


def caseload_id(municipality: str, coordinator_id: str) -> UUID:
    """The id of the coordinator's caseload in the municipality (the same in every process)."""
    return uuid5(_NAMESPACE, f"{municipality}/{coordinator_id}")


class Caseload(Aggregate):
    """A coordinator's caseload in one municipality: each family taken on, with the count."""

    TOPIC = CASELOAD_TOPIC
    """The aggregate's permanent stored topic."""

    municipality: Municipality
    coordinator_id: str
    taken_on: int
    """How many families were taken on under the caseload rule (not a current count)."""

    def __init__(self) -> None:
        self.taken_on = 0

    class Event(Aggregate.Event):
        """Base of the caseload's events: the assignment's day and who made it."""

        TOPIC = f"{CASELOAD_TOPIC}.Event"
        occurred_on: date
        actor: Actor

    class Started(Event, Aggregate.Created):
        """The coordinator's first assignment under a caseload rule."""

        TOPIC = f"{CASELOAD_TOPIC}.Started"
        municipality: Municipality
        coordinator_id: str

        def apply(self, aggregate: Any) -> None:
            """Start the count."""
            caseload: Caseload = aggregate
            caseload.municipality = self.municipality
            caseload.coordinator_id = self.coordinator_id
            caseload.taken_on = 0

    Created = Started

    class FamilyTakenOn(Event):
        """The coordinator took on ``family_id``, following ``others`` families then."""

        TOPIC = f"{CASELOAD_TOPIC}.FamilyTakenOn"
        family_id: FamilyId
        others: int

        def apply(self, aggregate: Any) -> None:
            """Count it."""
            caseload: Caseload = aggregate
            caseload.taken_on += 1

    @classmethod
    def start(cls, municipality: str, coordinator_id: str, *, occurred_on: date,
              actor: Actor, recorded_at: datetime) -> Caseload:  # fmt: skip
        """The coordinator's caseload in the municipality, before its first family."""
        return cls._create(
            cls.Started,
            id=caseload_id(municipality, coordinator_id),
            timestamp=recorded_at,
            occurred_on=occurred_on,
            actor=actor,
            municipality=Municipality(municipality),
            coordinator_id=coordinator_id,
        )

    def take_on(self, family_id: FamilyId, others: int, *, occurred_on: date,
                actor: Actor, recorded_at: datetime) -> None:  # fmt: skip
        """Record that the coordinator took on ``family_id``, following ``others``."""
        self.trigger_event(
            self.FamilyTakenOn, timestamp=recorded_at, occurred_on=occurred_on,
            actor=actor, family_id=family_id, others=others,
        )  # fmt: skip
