"""Verify the access log's chain: every row as written, none missing, none added.

Each access-log row carries its number (``seq``: 1, 2, 3 … without gaps), the
digest of the row before (``prev``; ``GENESIS`` for the first) and its own
digest over both and its values (:meth:`ChainKey.access_digest
<familiekoordinering.integrity.chain.ChainKey.access_digest>`). Reading the rows
in seq order, :class:`AccessLogVerifier` finds

* a row whose values no longer match its digest (``MODIFIED``), or whose digest
  is what a writer *without* the store's key would compute (``INSERTED``);
* a row whose values or whole row belong at another position (``REORDERED``),
  when the row it changed places with is also found;
* missing seq numbers, or a row that does not follow the row before it
  (``DELETED``);
* against a checkpoint — the ``(seq, digest)`` of the newest row, taken with
  the log's ``head()`` and kept outside the database — a log that ends before
  the checkpoint's row (``TRUNCATED``) or holds another row in its place
  (``MODIFIED``). Without a checkpoint, the removal of the newest rows cannot
  be seen.

Rows written before the log was chained (no digest; by an earlier version of
the library) pass only up to ``unchained_upto`` — the newest row when the
store's chain start was recorded (``familiekoordinering chain``) — and only
before the first chained row; nothing in them is verified. Any other row
without a digest is reported as ``INSERTED``, as is a row numbered below 1.
Without a master key the digests are plain SHA-256, which anyone with write
access can recompute: then the chain shows careless tampering and
accidents, and only a checkpoint shows more.

Pure: no clock, file or database. It holds only the last row's state and the
few rows that broke, so it verifies millions of rows at the speed of hashing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from familiekoordinering.integrity.breaks import Break, BreakKind, Ledger
from familiekoordinering.integrity.chain import GENESIS, ChainKey

if TYPE_CHECKING:  # at run time only attributes are read (and no import cycle)
    from uuid import UUID

    from familiekoordinering.access.log import AccessRow

__all__ = ["AccessLogVerifier", "verify_access_log"]

_MAX_SUSPECTS = 64
"""Broken rows kept to see whether they changed places (beyond: MODIFIED at once)."""
_MAX_MISSING = 64
"""Missing seq numbers kept as places a broken row may have come from."""


def _span(first: int, last: int) -> str:
    if first == last:
        return f"row {first} is missing"
    count = last - first + 1
    if count > 3:
        return f"rows {first}–{last} ({count} rows) are missing"
    return f"rows {first}–{last} are missing"


class AccessLogVerifier:
    """Verify an access log fed in seq order, in as many batches as suits the reader.

    ``key`` is the store's chain key; ``checkpoint`` the ``(seq, digest)`` of
    the newest row when it was taken (the log's ``head()``), or None. Feed the
    whole log from its first row (:meth:`feed`, e.g. one ``rows(start, limit)``
    batch at a time), then call :meth:`finish` for the breaks found.
    """

    def __init__(
        self,
        key: ChainKey,
        checkpoint: tuple[int, str] | None = None,
        *,
        unchained_upto: int = 0,
    ) -> None:
        self.key = key
        self.checkpoint = checkpoint
        self.unchained_upto = unchained_upto
        """Rows up to this seq may carry no digest (written before chaining)."""
        self._unkeyed = key.unkeyed() if key.keyed else None
        self._breaks: list[Break] = []
        self._suspects: list[AccessRow] = []
        self._missing: list[int] = []
        self._last: int | None = None
        """The greatest seq taken so far."""
        self._last_chained = False
        self._chained = False
        """Whether a row with a digest has been seen (rows without one now break)."""
        self._prev = GENESIS
        """What the next row's ``prev`` must be."""
        self._link = True
        """Whether the next row's ``prev`` can be checked (the row before was intact)."""
        self._cp_seq, self._cp_digest = checkpoint or (-1, "")

    def feed(self, rows: Iterable[AccessRow]) -> None:
        """Verify the next rows of the log (in seq order)."""
        digest_of = self.key.access_digest
        cp_seq, cp_digest = self._cp_seq, self._cp_digest
        for row in rows:
            seq = row.seq
            last = self._last
            digest = row.digest
            if seq <= 0:
                self._add(
                    BreakKind.INSERTED,
                    row,
                    f"row {seq} is numbered where the library never writes a row: "
                    "it was inserted beneath it",
                )
                continue
            if last is not None and seq <= last:
                self._out_of_order(row, last)
                continue
            chained = digest is not None
            gap = False
            if chained or self._last_chained:
                first_missing = 1 if last is None else last + 1
                if seq > first_missing:
                    gap = True
                    self._gap(first_missing, seq)
            if digest is None:
                if self._chained or seq > self.unchained_upto:
                    self._add(
                        BreakKind.INSERTED,
                        row,
                        f"row {seq} carries no digest, as every row this library "
                        "writes does: it was written, or rewritten, beneath it",
                    )
                    self._link = False
                    intact = False
                else:  # written before chaining: not covered
                    self._prev = GENESIS
                    self._link = True
                    intact = True
            else:
                prev = row.prev
                intact = prev is not None and digest_of(prev, seq, row.fields) == digest
                if not intact:
                    self._broken(row)
                elif self._link and not gap and prev != self._prev:
                    self._add(
                        BreakKind.DELETED,
                        row,
                        f"row {seq} was written after another row than the stored row "
                        f"{seq - 1}: rows were removed and the rest renumbered, or "
                        f"row {seq - 1} was replaced",
                    )
                self._prev = digest
                self._link = intact
                self._chained = True
            if seq == cp_seq and intact and (digest or GENESIS) != cp_digest:
                self._add(
                    BreakKind.MODIFIED,
                    row,
                    f"row {seq} is not the row the checkpoint recorded: "
                    "it was replaced",
                )
            self._last = seq
            self._last_chained = chained

    def finish(self) -> list[Break]:
        """The breaks found, by position; none for an untampered log."""
        breaks = list(self._breaks)
        breaks.extend(self._settle_suspects())
        if self.checkpoint is not None:
            cp_seq = self.checkpoint[0]
            last = self._last or 0
            if last < cp_seq:
                where = (
                    "the log is empty"
                    if self._last is None
                    else f"the log ends at row {last}"
                )
                breaks.append(
                    Break(
                        BreakKind.TRUNCATED,
                        Ledger.ACCESS_LOG,
                        None,
                        last + 1,
                        f"{where}, but the checkpoint recorded row {cp_seq}: "
                        f"{_span(last + 1, cp_seq)}",
                    )
                )
        breaks.sort(key=lambda b: b.position)
        return breaks

    # ----------------------------------------------------------------- helpers

    def _add(self, kind: BreakKind, row: AccessRow, message: str) -> None:
        self._breaks.append(
            Break(kind, Ledger.ACCESS_LOG, row.family_id, row.seq, message)
        )

    def _out_of_order(self, row: AccessRow, last: int) -> None:
        if row.seq == last:
            self._add(
                BreakKind.INSERTED,
                row,
                f"a second row numbered {row.seq}: it was not written by this library",
            )
        else:
            self._add(
                BreakKind.REORDERED,
                row,
                f"row {row.seq} is stored after row {last}: rows were moved",
            )

    def _gap(self, first: int, seq: int) -> None:
        room = _MAX_MISSING - len(self._missing)
        if room > 0:
            self._missing.extend(range(first, min(seq, first + room)))
        family: UUID | None = None  # whose reads they were is gone with them
        self._breaks.append(
            Break(
                BreakKind.DELETED,
                Ledger.ACCESS_LOG,
                family,
                first,
                f"{_span(first, seq - 1)} (row {seq} follows "
                + ("the start of the log)" if first == 1 else f"row {first - 1})"),
            )
        )

    def _broken(self, row: AccessRow) -> None:
        unkeyed = self._unkeyed
        if (
            unkeyed is not None
            and row.prev is not None
            and unkeyed.access_digest(row.prev, row.seq, row.fields) == row.digest
        ):
            self._add(
                BreakKind.INSERTED,
                row,
                f"row {row.seq} was written without the store's key "
                "(its digest is the unkeyed one): not by this library",
            )
        elif len(self._suspects) < _MAX_SUSPECTS:
            self._suspects.append(row)  # settled in finish(): moved or changed
        else:
            self._add(BreakKind.MODIFIED, row, _modified(row.seq))

    def _settle_suspects(self) -> list[Break]:
        digest_of = self.key.access_digest
        places = sorted({s.seq for s in self._suspects} | set(self._missing))
        found = []
        for row in self._suspects:
            kind, message = BreakKind.MODIFIED, _modified(row.seq)
            for other in self._suspects:
                if (
                    other.seq != row.seq
                    and other.prev is not None
                    and digest_of(other.prev, other.seq, row.fields) == other.digest
                ):
                    kind = BreakKind.REORDERED
                    message = (
                        f"row {row.seq} holds the entry written as row {other.seq}: "
                        "rows' values were swapped or moved"
                    )
                    break
            else:
                for place in places:
                    if (
                        place != row.seq
                        and row.prev is not None
                        and digest_of(row.prev, place, row.fields) == row.digest
                    ):
                        kind = BreakKind.REORDERED
                        message = (
                            f"row {row.seq} is the row written as row {place}: "
                            "rows were swapped or moved"
                        )
                        break
            found.append(
                Break(kind, Ledger.ACCESS_LOG, row.family_id, row.seq, message)
            )
        return found


def _modified(seq: int) -> str:
    return f"row {seq} was changed after it was written: its values do not match its digest"


def verify_access_log(
    key: ChainKey,
    rows: Iterable[AccessRow],
    *,
    checkpoint: tuple[int, str] | None = None,
    unchained_upto: int = 0,
) -> list[Break]:
    """The breaks in an access log given as all its rows in seq order (none: intact).

    A convenience for :class:`AccessLogVerifier`; ``rows`` may be a generator
    reading the store in batches.
    """
    verifier = AccessLogVerifier(key, checkpoint, unchained_upto=unchained_upto)
    verifier.feed(rows)
    return verifier.finish()
