"""What the programmes' family stories share: a family enrolled, and its steps.

:func:`enrol` enrols a family of a demo programme and assigns its coordinator;
the :class:`Household` it returns adds the members and records the steps every
programme's families take (consents, goals and steps, the sector plan,
meetings, contacts, progress, surveys, the end of follow-up), in the
programme's own words: the phrase keys name the texts of the programme's
phrase table, and the household's :class:`~familiekoordinering.demo._common.Words`
keep one phrase of each list for the family.

Each step draws from the run's random numbers exactly as the stories wrote it
out before: an id first, then the words of the record it names, then the rest
in the order of the record's fields. So the same programme and seed give the
same demo, to the byte; a step a programme records differently is its own.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import attrs

from familiekoordinering.demo._common import (
    DemoProgramme,
    DemoRun,
    Words,
    givers,
    research_giver,
    survey,
)
from familiekoordinering.domain.actions import Channel, FamilyKnows
from familiekoordinering.domain.capacity import entitled
from familiekoordinering.domain.consent import ConsentForm, ConsentScope
from familiekoordinering.domain.core import EndReason
from familiekoordinering.domain.plan import Responsible, ResponsibleKind, SectorPlanKind
from familiekoordinering.domain.programme import Eligibility, ReferralSource, add_months
from familiekoordinering.domain.survey import SurveyKind
from familiekoordinering.domain.values import (
    Actor,
    Agency,
    AgencyKind,
    ConsentId,
    FamilyId,
    GoalId,
    MeetingId,
    Member,
    MemberId,
    MemberKind,
    OutwardActionId,
    Role,
    StepId,
    Topic,
    age_on,
)
from familiekoordinering.errors import ConsentRequiredError

__all__ = [
    "FamilyPlan",
    "Household",
    "coordinator",
    "coordinators",
    "enrol",
    "made_up",
]


def made_up(
    n: int, first_names: Sequence[str], surnames: Sequence[str]
) -> tuple[str, str]:
    """The ``n``-th made-up person: (user id, name), none sharing a user id.

    The user id is the first name's initial and the surname, in plain letters
    ("l-ostergaard"), and a number from the second round of names on.
    """
    first = first_names[n % len(first_names)]
    last = surnames[n // len(first_names) % len(surnames)]
    round_ = n // (len(first_names) * len(surnames))
    plain = last.lower().replace("ø", "o").replace("æ", "ae").replace("å", "aa")
    return (
        f"{first[0].lower()}-{plain}{round_ + 1 if round_ else ''}",
        f"{first} {last}",
    )


def coordinator(
    n: int,
    named: Sequence[tuple[str, str]],
    first_names: Sequence[str],
    surnames: Sequence[str],
) -> tuple[str, str]:
    """The ``n``-th coordinator (user id, name): the ``named`` ones, then made up."""
    if n < len(named):
        return named[n]
    return made_up(n - len(named), first_names, surnames)


def coordinators(
    families: int,
    named: Sequence[tuple[str, str]],
    caseload: int,
    first_names: Sequence[str],
    surnames: Sequence[str],
) -> list[tuple[str, str]]:
    """The coordinators (user id, name) for ``families``, ``caseload`` each at most.

    The ``named`` ones first, then made up.
    """
    wanted = max(len(named), -(-families // caseload))
    return [coordinator(n, named, first_names, surnames) for n in range(wanted)]


@attrs.frozen
class FamilyPlan:
    """The plan made at a family's first meeting: its goals and first steps."""

    work_goal: GoalId
    economy_goal: GoalId
    leisure_goal: GoalId
    apply_step: StepId
    """The family's step towards the economy goal (applying for housing support)."""
    leisure_step: StepId
    """The coordinator's step towards the child's leisure goal."""
    activity: int
    """The child's leisure activity: its position in each ``leisure_*`` phrase list."""


def enrol(
    run: DemoRun,
    index: int,
    demo: DemoProgramme,
    say: Words,
    assigned: tuple[str, str],
    on: date,
    *,
    family_id: UUID,
    label: str,
    referral: ReferralSource,
    eligibility: Eligibility,
) -> Household:
    """Enrol family ``index`` of ``demo`` (by its team lead) and assign its coordinator.

    The caller draws ``family_id`` (``next(run.ids)``) before the referral and
    the eligibility, in that order.
    """
    lead = demo.lead_actor
    fid = run.app.enrol_family(
        family_id=family_id,
        municipality=demo.municipality,
        label=label,
        programme=demo.programme,
        referral=referral,
        eligibility=eligibility,
        occurred_on=on,
        actor=lead,
    )
    run.enrolled[index] = fid
    household = Household(run, demo, fid, label, say, assigned)
    household.assign(on, assigned)
    return household


@attrs.define(eq=False)
class Household:
    """An enrolled family: its members, its coordinator, and the steps it takes.

    Every step is recorded by the family's coordinator, the enrolment, a
    change of coordinator, an extension and the end by the programme's team
    lead; the texts are the programme's phrases (keys of its phrase table),
    ``{fields}`` filled in.
    """

    run: DemoRun
    demo: DemoProgramme
    fid: FamilyId
    surname: str
    say: Words
    assigned: tuple[str, str]
    """The family's coordinator: user id and name."""
    members: dict[MemberId, Member] = attrs.field(factory=dict)
    adults: list[MemberId] = attrs.field(factory=list)
    children: list[MemberId] = attrs.field(factory=list)
    economy: dict[str, int] = attrs.field(factory=dict)
    """The family's yearly ``income``, ``eu60_threshold`` and ``debt`` as its
    surveys start from (the survey's defaults where missing)."""

    @property
    def coordinator(self) -> Actor:
        return Actor(self.assigned[0], Role.COORDINATOR, self.demo.municipality)

    @property
    def lead(self) -> Actor:
        return self.demo.lead_actor

    @property
    def everyone(self) -> list[MemberId]:
        return self.adults + self.children

    def first_name(self, member_id: MemberId) -> str:
        return self.members[member_id].name.split()[0]

    def assign(
        self, on: date, assigned: tuple[str, str], note: str | None = None
    ) -> None:
        """The team lead assigns the family's coordinator (``note``: a phrase key)."""
        self.assigned = assigned
        self.run.app.assign_coordinator(
            self.fid,
            coordinator_id=assigned[0],
            coordinator_name=assigned[1],
            note=None if note is None else self.say(note),
            occurred_on=on,
            actor=self.lead,
        )

    def add(
        self,
        kind: MemberKind,
        given_names: Iterable[str],
        births: Sequence[date],
        on: date,
    ) -> list[MemberId]:
        """Add the adults, or the children (the adults their guardians), oldest first.

        ``given_names`` is read one name before each member is added (a
        generator may draw it then).
        """
        guardians = self.adults if kind is MemberKind.CHILD else []
        added = self.adults if kind is MemberKind.ADULT else self.children
        for given, born in zip(given_names, births, strict=True):
            name = f"{given} {self.surname}"
            member_id = self.run.app.add_member(
                self.fid,
                member_id=next(self.run.ids),
                name=name,
                birth_date=born,
                kind=kind,
                guardian_ids=guardians,
                occurred_on=on,
                actor=self.coordinator,
            )
            self.members[member_id] = Member(
                member_id, name, born, kind, frozenset(guardians)
            )
            added.append(member_id)
        return added

    # ------------------------------------------------------------- consents

    def consent(
        self,
        on: date,
        agency: Agency,
        topics: frozenset[Topic],
        covered: Sequence[MemberId],
        purpose: str,
        *,
        form: ConsentForm,
        given_by: Sequence[MemberId] | None = None,
        excluded: frozenset[Topic] = frozenset(),
        valid_until: date | None = None,
        **fields: object,
    ) -> ConsentId:
        """A consent for ``agency`` about ``topics`` for ``covered``, for the phrase ``purpose``.

        By default it is given by who decides on the day
        (:func:`~familiekoordinering.demo._common.givers`).
        """
        ages = self.demo.programme.consent_ages
        return self.run.app.grant_consent(
            self.fid,
            consent_id=next(self.run.ids),
            scope=ConsentScope(
                agency=agency,
                topics=topics,
                member_ids=frozenset(covered),
                excluded_topics=excluded,
            ),
            given_by=(
                givers(self.members, covered, topics, on, ages)
                if given_by is None
                else given_by
            ),
            form=form,
            purpose=self.say(purpose, **fields),
            valid_until=valid_until,
            occurred_on=on,
            actor=self.coordinator,
        )

    def own_consent(
        self,
        on: date,
        child: Member,
        agency: Agency,
        topic: Topic,
        given_by: Collection[MemberId],
        purpose: str,
        months: int,
    ) -> list[MemberId]:
        """The child's own consent about ``topic``, minuted, once the child decides alone.

        It is needed when none of those who gave the consent so far
        (``given_by``) decides for the child on the day; it returns who gave
        it (nobody when it was not needed). The phrase ``purpose`` is filled
        in with the ``child``'s first name and ``age``.
        """
        ages = self.demo.programme.consent_ages
        if entitled(child, topic, on, ages) & set(given_by):
            return []
        own = givers(self.members, [child.member_id], [topic], on, ages)
        self.consent(
            on,
            agency,
            frozenset({topic}),
            [child.member_id],
            purpose,
            form=ConsentForm.MINUTED_ORAL,
            given_by=own,
            valid_until=add_months(on, months),
            child=child.name.split()[0],
            age=age_on(child.birth_date, on),
        )
        return own

    def research_consents(self, on: date) -> None:
        """Each member's consent to research, given separately."""
        ages = self.demo.programme.consent_ages
        for member in self.everyone:
            self.run.app.give_research_consent(
                self.fid,
                member,
                given_by=research_giver(self.members, member, on, ages),
                occurred_on=on,
                actor=self.coordinator,
            )

    def refuse(
        self, on: date, agency: Agency, topics: frozenset[Topic], note: str
    ) -> None:
        """The family refuses ``agency`` about ``topics``, for everyone."""
        everyone = self.everyone
        self.run.app.refuse_consent(
            self.fid,
            refusal_id=next(self.run.ids),
            scope=ConsentScope(
                agency=agency, topics=topics, member_ids=frozenset(everyone)
            ),
            refused_by=givers(
                self.members, everyone, topics, on, self.demo.programme.consent_ages
            ),
            note=self.say(note),
            occurred_on=on,
            actor=self.coordinator,
        )

    # ------------------------------------------------------ goals and steps

    def _text(self, key: str | None, text: str | None) -> str:
        """The phrase ``key`` (chosen now, if not yet), or else ``text``."""
        if key is not None:
            return self.say(key)
        assert text is not None, "give a phrase key or a text"
        return text

    def goal(
        self,
        on: date,
        area: Topic,
        words: str | None = None,
        *,
        text: str | None = None,
        member_id: MemberId | None = None,
        target_on: date | None = None,
    ) -> GoalId:
        """A goal in the family's own words: the phrase ``words``, or ``text``."""
        return self.run.app.set_goal(
            self.fid,
            goal_id=next(self.run.ids),
            area=area,
            words=self._text(words, text),
            member_id=member_id,
            target_on=target_on,
            occurred_on=on,
            actor=self.coordinator,
        )

    def step(
        self,
        on: date,
        description: str | None,
        responsible: Responsible,
        due_on: date,
        goal_id: GoalId,
        *,
        text: str | None = None,
    ) -> StepId:
        """A step towards ``goal_id``: the phrase ``description``, or ``text``."""
        return self.run.app.agree_step(
            self.fid,
            step_id=next(self.run.ids),
            description=self._text(description, text),
            responsible=responsible,
            due_on=due_on,
            goal_id=goal_id,
            occurred_on=on,
            actor=self.coordinator,
        )

    def sector_plan(
        self,
        on: date,
        kind: SectorPlanKind,
        agency: Agency,
        prefix: str,
        member_id: MemberId,
    ) -> None:
        """A sector plan linked to the family's plan, its reference ``prefix``-nnnnn."""
        self.run.app.link_sector_plan(
            self.fid,
            sector_plan_id=next(self.run.ids),
            kind=kind,
            agency=agency,
            reference=f"{prefix}-{self.run.rng.randrange(10_000, 99_999)}",
            member_id=member_id,
            occurred_on=on,
            actor=self.coordinator,
        )

    def plan(
        self, on: date, *, work_target: date, activity_plan: Agency, prefix: str
    ) -> FamilyPlan:
        """The first meeting's plan, in the family's own words.

        A work goal for the first adult (by ``work_target``), an economy goal
        and the oldest child's leisure goal (one activity, drawn); the family
        applies for housing support, the coordinator goes along to the
        activity the first time; the first adult's activity plan at
        ``activity_plan`` (reference ``prefix``-nnnnn) is linked.
        """
        first, oldest = self.adults[0], self.children[0]
        work_goal = self.goal(
            on, Topic.WORK, "work_goal", member_id=first, target_on=work_target
        )
        economy_goal = self.goal(on, Topic.ECONOMY, "economy_goal")
        activity = self.run.rng.randrange(len(self.demo.phrases["leisure_goal"]))
        leisure_goal = self.goal(
            on,
            Topic.LEISURE,
            text=self.demo.phrases["leisure_goal"][activity],
            member_id=oldest,
        )
        apply_step = self.step(
            on,
            "housing_step",
            Responsible(ResponsibleKind.FAMILY, member_id=first),
            on + timedelta(days=30),
            economy_goal,
        )
        leisure_step = self.step(
            on,
            None,
            Responsible(ResponsibleKind.COORDINATOR),
            on + timedelta(days=21),
            leisure_goal,
            text=self.demo.phrases["leisure_step"][activity],
        )
        self.sector_plan(
            on, SectorPlanKind.NAV_ACTIVITY_PLAN, activity_plan, prefix, first
        )
        return FamilyPlan(
            work_goal, economy_goal, leisure_goal, apply_step, leisure_step, activity
        )

    def progress(self, on: date, goal_id: GoalId, note: str, rating: int) -> None:
        """Progress on a goal, ``note`` already in words."""
        self.run.app.record_goal_progress(
            self.fid,
            goal_id,
            note=note,
            rating=rating,
            occurred_on=on,
            actor=self.coordinator,
        )

    def review(self, on: date, plan: FamilyPlan, stage: int) -> None:
        """How the first meeting's plan goes, at its ``stage``-th review (0 to 2).

        First the bills are sorted, the application is made and the child goes
        to the activity; then the work goal moves and the leisure goal is
        reached; then the budget holds.
        """
        if stage == 0:
            self.progress(on, plan.economy_goal, self.say("economy_progress"), 4)
            self.run.app.complete_step(
                self.fid, plan.apply_step, occurred_on=on, actor=self.coordinator
            )
            leisure = self.demo.phrases["leisure_progress"][plan.activity]
            self.progress(on, plan.leisure_goal, leisure, 8)
        elif stage == 1:
            self.progress(on, plan.work_goal, self.say("work_progress"), 6)
            self.run.app.achieve_goal(
                self.fid, plan.leisure_goal, occurred_on=on, actor=self.coordinator
            )
        elif stage == 2:
            self.progress(on, plan.economy_goal, self.say("budget_progress"), 7)

    # ------------------------------------------------- meetings and contacts

    def meeting(
        self,
        on: date,
        *decisions: str,
        others: Sequence[str] = (),
        participant: str | None = None,
        agency: Agency | None = None,
        **fields: object,
    ) -> MeetingId:
        """A meeting with the family's adults, deciding the phrases ``decisions``.

        The coordinator meets them with ``others`` and, from ``agency``, the
        phrase ``participant``; ``fields`` fill in the decisions.
        """
        return self.run.app.hold_meeting(
            self.fid,
            meeting_id=next(self.run.ids),
            participants=[
                self.assigned[1],
                *others,
                *([] if participant is None else [self.say(participant)]),
            ],
            members_present=self.adults,
            agencies_present=[] if agency is None else [agency],
            decisions=[self.say(key, **fields) for key in decisions],
            occurred_on=on,
            actor=self.coordinator,
        )

    def contact(
        self,
        on: date,
        agency: Agency,
        topics: Sequence[Topic],
        member_ids: Sequence[MemberId],
        purpose: str,
        channel: Channel,
        family_knows: FamilyKnows,
        **fields: object,
    ) -> OutwardActionId:
        """A contact with ``agency`` about ``member_ids``, for the phrase ``purpose``."""
        return self.run.app.record_contact(
            self.fid,
            action_id=next(self.run.ids),
            agency=agency,
            topics=topics,
            member_ids=member_ids,
            purpose=self.say(purpose, **fields),
            channel=channel,
            family_knows=family_knows,
            occurred_on=on,
            actor=self.coordinator,
        )

    def work_meeting(self, on: date, agency: Agency) -> None:
        """A meeting at ``agency`` with the first adult about their work.

        Its purpose is the phrase ``year_contact_purpose``.
        """
        self.contact(
            on,
            agency,
            [Topic.WORK],
            self.adults[:1],
            "year_contact_purpose",
            Channel.MEETING,
            FamilyKnows.present(),
        )

    def told(
        self, on: date, action_id: OutwardActionId, plan: FamilyPlan, **fields: object
    ) -> None:
        """The family is told of a contact by phone; the coordinator's leisure step is done."""
        self.run.app.record_family_informed(
            self.fid,
            action_id,
            channel=Channel.PHONE,
            note=self.say("informed_note", **fields),
            occurred_on=on,
            actor=self.coordinator,
        )
        self.run.app.complete_step(
            self.fid,
            plan.leisure_step,
            occurred_on=on,
            actor=self.coordinator,
            note=self.demo.phrases["leisure_done"][plan.activity],
        )

    def try_uncovered(self, on: date, member_id: MemberId) -> None:
        """Try a contact with NAV about the parenting role, which no consent covers.

        It is refused and nothing is stored; the report lists the refusal.
        """
        try:
            self.run.app.record_contact(
                self.fid,
                agency=Agency(AgencyKind.NAV),
                topics=[Topic.PARENTING],
                member_ids=[member_id],
                purpose=self.say("refused_purpose"),
                channel=Channel.PHONE,
                family_knows=FamilyKnows.present(),
                occurred_on=on,
                actor=self.coordinator,
            )
        except ConsentRequiredError as refused:
            self.run.report.refused.append(f"{self.surname}: {refused}")

    # ------------------------------------------------------ surveys and end

    def survey(
        self,
        on: date,
        kind: SurveyKind,
        year: int,
        note: str | None = None,
        *,
        adjust: Callable[[dict[str, Any]], None] | None = None,
        note_fields: Mapping[str, object] | None = None,
        **economy: int,
    ) -> None:
        """A survey in the family's ``year``-th year, and the phrase ``note``.

        The answers (:func:`~familiekoordinering.demo._common.survey`) start
        from the household's :attr:`economy`, then the ``economy`` given;
        ``adjust`` changes them before they are recorded.
        """
        answers = survey(
            self.run.rng,
            self.run.ids,
            kind,
            year,
            on,
            self.members,
            self.adults,
            self.children,
            **(self.economy | economy),
        )
        if adjust is not None:
            adjust(answers)
        self.run.app.complete_survey(
            self.fid,
            **answers,
            note=None if note is None else self.say(note, **(note_fields or {})),
            occurred_on=on,
            actor=self.coordinator,
        )

    def extend(self, on: date, until: date, **fields: object) -> None:
        """The team lead extends the follow-up until ``until``, for ``extension_reason``."""
        self.run.app.extend_follow_up(
            self.fid,
            until=until,
            reason=self.say("extension_reason", **fields),
            decided_by=self.say("extension_decided_by", lead=self.demo.lead[1]),
            occurred_on=on,
            actor=self.lead,
        )

    def end(self, on: date, reason: EndReason, note: str, **fields: object) -> None:
        """The team lead ends the follow-up, for the phrase ``note``."""
        self.run.app.end_follow_up(
            self.fid,
            reason=reason,
            note=self.say(note, **fields),
            occurred_on=on,
            actor=self.lead,
        )

    def count(self) -> None:
        """Add the family's events to the report."""
        self.run.report.events += self.run.app.get_family(
            self.fid, actor=self.lead
        ).version
