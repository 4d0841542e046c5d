"""What the family and its coordinator read: the timeline, the report, the access export.

* :func:`build_timeline` — every event as a readable entry (what, when, who,
  which consent allowed it, how the family knew), in Norwegian Bokmål, Norwegian
  Nynorsk, Danish or English;
* :func:`state_at` — the family as it stood on a date (``as_of``: what was true;
  ``as_recorded``: what the store knew);
* the family report (HTML) and the access-request export (JSON).
"""

from __future__ import annotations

from familiekoordinering.timeline.entries import (
    Timeline,
    TimelineEntry,
    build_timeline,
    select_events,
    state_at,
)
from familiekoordinering.timeline.export import SCHEMA, access_export, export_schema
from familiekoordinering.timeline.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    Language,
    translations,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "SCHEMA",
    "Language",
    "Timeline",
    "TimelineEntry",
    "access_export",
    "build_timeline",
    "export_schema",
    "select_events",
    "state_at",
    "translations",
]
