"""One declaration per family event type, and where each of its interpretations is.

A family event is read in six places: the aggregate applies it, the
:class:`~familiekoordinering.domain.record.FamilyRecord` folds it, the views
turn its stored form into row operations, the timeline tells it in every
language, the audit rebuilds what the consent rules need from it, and the
access policy takes its facts (municipality, coordinator, members) from it.
:data:`EVENT_TYPES` declares every event type once: its class, and which
interpretations (:class:`Interpretation`) it is *not concerned* by (the access facts
concern only four events, the audit eight). Every other interpretation must
handle it.

Each interpreter keeps its handlers beside its own logic, in one table keyed
by event class, and hands the table to :func:`interpreted` when its module is
imported; it then finds a handler with one dictionary lookup per event (the
views key theirs by the classes' ``TOPIC``, derived from the same table).
:func:`interpretations` joins the declaration and the tables: for one event
type, each interpretation's handler, or :data:`NOT_CONCERNED`.

Why the handlers stay with their interpreters rather than in this module:
each handler knows its interpreter's state (the record's goals, the views'
row operations, the timeline's words), and this module would otherwise import
the whole library (the application included), which imports it in turn. The
declaration says *what* must exist; the tables say *how*; the exhaustiveness
test (``tests/test_event_registry.py``) finds every event class of
:class:`~familiekoordinering.domain.family.Family` by introspection and fails
when one is not declared, when any interpretation neither handles it nor is
declared not concerned, when a timeline sentence is missing from a shipped
catalogue, or when it has no golden payload, example or strategy. A table
naming an event that is not declared, or declared not concerned, is refused
when its module is imported.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Iterable, Mapping
from typing import TypeVar

import attrs

from familiekoordinering.domain.family import Family

__all__ = [
    "EVENT_TYPES",
    "NOT_CONCERNED",
    "EventType",
    "Interpretation",
    "NotConcerned",
    "declared",
    "interpretations",
    "interpreted",
    "table",
]


class Interpretation(enum.Enum):
    """A place where family events are interpreted; its value is the module that does."""

    APPLY = "familiekoordinering.domain.family"
    """The aggregate: each event class's own ``apply``."""
    RECORD = "familiekoordinering.domain.record"
    """The family's whole record (:meth:`FamilyRecord.fold`)."""
    VIEWS = "familiekoordinering.views.fold"
    """The read models' row operations, from the stored form."""
    TIMELINE = "familiekoordinering.timeline.entries"
    """The timeline's sentence, in every language."""
    AUDIT = "familiekoordinering.audit"
    """What the audit rebuilds to judge outward actions."""
    ACCESS = "familiekoordinering.services.reading"
    """The access policy's facts, read from the events without replaying them."""


class NotConcerned(enum.Enum):
    """The type of :data:`NOT_CONCERNED`."""

    NOT_CONCERNED = "not concerned"


NOT_CONCERNED = NotConcerned.NOT_CONCERNED
"""What :func:`interpretations` gives for an interpretation an event does not concern."""


@attrs.frozen
class EventType:
    """One family event type: its class, and the interpretations it does not concern."""

    cls: type[Family.Event]
    """The event class (one of :attr:`Family.EVENT_CLASSES`)."""
    not_concerned: frozenset[Interpretation] = frozenset()
    """The interpretations that explicitly ignore it; every other must handle it."""

    @property
    def concerns(self) -> frozenset[Interpretation]:
        """The interpretations that must handle it."""
        return frozenset(Interpretation) - self.not_concerned


def _declare(cls: type[Family.Event], *not_concerned: Interpretation) -> EventType:
    return EventType(cls, frozenset(not_concerned))


_AUDIT, _ACCESS = Interpretation.AUDIT, Interpretation.ACCESS

EVENT_TYPES: tuple[EventType, ...] = (
    _declare(Family.Enrolled),
    _declare(Family.MemberAdded),
    _declare(Family.MemberLeft, _AUDIT),
    _declare(Family.CoordinatorAssigned, _AUDIT),
    _declare(
        Family.CaseloadExceeded,
        _AUDIT,
        _ACCESS,
    ),
    _declare(Family.ConsentGranted, _ACCESS),
    _declare(Family.ConsentRefused, _ACCESS),
    _declare(Family.ConsentWithdrawn, _ACCESS),
    _declare(Family.GoalSet, _AUDIT, _ACCESS),
    _declare(Family.GoalProgressRecorded, _AUDIT, _ACCESS),
    _declare(Family.GoalAchieved, _AUDIT, _ACCESS),
    _declare(Family.GoalDropped, _AUDIT, _ACCESS),
    _declare(Family.StepAgreed, _AUDIT, _ACCESS),
    _declare(Family.StepCompleted, _AUDIT, _ACCESS),
    _declare(Family.SectorPlanLinked, _AUDIT, _ACCESS),
    _declare(Family.MeetingHeld, _AUDIT, _ACCESS),
    _declare(Family.AgencyContacted, _ACCESS),
    _declare(Family.ActedUnderLegalDuty, _ACCESS),
    _declare(Family.FamilyInformed, _ACCESS),
    _declare(Family.SurveyCompleted, _AUDIT, _ACCESS),
    _declare(Family.TeamMemberJoined, _ACCESS),
    _declare(Family.InvestmentMeetingHeld, _ACCESS),
    _declare(Family.InvestmentCommitted, _AUDIT, _ACCESS),
    _declare(Family.GainRecorded, _AUDIT, _ACCESS),
    _declare(Family.FollowUpExtended, _ACCESS),
    _declare(Family.FollowUpEnded, _ACCESS),
    _declare(Family.ResearchConsentGiven, _AUDIT, _ACCESS),
    _declare(Family.ResearchConsentWithdrawn, _AUDIT, _ACCESS),
)
"""Every family event type, declared once."""

_DECLARED: dict[type[Family.Event], EventType] = {t.cls: t for t in EVENT_TYPES}

H = TypeVar("H")

_TABLES: dict[Interpretation, Mapping[type[Family.Event], object]] = {}


def declared(cls: type[Family.Event]) -> EventType | None:
    """The declaration of event class ``cls``, or None if it has none."""
    return _DECLARED.get(cls)


def interpreted(
    interpretation: Interpretation, handlers: dict[type[Family.Event], H]
) -> dict[type[Family.Event], H]:
    """Register ``handlers`` (by event class) as ``interpretation``'s; return them.

    Refused with :class:`TypeError` when a handler is for an event class that
    is not declared, or declared not concerned by ``interpretation``. Which
    declared events lack a handler the exhaustiveness test reports.
    """
    for cls in handlers:
        event_type = _DECLARED.get(cls)
        if event_type is None or interpretation in event_type.not_concerned:
            raise TypeError(
                f"{interpretation.name.lower()} handles {cls.__qualname__}, which "
                "familiekoordinering.domain.events does not declare as its concern"
            )
    _TABLES[interpretation] = handlers
    return handlers


def table(interpretation: Interpretation) -> Mapping[type[Family.Event], object]:
    """``interpretation``'s handlers by event class (its module imported if need be)."""
    if interpretation not in _TABLES:
        importlib.import_module(interpretation.value)
    return _TABLES[interpretation]


def interpretations(
    cls: type[Family.Event],
) -> dict[Interpretation, object | NotConcerned]:
    """Each interpretation's handler of event class ``cls``, or :data:`NOT_CONCERNED`.

    An interpretation that is missing from the result neither handles ``cls``
    nor is declared not concerned by it (the exhaustiveness test fails then).
    """
    event_type = _DECLARED.get(cls)
    found: dict[Interpretation, object | NotConcerned] = {}
    for interpretation in Interpretation:
        if event_type is not None and interpretation in event_type.not_concerned:
            found[interpretation] = NOT_CONCERNED
        elif cls in (handlers := table(interpretation)):
            found[interpretation] = handlers[cls]
    return found


def _applies(classes: Iterable[type[Family.Event]]) -> dict[type[Family.Event], object]:
    """The aggregate's handlers: the ``apply`` each event class defines in its own body."""
    return {cls: vars(cls)["apply"] for cls in classes if "apply" in vars(cls)}


interpreted(Interpretation.APPLY, _applies(Family.EVENT_CLASSES))
