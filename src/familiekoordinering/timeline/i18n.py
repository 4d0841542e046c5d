"""Message catalogues: the timeline and the report in four languages.

Norwegian Bokmål (``nb``, the default), Norwegian Nynorsk (``nn``), Danish
(``da``) and English (``en``). The texts are gettext messages (English message
ids with named ``{placeholders}``) translated in
``locales/<lang>/LC_MESSAGES/familiekoordinering.po`` and compiled to ``.mo``
files with Babel (``python scripts/catalogues.py``; the tests check the
compiled files are current).
"""

from __future__ import annotations

import enum
import gettext
from functools import cache
from pathlib import Path

from familiekoordinering.errors import InvalidInputError

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "LOCALES", "Language", "translations"]

LOCALES = Path(__file__).resolve().parent / "locales"
"""Where the catalogues are (``<lang>/LC_MESSAGES/familiekoordinering.po|.mo``)."""

DOMAIN = "familiekoordinering"


class Language(enum.StrEnum):
    """A language the timeline and the report are written in."""

    NB = "nb"
    """Norwegian Bokmål (the default)."""
    EN = "en"
    """English."""
    NN = "nn"
    """Norwegian Nynorsk."""
    DA = "da"
    """Danish."""


LANGUAGES = tuple(Language)
"""Every language with a catalogue."""

DEFAULT_LANGUAGE = Language.NB
"""Bokmål: the families' and coordinators' language."""


@cache
def translations(
    language: Language | str = DEFAULT_LANGUAGE,
) -> gettext.GNUTranslations:
    """The compiled catalogue of ``language`` (``nb``, ``nn``, ``da`` or ``en``)."""
    try:
        lang = Language(language)
    except ValueError:
        known = ", ".join(x.value for x in LANGUAGES)
        raise InvalidInputError(
            f"no catalogue for language {language!r}: use one of {known}"
        ) from None
    with open(LOCALES / lang.value / "LC_MESSAGES" / f"{DOMAIN}.mo", "rb") as f:
        return gettext.GNUTranslations(f)
