"""A family's timeline: every event as a readable entry, and state at any date.

Pure functions over a family's events (no storage, no clock): the application
reads the events and passes them in.

Two times count. ``as_of`` asks what was *true* on a date: the events that
happened (``occurred_on``) on or before it, as the store knows them now,
including those recorded late. ``as_recorded`` asks what the store *knew* on a
date: the events recorded on or before it. Both may be given: what the store
knew on one date about another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import attrs

from familiekoordinering.domain.actions import KnowledgeKind, OutwardAction
from familiekoordinering.domain.consent import ConsentScope
from familiekoordinering.domain.events import Interpretation, interpreted
from familiekoordinering.domain.family import Family
from familiekoordinering.domain.investment import GainKind, InvestmentKind
from familiekoordinering.domain.plan import Responsible, ResponsibleKind
from familiekoordinering.domain.programme import Jurisdiction, ProgrammeKind
from familiekoordinering.domain.record import FamilyRecord
from familiekoordinering.domain.values import (
    ERASED_DATE,
    ERASED_TEXT,
    Agency,
    MeetingId,
    MemberId,
)
from familiekoordinering.errors import InvalidInputError
from familiekoordinering.protection.sealing import holds_erased
from familiekoordinering.timeline.i18n import DEFAULT_LANGUAGE, Language, translations

__all__ = [
    "Timeline",
    "TimelineEntry",
    "build_timeline",
    "select_events",
    "state_at",
]


def select_events(
    events: Iterable[Family.Event],
    *,
    as_of: date | None = None,
    as_recorded: date | datetime | None = None,
) -> list[Family.Event]:
    """The events in recording order that happened by ``as_of``, recorded by ``as_recorded``.

    ``as_recorded`` as a date means up to the end of that day (in the time zone
    the events were recorded in); as a datetime it must name its time zone
    (:class:`InvalidInputError` otherwise: the events' times do).
    """
    if isinstance(as_recorded, datetime) and as_recorded.utcoffset() is None:
        raise InvalidInputError(
            f"as_recorded {as_recorded.isoformat()} has no time zone: give a "
            "timezone-aware datetime (e.g. datetime(..., tzinfo=UTC)) or a date"
        )
    selected = []
    for event in events:
        if as_recorded is not None:
            recorded: date | datetime = event.recorded_at
            if not isinstance(as_recorded, datetime):
                recorded = event.recorded_at.date()
            if recorded > as_recorded:
                continue
        if as_of is not None and event.occurred_on > as_of:
            continue
        selected.append(event)
    return selected


def state_at(
    events: Sequence[Family.Event],
    *,
    as_of: date | None = None,
    as_recorded: date | datetime | None = None,
) -> FamilyRecord | None:
    """The family's record as it stood: its events selected by both times, in order.

    None when the family was not enrolled by then. The version of the result is
    that of the last event folded in.
    """
    selected = select_events(events, as_of=as_of, as_recorded=as_recorded)
    if not selected or not isinstance(selected[0], Family.Enrolled):
        return None
    return FamilyRecord.of(selected)


@attrs.frozen
class TimelineEntry:
    """One event as the family and its coordinator read it."""

    version: int
    """The event's number in the family's history (1 is the enrolment)."""
    event: str
    """The event's type (``AgencyContacted``, …)."""
    occurred_on: date
    """When it happened."""
    recorded_at: datetime
    """When it was recorded."""
    recorded_late: bool
    """Whether it was recorded on a later day than it happened."""
    what: str
    """What happened, in the timeline's language."""
    who: str
    """Who recorded it, and in which role."""
    permitted_by: str | None
    """For a contact on the family's behalf: the consent(s) or legal duty that allowed it."""
    family_knew: str | None
    """For a contact: how the family knew (present, agreed beforehand, told afterwards)."""
    erased: bool = False
    """Whether the event's personal data was erased (it reads as "[erased]")."""

    def to_json(self) -> dict[str, Any]:
        """The entry as JSON-able data (dates in ISO form)."""
        return {
            "version": self.version,
            "event": self.event,
            "occurred_on": self.occurred_on.isoformat(),
            "recorded_at": self.recorded_at.isoformat(),
            "recorded_late": self.recorded_late,
            "what": self.what,
            "who": self.who,
            "permitted_by": self.permitted_by,
            "family_knew": self.family_knew,
            "erased": self.erased,
        }


@attrs.frozen
class Timeline:
    """A family's timeline in one language, as of the dates asked for."""

    family_id: str
    label: str
    language: Language
    as_of: date | None
    as_recorded: date | datetime | None
    entries: tuple[TimelineEntry, ...]
    erased_at: datetime | None = None
    """When the family's personal data was erased, if it was."""

    def to_json(self) -> dict[str, Any]:
        """The timeline as JSON-able data."""
        return {
            "family_id": self.family_id,
            "label": self.label,
            "language": self.language.value,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "as_recorded": self.as_recorded.isoformat() if self.as_recorded else None,
            "erased_at": self.erased_at.isoformat() if self.erased_at else None,
            "entries": [entry.to_json() for entry in self.entries],
        }

    def render_text(self) -> str:
        """The timeline as plain text, one entry per block."""
        _ = translations(self.language).gettext
        title = _("Timeline of {label} ({family_id})").format(
            label=self.label, family_id=self.family_id
        )
        lines = [title]
        if self.as_of:
            lines.append(_("As it stood on {date}").format(date=self.as_of.isoformat()))
        if self.as_recorded:
            lines.append(_("As recorded by {date}").format(date=_day(self.as_recorded)))
        if self.erased_at:
            lines.append(
                _("Personal data erased on {date}").format(date=_day(self.erased_at))
            )
        for e in self.entries:
            lines.append(f"{e.version:>4}  {e.occurred_on.isoformat()}  {e.what}")
            recorded = _("recorded {when} by {who}").format(
                when=e.recorded_at.strftime("%Y-%m-%d %H:%M"), who=e.who
            )
            if e.recorded_late:
                recorded += " " + _("(recorded late)")
            lines.append(f"      {recorded}")
            if e.permitted_by:
                lines.append(
                    "      " + _("Permitted by: {what}").format(what=e.permitted_by)
                )
            if e.family_knew:
                lines.append(
                    "      " + _("The family knew: {how}").format(how=e.family_knew)
                )
            if e.erased:
                lines.append("      " + _("(personal data erased)"))
        return "\n".join(lines)


def _day(value: date | datetime) -> str:
    return (
        value.isoformat(timespec="minutes")
        if isinstance(value, datetime)
        else (value.isoformat())
    )


_ERASED_DAY = ERASED_DATE.isoformat()


class _Words:
    """Translation of messages and of the library's enum values, for one family."""

    def __init__(self, language: Language, family: FamilyRecord) -> None:
        catalogue = translations(language)
        self.gettext = catalogue.gettext
        self.pgettext = catalogue.pgettext
        self.family = family
        # A programme's jurisdiction names its own services and plans: a
        # Danish family was referred by the job centre, not by NAV.
        self.context = (
            family.programme.jurisdiction.name.lower()
            if family.programme.jurisdiction is not Jurisdiction.NORWAY
            else None
        )

    def __call__(self, message: str, **values: Any) -> str:
        return self.gettext(message).format(**values)

    def word(self, value: Any) -> str:
        """An enum value (topic, agency kind, channel, role, …) in the language.

        As the family's programme's jurisdiction names it, where it has a
        name of its own (message context ``denmark``), else as in Norway.
        """
        raw = str(getattr(value, "value", value)).replace("_", " ")
        if self.context is not None:
            own = self.pgettext(self.context, raw)
            if own != raw:
                return own
        return self.gettext(raw)

    def words(self, values: Iterable[Any]) -> str:
        return ", ".join(sorted(self.word(v) for v in values))

    def names(self, member_ids: Iterable[MemberId]) -> str:
        members = self.family.members
        names = sorted(members[m].name if m in members else str(m) for m in member_ids)
        return ", ".join(names) if names else self("nobody")

    def member(self, member_id: MemberId | None) -> str:
        if member_id is None:
            return self("the whole family")
        member = self.family.members.get(member_id)
        return member.name if member else str(member_id)

    def agency(self, agency: Agency) -> str:
        return agency.unit or self.word(agency.kind)

    def scope(self, scope: ConsentScope) -> str:
        text = self(
            "{agency} about {topics} for {members}",
            agency=self.agency(scope.agency),
            topics=self.words(scope.topics),
            members=self.names(scope.member_ids),
        )
        if scope.excluded_topics:
            text += ", " + self(
                "not {topics}", topics=self.words(scope.excluded_topics)
            )
        return text

    def responsible(self, responsible: Responsible) -> str:
        if responsible.kind is ResponsibleKind.AGENCY and responsible.agency:
            return self.agency(responsible.agency)
        if responsible.kind is ResponsibleKind.FAMILY and responsible.member_id:
            return self.member(responsible.member_id)
        return self.word(responsible.kind)

    def contact(self, action: OutwardAction) -> str:
        """What was done on the family's behalf, in one line."""
        return self(
            "{kind} {agency} about {topics} for {names}: {purpose}",
            kind=self.word(f"action {action.kind.value}"),
            agency=self.agency(action.agency),
            topics=self.words(action.topics),
            names=self.names(action.member_ids),
            purpose=action.purpose,
        )

    def knew(self, action: OutwardAction) -> str:
        """How the family knew of ``action`` (as the family stands)."""
        knows = action.family_knows
        if knows.kind is KnowledgeKind.PRESENT:
            return self("the family was there")
        if knows.kind is KnowledgeKind.AGREED_BEFOREHAND:
            meeting = self.family.meetings.get(
                MeetingId(knows.agreed_in or UUID(int=0))
            )
            if meeting is not None:
                held = meeting.held_on.isoformat() if meeting.held_on else "?"
                return self("agreed beforehand, at the meeting on {date}", date=held)
            return self("agreed beforehand, in the plan")
        if action.informed_on is not None:
            return self(
                "told afterwards, on {date}", date=action.informed_on.isoformat()
            )
        deadline = knows.inform_by.isoformat() if knows.inform_by else "?"
        return self("to be told afterwards, by {date}", date=deadline)

    def unerased(self, text: str) -> str:
        """``text`` with the marks of erased data as "[erased]" in the language."""
        erased = self("[erased]")
        return text.replace(ERASED_TEXT, erased).replace(_ERASED_DAY, erased)

    def goal(self, goal_id: Any) -> str:
        goal = self.family.goals.get(goal_id)
        return f"“{goal.words}”" if goal else str(goal_id)[:8]

    def step(self, step_id: Any) -> str:
        step = self.family.steps.get(step_id)
        return f"“{step.description}”" if step else str(step_id)[:8]


_Sentence = Callable[[Any, _Words], str]


def _enrolled(e: Any, w: _Words) -> str:
    return w(
        "Enrolled in {programme} (municipality {municipality}, referred by "
        "{referral}); planned end {end}",
        programme=e.programme.name,
        municipality=e.municipality,
        referral=w.word(e.referral),
        end=e.planned_end_on.isoformat(),
    )


def _member_added(e: Any, w: _Words) -> str:
    return w(
        "{name} ({kind}, born {born}) joined",
        name=e.name,
        kind=w.word(e.kind),
        born=e.birth_date.isoformat(),
    )


def _member_left(e: Any, w: _Words) -> str:
    return w("{name} left the follow-up", name=w.member(e.member_id))


def _coordinator(e: Any, w: _Words) -> str:
    if w.family.programme.kind is ProgrammeKind.ASKER:  # Asker's investeringsleder
        return w("{name} became the investment leader", name=e.coordinator_name)
    return w("{name} became the family's coordinator", name=e.coordinator_name)


def _consent_granted(e: Any, w: _Words) -> str:
    text = w(
        "{names} gave consent ({form}): {scope}, from {start}",
        names=w.names(e.given_by),
        form=w.word(e.form),
        scope=w.scope(e.scope),
        start=e.valid_from.isoformat(),
    )
    if e.valid_until:
        text += " " + w("until {end}", end=e.valid_until.isoformat())
    return f"{text} — {e.purpose}"


def _consent_refused(e: Any, w: _Words) -> str:
    return w(
        "{names} refused consent: {scope}",
        names=w.names(e.refused_by),
        scope=w.scope(e.scope),
    )


def _consent_withdrawn(e: Any, w: _Words) -> str:
    consent = w.family.consents.get(e.consent_id)
    return w(
        "{names} withdrew consent: {scope}",
        names=w.names(e.withdrawn_by),
        scope=w.scope(consent.scope) if consent else str(e.consent_id)[:8],
    )


def _goal_set(e: Any, w: _Words) -> str:
    return w(
        "Goal for {who} ({area}): “{words}”",
        who=w.member(e.member_id),
        area=w.word(e.area),
        words=e.words,
    )


def _goal_progress(e: Any, w: _Words) -> str:
    text = w("Progress on the goal {goal}: {note}", goal=w.goal(e.goal_id), note=e.note)
    if e.rating is not None:
        text += " " + w("(rated {rating} of 10)", rating=e.rating)
    return text


def _goal_achieved(e: Any, w: _Words) -> str:
    return w("The goal {goal} was reached", goal=w.goal(e.goal_id))


def _goal_dropped(e: Any, w: _Words) -> str:
    return w("The goal {goal} was dropped", goal=w.goal(e.goal_id))


def _step_agreed(e: Any, w: _Words) -> str:
    text = w(
        "Agreed: {who} will {what}",
        who=w.responsible(e.responsible),
        what=e.description,
    )
    if e.due_on:
        text += " " + w("by {date}", date=e.due_on.isoformat())
    return text


def _step_completed(e: Any, w: _Words) -> str:
    return w("Done: {step}", step=w.step(e.step_id))


def _sector_plan(e: Any, w: _Words) -> str:
    return w(
        "Linked to {kind} at {agency} ({reference})",
        kind=w.word(e.kind),
        agency=w.agency(e.agency),
        reference=e.reference,
    )


def _meeting(e: Any, w: _Words) -> str:
    text = w(
        "Meeting; present: {names}",
        names=w.names(e.members_present),
    )
    if e.decisions:
        text += "; " + w("decided: {decisions}", decisions="; ".join(e.decisions))
    return text


def _outward(e: Any, w: _Words) -> str:
    return w.contact(w.family.outward_actions[e.action_id])


def _informed(e: Any, w: _Words) -> str:
    action = w.family.outward_actions.get(e.action_id)
    about = (
        w(
            "the contact with {agency} on {date}",
            agency=w.agency(action.agency),
            date=action.occurred_on.isoformat(),
        )
        if action
        else str(e.action_id)[:8]
    )
    return w(
        "The family was told of {about} by {channel}",
        about=about,
        channel=w.word(e.channel),
    )


def _survey(e: Any, w: _Words) -> str:
    return w("Survey of the family's situation ({kind})", kind=w.word(e.survey.kind))


def _over_caseload(e: Any, w: _Words) -> str:
    return w(
        "The coordinator took on the family beyond the programme's caseload of "
        "{limit} families (following {families} others): {reason}",
        limit=e.limit,
        families=e.families,
        reason=e.reason,
    )


def _team_joined(e: Any, w: _Words) -> str:
    message = (
        "{person} ({agency}) joined the investment team as {role}, with authority "
        "to decide"
        if e.may_decide
        else "{person} ({agency}) joined the investment team as {role}"
    )
    return w(message, person=e.person, agency=w.agency(e.agency), role=e.role)


def _team_member(w: _Words, team_member_id: Any) -> str:
    member = w.family.team_members.get(team_member_id)
    return member.person if member else str(team_member_id)[:8]


def _investment_meeting(e: Any, w: _Words) -> str:
    team = ", ".join(sorted(_team_member(w, t) for t in e.team_present))
    text = w(
        "Investment meeting; present: {names}; from the team: {team}",
        names=w.names(e.members_present),
        team=team,
    )
    for d in e.decisions:
        text += "; " + w(
            "decided by {decider} ({authority}): {what}, carried out by {doer} by "
            "{date}",
            decider=_team_member(w, d.decided_by),
            authority=d.authority,
            what=d.what,
            doer=_team_member(w, d.carried_out_by),
            date=d.due_on.isoformat(),
        )
    return text


_INVESTMENT_UNITS = {
    InvestmentKind.MONEY: "Investment from {agency}: {what}; {amount} kroner",
    InvestmentKind.STAFF_HOURS: "Investment from {agency}: {what}; {amount} hours",
    InvestmentKind.PLACE: "Investment from {agency}: {what}; places: {amount}",
    InvestmentKind.HOUSING: "Investment from {agency}: {what}; homes: {amount}",
}


def _investment(e: Any, w: _Words) -> str:
    member = w.family.team_members.get(e.team_member_id)
    agency = w.agency(member.agency) if member else str(e.team_member_id)[:8]
    return w(_INVESTMENT_UNITS[e.kind], agency=agency, what=e.what, amount=e.amount)


_GAINS = {
    GainKind.WORK: "into work",
    GainKind.EDUCATION: "into education",
    GainKind.STABLE_HOUSING: "a stable home",
    GainKind.HEALTH: "better health",
    GainKind.FEWER_BENEFITS: "less need for benefits",
}


def _gain(e: Any, w: _Words) -> str:
    values = {"name": w.member(e.member_id), "gain": w(_GAINS[e.kind]), "note": e.note}
    if e.yearly_value is None:
        return w("Gain for {name}: {gain} ({note})", **values)
    return w(
        "Gain for {name}: {gain} ({note}); about {value} kroner a year",
        value=e.yearly_value,
        **values,
    )


def _extended(e: Any, w: _Words) -> str:
    return w(
        "The follow-up was extended until {until}: {reason} (decided by {who})",
        until=e.until.isoformat(),
        reason=e.reason,
        who=e.decided_by,
    )


def _ended(e: Any, w: _Words) -> str:
    return w("The follow-up ended ({reason})", reason=w.word(e.reason))


def _research_given(e: Any, w: _Words) -> str:
    return w(
        "{names} agreed that {name}'s answers may be used in research, without names",
        names=w.names(e.given_by),
        name=w.member(e.member_id),
    )


def _research_withdrawn(e: Any, w: _Words) -> str:
    return w(
        "{names} withdrew the research consent for {name}",
        names=w.names(e.withdrawn_by),
        name=w.member(e.member_id),
    )


_SENTENCES: dict[type[Family.Event], _Sentence] = interpreted(
    Interpretation.TIMELINE,
    {
        Family.Enrolled: _enrolled,
        Family.MemberAdded: _member_added,
        Family.MemberLeft: _member_left,
        Family.CoordinatorAssigned: _coordinator,
        Family.ConsentGranted: _consent_granted,
        Family.ConsentRefused: _consent_refused,
        Family.ConsentWithdrawn: _consent_withdrawn,
        Family.GoalSet: _goal_set,
        Family.GoalProgressRecorded: _goal_progress,
        Family.GoalAchieved: _goal_achieved,
        Family.GoalDropped: _goal_dropped,
        Family.StepAgreed: _step_agreed,
        Family.StepCompleted: _step_completed,
        Family.SectorPlanLinked: _sector_plan,
        Family.MeetingHeld: _meeting,
        Family.AgencyContacted: _outward,
        Family.ActedUnderLegalDuty: _outward,
        Family.FamilyInformed: _informed,
        Family.SurveyCompleted: _survey,
        Family.TeamMemberJoined: _team_joined,
        Family.InvestmentMeetingHeld: _investment_meeting,
        Family.InvestmentCommitted: _investment,
        Family.GainRecorded: _gain,
        Family.FollowUpExtended: _extended,
        Family.CaseloadExceeded: _over_caseload,
        Family.FollowUpEnded: _ended,
        Family.ResearchConsentGiven: _research_given,
        Family.ResearchConsentWithdrawn: _research_withdrawn,
    },
)
"""What each event says, in the timeline's language (from the family as it stood)."""


def _what(e: Family.Event, w: _Words) -> str:
    sentence = _SENTENCES.get(type(e))
    return type(e).__name__ if sentence is None else sentence(e, w)


def _legal_duty(e: Any, w: _Words) -> str:
    return w("no consent: a legal duty ({basis})", basis=e.legal_basis)


def _consents(e: Any, w: _Words) -> str:
    parts = []
    for consent_id in e.consent_ids:
        consent = w.family.consents.get(consent_id)
        if consent is None:
            parts.append(str(consent_id)[:8])
            continue
        parts.append(
            w(
                "the consent {names} gave on {date} ({purpose})",
                names=w.names(consent.given_by),
                date=consent.given_on.isoformat(),
                purpose=consent.purpose,
            )
        )
    return "; ".join(parts)


_PERMITTED_BY: dict[type[Family.Event], _Sentence] = {
    Family.ActedUnderLegalDuty: _legal_duty,
    Family.AgencyContacted: _consents,
}
"""For a contact on the family's behalf: what allowed it."""


def _permitted_by(e: Family.Event, w: _Words) -> str | None:
    permitted_by = _PERMITTED_BY.get(type(e))
    return None if permitted_by is None else permitted_by(e, w)


def _family_knew(e: Family.Event, w: _Words) -> str | None:
    if type(e) not in _PERMITTED_BY:  # only a contact on the family's behalf
        return None
    contact: Any = e
    return w.knew(w.family.outward_actions[contact.action_id])


def build_timeline(
    events: Sequence[Family.Event],
    *,
    language: Language | str = DEFAULT_LANGUAGE,
    as_of: date | None = None,
    as_recorded: date | datetime | None = None,
    erased_at: datetime | None = None,
) -> Timeline:
    """Every selected event of one family as a readable entry, in recording order.

    Names, goals and consents are described as the family stood at the
    timeline's dates (so a later name change does not rewrite an old entry's
    reading, and nothing after ``as_recorded`` leaks in). ``erased_at`` is when
    the family's personal data was erased, if it was: its names, birth dates
    and free text then read as "[erased]" in the timeline's language, and
    each entry that held some says so.
    """
    translations(language)  # an unknown language is refused here, clearly
    lang = Language(language)
    selected = select_events(events, as_of=as_of, as_recorded=as_recorded)
    family = state_at(events, as_of=as_of, as_recorded=as_recorded)
    if family is None:
        first = events[0] if events else None
        family_id = str(first.originator_id) if first else "?"
        return Timeline(family_id, "", lang, as_of, as_recorded, (), erased_at)
    w = _Words(lang, family)
    shown = w.unerased if erased_at is not None else _same
    entries = tuple(
        TimelineEntry(
            version=e.originator_version,
            event=type(e).__name__,
            occurred_on=e.occurred_on,
            recorded_at=e.recorded_at,
            recorded_late=e.recorded_at.date() > e.occurred_on,
            what=shown(_what(e, w)),
            who=f"{e.actor.user_id} ({w.word(e.actor.role)})",
            permitted_by=_maybe(shown, _permitted_by(e, w)),
            family_knew=_maybe(shown, _family_knew(e, w)),
            erased=erased_at is not None and holds_erased(e),
        )
        for e in selected
    )
    return Timeline(
        str(family.id),
        shown(family.label),
        lang,
        as_of,
        as_recorded,
        entries,
        erased_at,
    )


def _same(text: str) -> str:
    return text


def _maybe(shown: Callable[[str], str], text: str | None) -> str | None:
    return None if text is None else shown(text)
