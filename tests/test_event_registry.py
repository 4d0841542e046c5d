"""Every family event type is declared once and interpreted everywhere it must be.

The event classes are found by introspecting the ``Family`` class body, not
from any list kept by hand, so a new event class fails here until it is
declared in :mod:`familiekoordinering.domain.events`, every interpretation
handles it (or is declared not concerned by it), its timeline sentence is in
every shipped catalogue, and it has golden payloads, an example and a strategy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from eventsourcing.utils import get_topic
from hypothesis import HealthCheck, Phase, given, settings

from familiekoordinering.domain import events
from familiekoordinering.domain.events import (
    EVENT_TYPES,
    NOT_CONCERNED,
    Interpretation,
    interpretations,
    interpreted,
)
from familiekoordinering.domain.family import Family
from familiekoordinering.domain.record import FamilyRecord
from familiekoordinering.testing.examples import EXAMPLES, golden_path
from familiekoordinering.timeline import entries
from familiekoordinering.timeline.i18n import LANGUAGES, LOCALES, Language
from tests.strategies import events_of

pytestmark = pytest.mark.domain

GOLDEN = Path(__file__).parent / "golden"
SOURCE_LANGUAGE = Language.EN
"""The message ids are English: the English catalogue may leave them as they are."""


def family_event_classes() -> set[type[Family.Event]]:
    """Every event class defined in the ``Family`` class body (aliases once)."""
    return {
        value
        for value in vars(Family).values()
        if isinstance(value, type)
        and issubclass(value, Family.Event)
        and value is not Family.Event
    }


FOUND = sorted(family_event_classes(), key=lambda cls: cls.__name__)
BY_NAME = pytest.mark.parametrize("cls", FOUND, ids=lambda cls: cls.__name__)


def test_the_family_has_its_event_classes() -> None:
    assert len(FOUND) >= 22  # the introspection finds the classes at all


def test_the_event_classes_are_the_ones_found_in_the_class_body() -> None:
    assert set(Family.EVENT_CLASSES) == set(FOUND)
    assert len(Family.EVENT_CLASSES) == len(FOUND)


def test_every_event_class_is_declared_exactly_once() -> None:
    declared = [t.cls for t in EVENT_TYPES]
    assert len(declared) == len(set(declared)), "an event type is declared twice"
    undeclared = sorted(c.__name__ for c in FOUND if c not in declared)
    assert not undeclared, f"declare in domain/events.py: {undeclared}"
    assert set(declared) == set(FOUND)


@BY_NAME
def test_every_interpretation_handles_it_or_is_declared_not_concerned(
    cls: type[Family.Event],
) -> None:
    found = interpretations(cls)
    missing = [i.name for i in Interpretation if i not in found]
    assert not missing, f"{cls.__name__} is not interpreted by {missing}"
    for interpretation, handler in found.items():
        assert handler is NOT_CONCERNED or callable(handler), interpretation


@BY_NAME
def test_the_aggregate_applies_it_with_its_own_method(cls: type[Family.Event]) -> None:
    assert interpretations(cls)[Interpretation.APPLY] is vars(cls)["apply"]


def test_the_not_concerned_markers_are_the_ones_the_issue_names() -> None:
    access = {t.cls for t in EVENT_TYPES if Interpretation.ACCESS in t.concerns}
    assert access == {
        Family.Enrolled,
        Family.CoordinatorAssigned,
        Family.MemberAdded,
        Family.MemberLeft,
    }
    always = {
        Interpretation.APPLY,
        Interpretation.RECORD,
        Interpretation.VIEWS,
        Interpretation.TIMELINE,
    }
    assert all(always <= t.concerns for t in EVENT_TYPES)


def test_a_table_for_an_event_its_declaration_leaves_out_is_refused() -> None:
    with pytest.raises(TypeError, match="GoalSet"):
        interpreted(Interpretation.ACCESS, {Family.GoalSet: print})
    assert Family.GoalSet not in events.table(Interpretation.ACCESS)


# ------------------------------------------------------------------- timeline


def _catalogues() -> dict[str, Catalog]:
    found = {}
    for po in sorted(LOCALES.glob("*/LC_MESSAGES/familiekoordinering.po")):
        with po.open("rb") as f:
            found[po.parent.parent.name] = read_po(f)
    return found


CATALOGUES = _catalogues()


def test_every_language_ships_a_catalogue() -> None:
    assert sorted(CATALOGUES) == sorted(lang.value for lang in LANGUAGES)


def _example_record() -> FamilyRecord:
    history = sorted(EXAMPLES.values(), key=lambda e: e.originator_version)
    record = FamilyRecord.of(history)
    assert record is not None
    return record


class _Asked:
    """A gettext that notes every message asked for and answers it unchanged."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def __call__(self, message: str) -> str:
        self.messages.append(message)
        return message


@BY_NAME
def test_its_timeline_sentence_is_in_every_shipped_catalogue(
    cls: type[Family.Event],
) -> None:
    sentence: Any = events.table(Interpretation.TIMELINE)[cls]
    words = entries._Words(SOURCE_LANGUAGE, _example_record())
    asked = _Asked()
    words.gettext = asked
    text = sentence(EXAMPLES[cls.__name__], words)
    assert text
    assert text != cls.__name__
    assert asked.messages, f"{cls.__name__}'s sentence is not translated"
    for language, catalogue in CATALOGUES.items():
        missing = [
            m
            for m in asked.messages
            if m not in catalogue
            or (language != SOURCE_LANGUAGE and not catalogue[m].string)
        ]
        assert not missing, (
            f"{cls.__name__}: not in the {language} catalogue: {missing}"
        )


# ------------------------------------------------ golden payloads, examples, strategies


@BY_NAME
def test_it_has_an_example(cls: type[Family.Event]) -> None:
    assert type(EXAMPLES.get(cls.__name__)) is cls


@BY_NAME
def test_it_has_golden_payloads(cls: type[Family.Event]) -> None:
    plain = golden_path(GOLDEN, cls.__name__)
    sealed = GOLDEN / "sealed" / f"{cls.__name__}.json"
    chained = GOLDEN / "chained" / f"{cls.__name__}.json"
    absent = [
        str(p.relative_to(GOLDEN)) for p in (plain, sealed, chained) if not p.exists()
    ]
    assert not absent, f"{cls.__name__} has no golden payload {absent}"
    assert f'"topic": "{get_topic(cls)}"' in plain.read_text()


@BY_NAME
def test_it_has_a_strategy(cls: type[Family.Event]) -> None:
    drawn: list[Family.Event] = []

    # ``any_event`` is built from Family.EVENT_CLASSES: the classes found above.
    @settings(
        max_examples=2,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(events_of(cls))
    def draw(event: Family.Event) -> None:
        drawn.append(event)

    draw()
    assert drawn
    assert all(type(e) is cls for e in drawn)


def test_a_new_event_class_is_found_and_reported_uninterpreted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Unforeseen(Family.Event):
        """An event type nobody declared or interprets."""

        TOPIC = "familiekoordinering:Family.Unforeseen"

    monkeypatch.setattr(Family, "Unforeseen", Unforeseen, raising=False)
    assert Unforeseen in family_event_classes()
    assert events.declared(Unforeseen) is None
    assert interpretations(Unforeseen) == {}
