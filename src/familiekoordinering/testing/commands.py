"""Run a command on a :class:`~familiekoordinering.domain.family.Family` in one call.

For tests of the aggregate, which call it without an application:
``run(family, SetGoal, area=…, words=…, occurred_on=…, actor=…,
recorded_at=…)`` builds the command from the keywords and hands it to
:meth:`Family.handle <familiekoordinering.domain.family.Family.handle>` with
``recorded_at``; :func:`enrol` does the same for an enrolment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from familiekoordinering.domain.commands import Command, EnrolFamily
from familiekoordinering.domain.family import Family
from familiekoordinering.domain.survey import Survey

__all__ = ["answers", "enrol", "run"]


def run(
    family: Family, command_type: type[Command[Any]], /, *, recorded_at: datetime,
    **fields: Any,
) -> object:  # fmt: skip
    """Build ``command_type`` from ``fields`` and run it on ``family``; return what it returns."""
    return family.handle(command_type(**fields), recorded_at=recorded_at)


def enrol(*, recorded_at: datetime, **fields: Any) -> Family:
    """Enrol a family from the fields of :class:`EnrolFamily`, recorded at ``recorded_at``."""
    return Family.enrol(EnrolFamily(**fields), recorded_at=recorded_at)


def answers(survey: Survey) -> dict[str, Any]:
    """A survey's fields as :class:`CompleteSurvey` takes them."""
    return attrs.asdict(survey, recurse=False)
