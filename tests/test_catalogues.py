"""The Danish and Nynorsk catalogues: complete, really translated, and used end to end.

Every catalogue holds the same messages (the check that each message the code
uses and each enum word is translated is in ``test_timeline.py``). Here: no
message of a new catalogue is left in English unless it really is the same word
there, every placeholder survives, the headers are right, and the timeline, the
report and the access export read in each language.
"""

from __future__ import annotations

import json
import re
import string
from datetime import date

import jsonschema
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from familiekoordinering import FamilyCoordination
from familiekoordinering.demo import DemoClock, build_demo
from familiekoordinering.domain.family import Family
from familiekoordinering.timeline import LANGUAGES, Language, translations
from familiekoordinering.timeline.export import export_schema
from familiekoordinering.timeline.i18n import LOCALES
from tests.conftest import LEAD

pytestmark = pytest.mark.application

NEW = (Language.NN, Language.DA)

SAME_AS_ENGLISH: dict[Language, dict[str, str]] = {
    Language.NN: {
        "nav": "NAV is the name of the Norwegian labour and welfare service",
    },
    Language.DA: {
        "nav": "NAV is the name of the Norwegian labour and welfare service",
    },
}
"""Messages a catalogue may leave as its English id (case aside), with the reason."""


def _catalogue(language: Language) -> Catalog:
    with (LOCALES / language.value / "LC_MESSAGES" / "familiekoordinering.po").open(
        "rb"
    ) as f:
        return read_po(f)


def _messages(language: Language) -> dict[str, str]:
    """Each message by its id; one with a context by ``context<EOT>id``, as gettext keys it."""
    return {
        (f"{m.context}\x04{m.id}" if m.context else str(m.id)): str(m.string)
        for m in _catalogue(language)
        if m.id
    }


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_catalogue_holds_the_same_messages() -> None:
    ids = set(_messages(Language.NB))
    assert len(ids) > 150
    for language in LANGUAGES:
        assert set(_messages(language)) == ids, language.value


@pytest.mark.parametrize("language", NEW, ids=str)
def test_no_message_is_left_in_english_but_the_listed_ones(language: Language) -> None:
    messages = _messages(language)
    same = sorted(
        m
        for m, s in messages.items()
        if s.strip().casefold() == m.rpartition("\x04")[2].casefold()
    )
    assert same == sorted(SAME_AS_ENGLISH[language]), (
        f"{language.value}: left as in English: {same}"
    )
    assert all(messages.values()), f"{language.value}: an empty translation"


@pytest.mark.parametrize("language", NEW, ids=str)
def test_every_placeholder_of_the_id_is_in_the_translation(language: Language) -> None:
    for message, translated in _messages(language).items():
        assert _placeholders(translated) == _placeholders(message), (
            language.value,
            message,
        )
        values = dict.fromkeys(_placeholders(message), "x")
        translated.format(**values)  # no stray brace breaks the formatting


@pytest.mark.parametrize("language", NEW, ids=str)
def test_the_compiled_catalogue_names_its_language_and_plural_forms(
    language: Language,
) -> None:
    info = translations(language).info()
    assert info["language"] == language.value
    assert info["content-type"].casefold() == "text/plain; charset=utf-8"
    assert info["plural-forms"] == "nplurals=2; plural=(n != 1);"
    assert translations(language).ngettext("one", "many", 1) == "one"
    assert translations(language).ngettext("one", "many", 2) == "many"


@pytest.fixture(scope="module")
def small() -> tuple[FamilyCoordination, Family.Event]:
    clock = DemoClock()
    app = FamilyCoordination(clock=clock)
    family_id = build_demo(app, clock, families=1, years=1, seed=9).family_ids[0]
    return app, app.family_history(family_id, actor=LEAD)[0]


WORDS = {
    # language: (a member joined, the report's coordinator heading, a report heading)
    Language.NN: ("vart med", "Koordinatoren dykkar", "Planen dykkar"),
    Language.DA: ("kom med", "Jeres koordinator", "Jeres plan"),
}


@pytest.mark.parametrize("language", NEW, ids=str)
def test_the_timeline_report_and_export_read_in_the_language(
    small: tuple[FamilyCoordination, Family.Event], language: Language
) -> None:
    app, first = small
    family_id = first.originator_id
    joined, coordinator, plan = WORDS[language]
    events = app.family_history(family_id, actor=LEAD)

    timeline = app.timeline(family_id, language=language.value, actor=LEAD)
    assert timeline.language is language
    assert len(timeline.entries) == len(events)
    assert not any(e.what == e.event for e in timeline.entries)
    text = timeline.render_text()
    assert text.startswith("Tidslinje for")
    assert joined in next(e.what for e in timeline.entries if e.event == "MemberAdded")
    english = app.timeline(family_id, language="en", actor=LEAD)
    assert all(
        ours.what != theirs.what
        for ours, theirs in zip(timeline.entries, english.entries, strict=True)
    )

    html = app.report(family_id, on=date(2030, 1, 1), language=language, actor=LEAD)
    assert f"<html lang='{language.value}'>" in html
    assert "<title>Familiekoordinering for familien " in html
    assert f"<h2>{coordinator}</h2>" in html
    assert f"<h2>{plan}</h2>" in html
    assert not re.search(r"<h2>(Your|Every|Who|What|Proof)\b", html)

    export = app.access_export(
        family_id, on=date(2030, 1, 1), language=language, actor=LEAD
    )
    assert export["language"] == language.value
    assert [e["what"] for e in export["timeline"]][:3] == [
        e.what for e in timeline.entries[:3]
    ]
    jsonschema.validate(
        json.loads(json.dumps(export)),
        export_schema(),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
