"""The family report: one self-contained, printable HTML page written for the family.

No scripts, no external files: styles are inline, and the page reads the same
printed or on a screen. It says who the coordinator is, what the plan holds,
which consents the family gave and what each was used for, every contact made
on the family's behalf, and every "we will tell you afterwards" and when the
family was told.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from familiekoordinering.access.log import AccessEntry
from familiekoordinering.domain.actions import KnowledgeKind
from familiekoordinering.domain.record import FamilyRecord
from familiekoordinering.integrity.checkpoint import Fingerprint
from familiekoordinering.timeline.entries import Timeline, _Words

__all__ = ["render_report"]

_STYLE = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 46rem;
       margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; line-height: 1.5; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #2b5d8a; margin-top: 2rem; }
.lead { color: #444; }
table { border-collapse: collapse; width: 100%; font-size: 0.95rem; }
th, td { text-align: left; vertical-align: top; padding: 0.35rem 0.5rem;
         border-bottom: 1px solid #ccc; }
th { background: #eef3f8; }
.late { color: #8a2b2b; font-weight: bold; }
.small { font-size: 0.85rem; color: #555; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; }
               tr { break-inside: avoid; } }
"""


def render_report(
    family: FamilyRecord,
    timeline: Timeline,
    *,
    on: date,
    access_log: Sequence[AccessEntry] = (),
    fingerprint: tuple[Fingerprint, date] | None = None,
) -> str:
    """The report as one HTML page, in the timeline's language, as it stands ``on``.

    ``fingerprint`` is the head of the family's stored history and the day it
    was recorded: shown so that the family can later have it checked.

    ``access_log`` lists who has read the family's record (the access log).
    """
    w = _Words(timeline.language, family)
    e = escape
    parts: list[str] = []
    add = parts.append
    add(f"<h1>{e(w('Your family coordination: {label}', label=family.label))}</h1>")
    add(
        f"<p class='lead'>{e(w('This is everything recorded about your family, as it stands on {date}.', date=on.isoformat()))}</p>"  # noqa: E501
    )

    if timeline.erased_at is not None:
        add(
            f"<p class='lead'><strong>{e(w('Personal data erased on {date}', date=timeline.erased_at.date().isoformat()))}</strong></p>"  # noqa: E501
        )

    add(f"<h2>{e(w('Your coordinator'))}</h2>")
    coordinator = family.coordinator
    add(
        f"<p>{e(coordinator.name) if coordinator else e(w('No coordinator has been assigned yet.'))}</p>"  # noqa: E501
    )
    add(
        f"<p>{e(w('The programme {programme} runs from {start} to {end}.', programme=family.programme.name, start=family.started_on.isoformat(), end=family.planned_end_on.isoformat()))}</p>"  # noqa: E501
    )

    add(f"<h2>{e(w('Your plan'))}</h2>")
    if family.goals:
        add("<ul>")
        for goal in family.goals.values():
            add(
                f"<li>{e(w.member(goal.member_id))}: “{e(goal.words)}” "
                f"<span class='small'>({e(w.word(goal.area))}; {e(w.word(goal.status))})</span></li>"  # noqa: E501
            )
        add("</ul>")
    else:
        add(f"<p>{e(w('No goals yet.'))}</p>")
    if family.steps:
        add(f"<p>{e(w('Agreed steps:'))}</p><ul>")
        for step in family.steps.values():
            add(
                f"<li>{e(w.responsible(step.responsible))}: {e(step.description)} "
                f"<span class='small'>({e(w.word(step.status))})</span></li>"
            )
        add("</ul>")

    actions = sorted(family.outward_actions.values(), key=lambda a: a.occurred_on)
    add(f"<h2>{e(w('Your consents and what each was used for'))}</h2>")
    if not family.consents:
        add(f"<p>{e(w('You have not given any consent.'))}</p>")
    for consent in family.consents.values():
        withdrawn = family.withdrawals.get(consent.consent_id)
        add(
            f"<p><strong>{e(w.scope(consent.scope))}</strong><br>"
            f"{e(w('Given by {names} on {date}: {purpose}', names=w.names(consent.given_by), date=consent.given_on.isoformat(), purpose=consent.purpose))}"  # noqa: E501
            + (
                f"<br>{e(w('Withdrawn on {date}.', date=withdrawn.withdrawn_on.isoformat()))}"
                if withdrawn
                else ""
            )
            + "</p>"
        )
        used = [a for a in actions if consent.consent_id in a.consent_ids]
        if used:
            add("<ul>")
            for action in used:
                add(
                    f"<li>{e(action.occurred_on.isoformat())}: {e(w.contact(action))}</li>"
                )
            add("</ul>")
        else:
            add(f"<p class='small'>{e(w('Not used yet.'))}</p>")

    add(f"<h2>{e(w('Every contact made on your behalf'))}</h2>")
    if actions:
        add(
            f"<table><tr><th>{e(w('Date'))}</th><th>{e(w('What'))}</th>"
            f"<th>{e(w('Allowed by'))}</th><th>{e(w('How you knew'))}</th></tr>"
        )
        for action in actions:
            allowed = (
                w("no consent: a legal duty ({basis})", basis=action.legal_basis)
                if action.legal_basis
                else w("your consent")
            )
            add(
                f"<tr><td>{e(action.occurred_on.isoformat())}</td>"
                f"<td>{e(w.contact(action))}</td><td>{e(allowed)}</td>"
                f"<td>{e(w.knew(action))}</td></tr>"
            )
        add("</table>")
    else:
        add(f"<p>{e(w('No contact has been made on your behalf.'))}</p>")

    later = [
        a for a in actions if a.family_knows.kind is KnowledgeKind.INFORM_AFTERWARDS
    ]
    add(f"<h2>{e(w('What we told you afterwards'))}</h2>")
    if later:
        add("<ul>")
        for action in later:
            told = (
                w("told on {date}", date=action.informed_on.isoformat())
                if action.informed_on
                else w(
                    "not told yet: due by {date}",
                    date=action.family_knows.inform_by.isoformat()
                    if action.family_knows.inform_by
                    else "?",
                )
            )
            css = "" if action.informed_on else " class='late'"
            add(
                f"<li{css}>{e(action.occurred_on.isoformat())}: "
                f"{e(w.contact(action))} — {e(told)}</li>"
            )
        add("</ul>")
    else:
        add(f"<p>{e(w('Nothing was done that you were told of only afterwards.'))}</p>")

    add(f"<h2>{e(w('Who has read your record'))}</h2>")
    if access_log:
        add(
            f"<table><thead><tr><th>{e(w('When'))}</th><th>{e(w('Who'))}</th>"
            f"<th>{e(w('Why'))}</th><th>{e(w('What was read'))}</th></tr></thead><tbody>"
        )
        for read in access_log:
            add(
                f"<tr><td>{e(read.at.strftime('%Y-%m-%d %H:%M'))}</td>"
                f"<td>{e(read.user_id)} ({e(w.word(read.role))})</td>"
                f"<td>{e(w.word('access ' + read.purpose.value))}</td>"
                f"<td>{e(w(read.what))}</td></tr>"
            )
        add("</tbody></table>")
    else:
        add(f"<p>{e(w('No one has read your record yet.'))}</p>")

    if fingerprint is not None:
        shown, recorded_on = fingerprint
        add(f"<h2>{e(w('Proof that nothing has been changed'))}</h2>")
        add(
            "<p>"
            + e(
                w(
                    "Fingerprint of your record: {fingerprint} (entry {version}, "
                    "recorded {date}).",
                    fingerprint=str(shown),
                    version=shown.version,
                    date=recorded_on.isoformat(),
                )
            )
            + f" <span class='small'>{e(w('Keep it. With it, the municipality can show you later that nothing recorded up to that day has been changed.'))}</span></p>"  # noqa: E501
        )

    add(f"<h2>{e(w('Everything recorded, in order'))}</h2><ol>")
    for entry in timeline.entries:
        late = (
            f" <span class='late'>{e(w('(recorded late)'))}</span>"
            if entry.recorded_late
            else ""
        )
        add(
            f"<li value='{entry.version}'><strong>{e(entry.occurred_on.isoformat())}</strong> "
            f"{e(entry.what)}{late}<br><span class='small'>{e(w('recorded {when} by {who}', when=entry.recorded_at.strftime('%Y-%m-%d'), who=entry.who))}</span></li>"  # noqa: E501
        )
    add("</ol>")
    lang = timeline.language.value
    title = e(w("Your family coordination: {label}", label=family.label))
    page = (
        f"<!DOCTYPE html>\n<html lang='{lang}'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{title}</title><style>{_STYLE}</style></head><body>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )
    # Erased names, birth dates and free text read as "[erased]" in the language.
    return w.unerased(page) if timeline.erased_at is not None else page
