"""Erasure (crypto-shredding) and retention: a family's personal data destroyed.

Erasing destroys the family's key; the store then refuses any event for it.
Retention finds the families whose follow-up ended long enough ago.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import cast
from uuid import UUID

from familiekoordinering.access import Access, require
from familiekoordinering.checks import checked
from familiekoordinering.domain.family import Family
from familiekoordinering.domain.values import Actor, FamilyId
from familiekoordinering.engine import Engine
from familiekoordinering.errors import (
    ConfigurationError,
    ErasureIncompleteError,
    FamilyErasedError,
    InvalidInputError,
    RuleViolationError,
)
from familiekoordinering.protection import Erasure, Keyring
from familiekoordinering.serialisation import CattrsMapper
from familiekoordinering.services.reading import Reader, facts, unknown

__all__ = ["DEFAULT_ERASURE_WAIT", "Erasures"]

_log = logging.getLogger(__name__)
"""Erasures made and left unfinished: ids and user ids, never personal data."""

DEFAULT_ERASURE_WAIT = 5.0
"""How long an erasure waits for readers that hold a destroyed key's old bytes."""


class Erasures:
    """Erasure and retention over one store."""

    def __init__(
        self,
        reader: Reader,
        *,
        wait: Callable[[], float] = lambda: DEFAULT_ERASURE_WAIT,
    ) -> None:
        self.reader = reader
        self.engine: Engine = reader.engine
        self.wait = wait
        """The default wait of :meth:`erase` (read when it runs)."""

    def keyring(self, doing: str) -> Keyring:
        """The store's keyring; refused when the store does not encrypt."""
        if self.engine.keyring is None:
            raise ConfigurationError(
                f"{doing} needs encryption: open the store with the master key "
                "(FamilyCoordination(..., master_key=...))"
            )
        return self.engine.keyring

    @checked
    def erase(
        self, family_id: UUID, *, actor: Actor, wait: float | None = None
    ) -> Erasure:
        """Erase the family's personal data by destroying its key (crypto-shredding).

        Names, birth dates and free text become unreadable everywhere, in
        every process of the store at once: in the events and the snapshots
        (sealed with the key) and in the views (which hold none: they read
        personal fields from the sealed events). Ids, dates, categories and
        survey scores stay, so anonymous statistics are unchanged. The
        family's record is closed: the store refuses any event for it from now
        on, also from a process that had it loaded, and no new key is ever
        made for it.

        The destroyed key's old bytes are then removed from the store's files,
        waiting up to ``wait`` seconds (default 5) for connections that are
        reading the store. If one still is,
        :class:`~familiekoordinering.errors.ErasureIncompleteError` says so
        (the erasure itself holds); finish with ``finish_erasures``.

        Raises :class:`~familiekoordinering.errors.FamilyErasedError` if it was
        erased already, and
        :class:`~familiekoordinering.errors.RuleViolationError` if some of its
        events were stored before encryption was turned on (their personal
        data is not sealed).
        """
        keyring = self.keyring("erasing a family")
        family = self.reader.load(family_id)
        require(actor, Access.ERASE, facts(family), unknown=unknown(family_id))
        return self.shred(keyring, family.id, "family", actor=actor, wait=wait)

    def shred(
        self,
        keyring: Keyring,
        originator_id: UUID,
        what: str,
        *,
        actor: Actor,
        wait: float | None,
    ) -> Erasure:
        """Destroy the key of ``originator_id`` (a ``what``: a family or an inquiry).

        The caller has loaded it and checked that ``actor`` may erase it; the
        rest is :meth:`erase`'s: refused if erased already or if some of its
        events hold personal data in the clear, then the key destroyed, the
        cached copies forgotten and the old bytes purged.
        """
        done = keyring.erasure(originator_id)
        if done is not None:
            raise FamilyErasedError(
                f"{what} {originator_id} was erased already, on "
                f"{done.erased_at:%Y-%m-%d} by {done.erased_by}"
            )
        clear = self._clear_personal_events(originator_id)
        if clear:
            raise RuleViolationError(
                f"{len(clear)} event(s) of {what} {originator_id} (versions "
                f"{', '.join(map(str, clear[:5]))}{'…' if len(clear) > 5 else ''}) "
                "were stored before encryption was turned on: destroying the key "
                "would not erase their personal data"
            )
        erasure = Erasure(originator_id, self.engine.now(), actor.user_id)
        keyring.erase(erasure)
        _log.info("%s %s erased by %s: its key is destroyed", what, originator_id,
                  actor.user_id)  # fmt: skip
        self.engine.fresh(originator_id)
        self._purge_keys(keyring, wait, f"{what} {originator_id}'s key is destroyed")
        return erasure

    @checked
    def finish_erasures(self, *, actor: Actor, wait: float | None = None) -> None:
        """Remove destroyed keys' old bytes from the store's files.

        What ``erase`` does last; run it after an
        :class:`~familiekoordinering.errors.ErasureIncompleteError`. Raises that
        error again if a connection still holds the old bytes after ``wait``
        seconds.
        """
        require(actor, Access.ERASE, municipality=actor.municipality)
        self._purge_keys(
            self.keyring("finishing erasures"),
            wait,
            "the erased families' keys are destroyed",
        )

    def _purge_keys(self, keyring: Keyring, wait: float | None, done: str) -> None:
        if wait is None:
            wait = self.wait()
        if wait < 0:
            raise InvalidInputError(f"wait is {wait}: give 0 or more seconds")
        if not keyring.purge(wait):
            _log.warning("erasure incomplete: a reader held the store's files for "
                         "over %g s; finish with finish_erasures", wait)  # fmt: skip
            raise ErasureIncompleteError(
                f"{done} and no personal data of theirs can be read any more, but "
                f"another connection has been reading the store for over {wait:g} s "
                "and holds an old copy of the key in the store's files: finish with "
                "'familiekoordinering erase --finish' (FamilyCoordination."
                "finish_erasures) once it is done, or give a longer wait"
            )

    def _clear_personal_events(self, family_id: UUID) -> list[int]:
        """The versions of the family's events holding personal data in the clear."""
        mapper = cast(CattrsMapper, self.engine.mapper)
        return [
            stored.originator_version
            for stored in self.engine.recorder.select_events(family_id)
            if mapper.holds_clear_personal_data(stored)
        ]

    @checked
    def due_for_erasure(self, *, on: date, years: int, actor: Actor) -> list[FamilyId]:
        """Families whose follow-up ended more than ``years`` years before ``on``.

        Only the actor's municipality's families, and not those erased already.
        Read from the log's "follow-up ended" events (ids and dates only).
        """
        require(actor, Access.ERASE, municipality=actor.municipality)
        if isinstance(years, bool) or not isinstance(years, int) or years < 0:
            raise InvalidInputError(
                f"years is {years!r}: give a whole number, 0 or more"
            )
        if on.year - years < 1:
            return []  # nothing ended before the calendar began
        try:
            cutoff = on.replace(year=on.year - years)
        except ValueError:  # 29 February
            cutoff = on.replace(year=on.year - years, day=28)
        due: list[FamilyId] = []
        for note, payload in self.reader.notes(Family.FollowUpEnded.TOPIC):
            ended_on = date.fromisoformat(payload["occurred_on"])
            family_id = FamilyId(UUID(str(note.originator_id)))
            if (
                ended_on < cutoff
                and payload["actor"]["municipality"] == actor.municipality
                and self.reader.load(family_id).municipality == actor.municipality
                and self.reader.erasure(family_id) is None
            ):
                due.append(family_id)
        self.reader.log_reads(actor, Access.ERASE, due, "family list")
        return due
