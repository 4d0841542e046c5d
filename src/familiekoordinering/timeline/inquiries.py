"""A year of a competence team's inquiries, as text for its staff, in each language.

Renders an :class:`~familiekoordinering.domain.inquiry.InquiryReport` (counts
and ids only: it holds no names and no free text) with the message catalogues
of :mod:`familiekoordinering.timeline.i18n`: Bokmål (the default), Nynorsk,
Danish or English. Who asked and what about read with the words the timeline
uses for agencies and topics.
"""

from __future__ import annotations

from familiekoordinering.domain.inquiry import InquiryOutcome, InquiryReport
from familiekoordinering.timeline.i18n import DEFAULT_LANGUAGE, Language, translations

__all__ = ["render_inquiry_report"]


def _rows(pairs: list[tuple[str, int]]) -> list[str]:
    """``label  count`` lines, the counts aligned; the largest first."""
    if not pairs:
        return ["  -"]
    width = max(len(label) for label, _ in pairs)
    ordered = sorted(pairs, key=lambda pair: -pair[1])  # stable: ties keep their order
    return [f"  {label:<{width}}  {count:>4}" for label, count in ordered]


def render_inquiry_report(
    report: InquiryReport, language: Language | str = DEFAULT_LANGUAGE
) -> str:
    """The report as plain text in ``language`` (``nb``, ``nn``, ``da`` or ``en``)."""
    _ = translations(language).gettext
    outcome_words = {
        InquiryOutcome.ADVICE_GIVEN: _("advice given"),
        InquiryOutcome.SERVICE_CONNECTED: _("service connected"),
        InquiryOutcome.ENROLLED: _("enrolled in a programme"),
        InquiryOutcome.REFERRED: _("referred on"),
        InquiryOutcome.FAMILY_DECLINED: _("the family declined"),
        InquiryOutcome.NO_FURTHER_NEED: _("no further need"),
    }
    days = report.overdue_after_days
    change = f"{report.change:+d}"
    lines = [
        _("Inquiries to the competence team in municipality {municipality}, {year}")
        .format(municipality=report.municipality, year=report.year),
        _("As of {date}; an inquiry is flagged when it has no outcome after {days} days")
        .format(date=report.on.isoformat(), days=days),
        "",
        _("Received: {count} (in {previous_year}: {previous}; change: {change})")
        .format(count=report.received, previous_year=report.year - 1,
                previous=report.previous_year, change=change),
        _("Identified with the family's consent: {identified}; linked to an enrolment: {linked}")
        .format(identified=report.identified, linked=report.linked),
        "",
        _("Who asked"),
        *_rows([(_(s.value.replace("_", " ")), n) for s, n in report.by_source.items() if n]),
        _("What about"),
        *_rows([(_(t.value.replace("_", " ")), n) for t, n in report.by_topic.items() if n]),
        _("Outcome"),
        *_rows(
            [(outcome_words[o], n) for o, n in report.by_outcome.items() if n]
            + ([(_("still open"), report.open)] if report.open else [])
        ),
        _("By month"),
        *[f"  {report.year}-{month:02d}  {count:>4}"
          for month, count in enumerate(report.by_month, start=1) if count],
        "",
    ]  # fmt: skip
    if report.flagged:
        lines.append(
            _("Flagged (no outcome after more than {days} days): {count}").format(
                days=days, count=len(report.flagged)
            )
        )
        lines += [
            "  "
            + _("{inquiry_id}: received {date}, open for {days} days").format(
                inquiry_id=flagged.inquiry_id,
                date=flagged.received_on.isoformat(),
                days=flagged.days_open,
            )
            for flagged in report.flagged
        ]
    else:
        lines.append(
            _("Every inquiry has an outcome or is within {days} days.").format(
                days=days
            )
        )
    return "\n".join(lines)
