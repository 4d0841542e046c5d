"""Every rule of the log verifier, on rows built in memory, with the exact break.

:class:`~familiekoordinering.integrity.verify.LogVerifier` is driven directly
with notification rows ``(id, family, version, topic, data)`` and snapshot rows
whose payloads are chained here with the store's key, then changed the way
someone with write access to the database would change them. Each case
compares the whole :class:`~familiekoordinering.integrity.Break` — kind,
ledger, family, position and message, which the data-protection officer
reads — with a literal expectation; the log's digest is computed here
independently of the library, so that checkpoints kept for years stay
comparable. It reads no store and runs in well under a second: it is what
mutation testing of ``integrity/verify.py`` runs (see docs/consent.md).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import pickle
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import attrs
import pytest

from familiekoordinering.integrity import (
    GENESIS,
    Break,
    BreakKind,
    ChainKey,
    Checkpoint,
    Ledger,
    chain_key,
)
from familiekoordinering.integrity.verify import (
    CHUNK_BITS,
    LogVerifier,
    NotificationRow,
    SnapshotRow,
    merge,
)

pytestmark = pytest.mark.domain

MASTER = bytes(range(32))
KEY = chain_key(MASTER)
UNKEYED = chain_key(None)
A = UUID("a1a1a1a1-0000-4000-8000-00000000000a")
B = UUID("b2b2b2b2-0000-4000-8000-00000000000b")
C = UUID("c3c3c3c3-0000-4000-8000-00000000000c")
ENROLLED = "familiekoordinering:Family.Enrolled"
CONTACT = "familiekoordinering:Family.ContactRecorded"
SNAPSHOT = "familiekoordinering:Family"
AT = datetime(2026, 3, 4, 5, 6, tzinfo=UTC)
WHEN = "2026-03-04 05:06"
CHUNK = 1 << CHUNK_BITS
OTHER = "9" * 64
"""A digest no event has."""

CHANGED = (
    "the event's bytes are not what was written (or it was moved here from "
    "another family or topic)"
)
FORGED = (
    "the event was written without the store's key: it was forged beneath the library"
)
BARE = (
    "the event carries no digest, where every event written by this library "
    "does: it was written beneath the library"
)
BEFORE_CHAINING = (
    "the event was written before chaining began: run 'familiekoordinering "
    "chain' once to start verification here"
)
FORM = (
    "is stored in a form this library never writes: a position below 1, or a "
    "missing or mistyped value"
)
SNAPSHOT_CHANGED = "the snapshot's bytes are not what was written"
SNAPSHOT_BARE = (
    "the snapshot carries no digest: it was written before chaining began; run "
    "'familiekoordinering chain' once"
)
STORE_CHANGED = (
    "the store's log up to the checkpoint is not what it was: an event was "
    "changed, removed, inserted or moved"
)


def follows(version: int) -> str:
    return (
        f"event {version} does not follow this event as stored: it was replaced, "
        "or an event was inserted before it"
    )


def history_changed() -> str:
    return (
        "the family's history up to this event is not what it was at the "
        f"checkpoint of {WHEN}"
    )


def stands_for(version: int) -> str:
    return (
        f"the snapshot does not stand for event {version} as stored (the event "
        "or the snapshot was changed, or the event is gone)"
    )


# ------------------------------------------------------------------- building


@dataclass(frozen=True)
class Event:
    """An event as the library writes it (or as a test forges it)."""

    family: UUID
    version: int
    topic: str
    data: bytes
    digest: str
    """What the verifier takes as its digest (the unchained one for a bare event)."""


def event(
    family: UUID,
    version: int,
    prev: str,
    *,
    topic: str = CONTACT,
    fields: bytes | None = None,
    key: ChainKey = KEY,
    written_as: int | None = None,
) -> Event:
    """An event chained after ``prev`` (written as event ``written_as``, if given)."""
    members = b'"n":%d' % version if fields is None else fields
    body = b'{%s,"_prev":"%s"}' % (members, prev.encode())
    as_version = version if written_as is None else written_as
    data, digest = key.chain(body, family, as_version, topic)
    return Event(family, version, topic, data, digest)


def bare(family: UUID, version: int, data: bytes, *, topic: str = CONTACT) -> Event:
    """An event without chain members (written before chaining, or beneath it)."""
    digest = KEY.unchained_digest(family, version, topic, data)
    return Event(family, version, topic, data, digest)


def history(
    family: UUID, count: int, *, municipality: bytes = b"4204", key: ChainKey = KEY
) -> list[Event]:
    """A family's events 1..count: its enrolment in ``municipality``, then contacts."""
    events: list[Event] = []
    prev = GENESIS
    for version in range(1, count + 1):
        if version == 1:
            e = event(
                family,
                1,
                prev,
                topic=ENROLLED,
                fields=b'"municipality":"%s"' % municipality,
                key=key,
            )
        else:
            e = event(family, version, prev, key=key)
        events.append(e)
        prev = e.digest
    return events


def row(n: int, e: Event) -> NotificationRow:
    """The row at notification ``n``: forms alternate as databases hand them out."""
    if n % 2:
        return (n, e.family.hex.encode(), e.version, e.topic, e.data)
    return (n, str(e.family), e.version, e.topic.encode(), e.data)


def rows(events: Iterable[Event], start: int = 1) -> list[NotificationRow]:
    return [row(n, e) for n, e in enumerate(events, start)]


def at(placed: Iterable[tuple[int, Event]]) -> list[NotificationRow]:
    return [row(n, e) for n, e in placed]


def interleave(*families: Sequence[Event]) -> list[Event]:
    out: list[Event] = []
    for i in range(max(len(f) for f in families)):
        out += [f[i] for f in families if i < len(f)]
    return out


def changed(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) == 1
    return data.replace(old, new)


def fed(
    feed: Iterable[NotificationRow],
    snapshots: Iterable[SnapshotRow] = (),
    **options: Any,
) -> LogVerifier:
    verifier = LogVerifier(options.pop("key", KEY), **options)
    verifier.feed_snapshots(snapshots)
    verifier.feed(feed)
    return verifier


def found(
    feed: Iterable[NotificationRow],
    snapshots: Iterable[SnapshotRow] = (),
    store_level: bool = True,
    **options: Any,
) -> list[Break]:
    verifier = fed(feed, snapshots, **options)
    return verifier.finish() if store_level else verifier.finish(store_level=False)


def brk(
    kind: BreakKind,
    family: UUID | None,
    position: int,
    message: str,
    ledger: Ledger = Ledger.EVENTS,
) -> Break:
    return Break(kind, ledger, family, position, message)


def log_cut_short(*, holds: int) -> Break:
    """The store-level break when the log holds ``holds`` of the checkpoint's 7."""
    return brk(
        BreakKind.TRUNCATED,
        None,
        7,
        "the checkpoint counted 7 event(s) up to notification 7; the store "
        f"holds {holds} there",
        Ledger.STORE,
    )


# The log's digest, computed here apart from the library: one running digest
# per 65,536 notification ids over "id:digest;" entries, and over those
# "chunk:digest;" (HMAC-SHA-256 under the key derived from the master key).
SECRET = hmac.digest(MASTER, b"familiekoordinering chain key v1", "sha256")


def _log_hash(keyed: bool) -> Any:
    h: Any = hmac.new(SECRET, digestmod="sha256") if keyed else hashlib.sha256()
    h.update(b"familiekoordinering/log/1\0")
    return h


def log_digest(entries: Iterable[tuple[int, str]], *, keyed: bool = True) -> str:
    chunks: dict[int, bytes] = {}
    for n, digest in entries:
        chunk = (n - 1) // 65536
        chunks[chunk] = chunks.get(chunk, b"") + f"{n}:{digest};".encode()
    whole = _log_hash(keyed)
    for chunk in sorted(chunks):
        part = _log_hash(keyed)
        part.update(chunks[chunk])
        whole.update(f"{chunk}:{part.hexdigest()};".encode())
    return str(whole.hexdigest())


# ------------------------------------------------------------- a clean log


def test_a_clean_interleaved_log_of_several_families_has_no_break() -> None:
    a, b, c = history(A, 4), history(B, 2, municipality=b"0301"), history(C, 3)
    log = interleave(a, b, c)
    verifier = fed(rows(log[:4]))
    verifier.feed(rows(log[4:], start=5))
    assert verifier.finish() == []
    assert (verifier.events, verifier.position, verifier.unchained) == (9, 9, False)
    assert verifier.heads == {
        str(A): (4, a[3].digest),
        str(B): (2, b[1].digest),
        str(C): (3, c[2].digest),
    }
    assert verifier.municipalities == {str(A): "4204", str(B): "0301", str(C): "4204"}
    assert verifier.head() == log_digest((n, e.digest) for n, e in enumerate(log, 1))
    assert verifier.head() == verifier.head()


def test_an_unkeyed_store_verifies_under_the_unkeyed_construction() -> None:
    a = history(A, 3, key=UNKEYED)
    verifier = fed(rows(a), key=UNKEYED)
    assert verifier.finish() == []
    assert verifier.head() == log_digest(
        ((n, e.digest) for n, e in enumerate(a, 1)), keyed=False
    )


def test_a_fresh_verifier_has_fed_nothing() -> None:
    verifier = LogVerifier(KEY)
    verifier.feed([])
    assert (verifier.events, verifier.position, verifier.unchained) == (0, 0, False)
    assert verifier.finish() == []
    assert verifier.heads == {}
    assert verifier.head() == log_digest([])


def test_municipalities_come_only_from_an_intact_enrolment() -> None:
    enrolled = history(A, 2)
    text_topic = history(B, 1, municipality=b"0301")
    numeric = event(C, 1, GENESIS, topic=ENROLLED, fields=b'"municipality":4204')
    d = UUID(int=0xD)
    not_enrolment = event(d, 1, GENESIS, fields=b'"municipality":"1103"')
    e = UUID(int=0xE)
    without = event(e, 1, GENESIS, topic=ENROLLED, fields=b'"name":"x"')
    f = UUID(int=0xF)
    not_json = event(f, 1, GENESIS, topic=ENROLLED, fields=b'"municipality":,')
    g = UUID(int=0x10)
    forged = history(g, 1)[0]
    forged = replace(forged, data=changed(forged.data, b"4204", b"4205"))
    log = [*enrolled, *text_topic, numeric, not_enrolment, without, not_json, forged]
    feed = rows(log)
    feed[2] = (3, B.hex.encode(), 1, ENROLLED, text_topic[0].data)
    verifier = fed(feed)
    assert verifier.finish() == [brk(BreakKind.MODIFIED, g, 1, CHANGED)]
    assert verifier.municipalities == {str(A): "4204", str(B): "0301", str(C): "4204"}


def test_an_enrolment_after_the_first_names_the_municipality() -> None:
    first = history(A, 1)[0]
    again = event(A, 2, first.digest, topic=ENROLLED, fields=b'"municipality":"0301"')
    verifier = fed(rows([first, again]))
    assert verifier.finish() == []
    assert verifier.municipalities == {str(A): "0301"}


# ----------------------------------------------------------- changed events


def test_a_changed_byte_is_a_modified_event() -> None:
    a = history(A, 3)
    a[1] = replace(a[1], data=changed(a[1].data, b'"n":2', b'"n":7'))
    assert found(rows(a)) == [brk(BreakKind.MODIFIED, A, 2, CHANGED)]


def test_a_changed_prev_is_one_break_not_two() -> None:
    a = history(A, 3)
    prev = a[0].digest.encode()
    a[1] = replace(a[1], data=changed(a[1].data, prev, b"f" + prev[1:]))
    assert found(rows(a)) == [brk(BreakKind.MODIFIED, A, 2, CHANGED)]


def test_an_event_moved_to_another_family_or_topic_is_modified() -> None:
    a = history(A, 2)
    elsewhere = [
        (1, A.hex.encode(), 1, ENROLLED, a[0].data),
        (2, B.hex.encode(), 2, CONTACT, a[1].data),
        (3, A.hex.encode(), 2, ENROLLED, a[1].data),
    ]
    assert found(elsewhere) == [
        brk(BreakKind.MODIFIED, B, 2, CHANGED),
        brk(
            BreakKind.DELETED,
            B,
            2,
            "the family's history starts at event 2: event 1 is missing",
        ),
        brk(BreakKind.MODIFIED, A, 2, CHANGED),
    ]


def test_an_event_forged_without_the_key_is_inserted() -> None:
    a = history(A, 3)
    a[1] = event(A, 2, a[0].digest, key=UNKEYED, fields=b'"n":"forged"')
    verifier = fed(rows(a))
    assert verifier.finish() == [brk(BreakKind.INSERTED, A, 2, FORGED)]
    assert verifier.heads == {str(A): (3, a[2].digest)}


def test_without_a_key_a_changed_event_is_modified_not_forged() -> None:
    a = history(A, 3, key=UNKEYED)
    a[1] = replace(a[1], data=changed(a[1].data, b'"n":2', b'"n":7'))
    assert found(rows(a), key=UNKEYED) == [brk(BreakKind.MODIFIED, A, 2, CHANGED)]


def test_a_forged_event_that_does_not_follow_is_one_break() -> None:
    a = history(A, 2)
    forged = event(A, 2, OTHER, key=UNKEYED)
    assert found(rows([a[0], forged])) == [brk(BreakKind.INSERTED, A, 2, FORGED)]


def test_two_events_swapped_are_each_reordered() -> None:
    a = history(A, 4)
    swapped = [a[0], replace(a[2], version=2), replace(a[1], version=3), a[3]]
    assert found(rows(swapped)) == [
        brk(BreakKind.REORDERED, A, 2, "the event stored here was written as event 3"),
        brk(BreakKind.REORDERED, A, 3, "the event stored here was written as event 2"),
    ]


@pytest.mark.parametrize(
    ("stored_at", "written_as", "reordered"),
    [
        (17, 1, True),  # 16 back: within reach
        (18, 1, False),  # 17 back: out of reach
        (3, 1, True),
        (2, 0, False),  # no event is written as 0
        (16, 31, True),  # 15 ahead: within reach
        (16, 32, False),  # 16 ahead: out of reach
        (20, 4, True),
        (20, 3, False),
    ],
)
def test_an_event_moved_within_reach_is_reordered(
    stored_at: int, written_as: int, reordered: bool
) -> None:
    a = history(A, stored_at - 1)
    moved = event(A, stored_at, a[-1].digest, written_as=written_as)
    expected = (
        brk(
            BreakKind.REORDERED,
            A,
            stored_at,
            f"the event stored here was written as event {written_as}",
        )
        if reordered
        else brk(BreakKind.MODIFIED, A, stored_at, CHANGED)
    )
    assert found(rows([*a, moved])) == [expected]


# ------------------------------------------------------------ links, gaps


def test_an_event_removed_from_the_middle_is_deleted() -> None:
    a = history(A, 5)
    assert found(rows([a[0], a[2], a[3], a[4]])) == [
        brk(BreakKind.DELETED, A, 2, "event 2 is missing")
    ]
    assert found(rows([a[0], a[3], a[4]])) == [
        brk(BreakKind.DELETED, A, 2, "events 2–3 are missing")
    ]


def test_a_history_starting_after_its_first_event() -> None:
    a = history(A, 5)
    assert found(rows(a[1:])) == [
        brk(
            BreakKind.DELETED,
            A,
            2,
            "the family's history starts at event 2: event 1 is missing",
        )
    ]
    assert found(rows(a[3:])) == [
        brk(
            BreakKind.DELETED,
            A,
            4,
            "the family's history starts at event 4: events 1–3 are missing",
        )
    ]


def test_versions_going_back_are_reordered() -> None:
    a = history(A, 3)
    assert found(rows([a[0], a[1], a[2], a[1]])) == [
        brk(BreakKind.REORDERED, A, 2, "stored after event 3 of the same family")
    ]
    assert found(rows([a[0], a[1], a[1], a[2]])) == [
        brk(BreakKind.REORDERED, A, 2, "stored after event 2 of the same family")
    ]


def test_an_event_that_does_not_follow_the_one_before() -> None:
    a = history(A, 3)
    replaced = event(A, 2, OTHER)
    assert found(rows([a[0], replaced])) == [brk(BreakKind.MODIFIED, A, 1, follows(2))]
    assert found(rows([a[0], replaced, a[2]])) == [
        brk(BreakKind.MODIFIED, A, 1, follows(2)),
        brk(BreakKind.MODIFIED, A, 2, follows(3)),
    ]
    first = event(A, 1, OTHER, topic=ENROLLED)
    assert found(rows([first])) == [brk(BreakKind.MODIFIED, A, 1, follows(1))]


def test_a_link_next_to_a_broken_event_is_not_reported_again() -> None:
    a = history(A, 4)
    broken = replace(a[1], data=changed(a[1].data, b'"n":2', b'"n":7'))
    # Event 3 replaced, not following event 2: event 2 is broken already.
    replaced = event(A, 3, OTHER)
    assert found(rows([a[0], broken, replaced, a[3]])) == [
        brk(BreakKind.MODIFIED, A, 2, CHANGED),
        brk(BreakKind.MODIFIED, A, 3, follows(4)),
    ]


def test_legacy_events_with_a_gap_or_going_back() -> None:
    legacy = [bare(A, v, b'{"n":%d}' % v) for v in (1, 2, 3)]
    assert found(rows([legacy[0], legacy[2]]), chained_from=9) == [
        brk(BreakKind.DELETED, A, 2, "event 2 is missing")
    ]
    assert found(rows([legacy[0], legacy[1], legacy[0]]), chained_from=9) == [
        brk(BreakKind.REORDERED, A, 1, "stored after event 2 of the same family")
    ]


# ---------------------------------------------------------- malformed rows


def test_rows_in_a_form_the_library_never_writes() -> None:
    a = history(A, 3)
    feed: list[Any] = [
        row(1, a[0]),
        (2, A.hex.encode(), "2", CONTACT, a[1].data),
        (3, str(A), 2, CONTACT.encode(), a[1].data.decode()),
        (0, A.hex.encode(), 2, CONTACT, a[1].data),
        (-3, A.hex.encode(), True, CONTACT, a[1].data),
        ("7", A.hex.encode(), 2, CONTACT, a[1].data),
        (1, "not-a-family", 2, CONTACT, None),
        (1, b"zz", 2, CONTACT, None),
        (1, "\udcff", 1, CONTACT, None),
        (1, None, 1, CONTACT, None),
        row(4, a[1]),
        row(5, a[2]),
    ]
    verifier = fed(feed)
    topic = repr(CONTACT)
    assert verifier.finish() == [
        brk(
            BreakKind.MODIFIED,
            A,
            0,
            f"notification 2 (event '2', topic {topic}) {FORM}",
        ),
        brk(
            BreakKind.MODIFIED,
            A,
            2,
            f"notification 3 (event 2, topic {CONTACT.encode()!r}) {FORM}",
        ),
        brk(
            BreakKind.INSERTED, A, 2, f"notification 0 (event 2, topic {topic}) {FORM}"
        ),
        brk(
            BreakKind.INSERTED,
            A,
            0,
            f"notification -3 (event True, topic {topic}) {FORM}",
        ),
        brk(
            BreakKind.MODIFIED,
            A,
            2,
            f"notification '7' (event 2, topic {topic}) {FORM} (TypeError: '<=' not "
            "supported between instances of 'str' and 'int')",
        ),
        brk(
            BreakKind.MODIFIED,
            None,
            2,
            f"notification 1 (event 2, topic {topic}) {FORM} (stored under the "
            "malformed family id b'notafamily')",
        ),
        brk(
            BreakKind.MODIFIED,
            None,
            2,
            f"notification 1 (event 2, topic {topic}) {FORM} (stored under the "
            "malformed family id b'zz')",
        ),
        brk(
            BreakKind.MODIFIED,
            None,
            1,
            f"notification 1 (event 1, topic {topic}) {FORM} (stored under the "
            "malformed family id b'?')",
        ),
        brk(
            BreakKind.MODIFIED,
            None,
            1,
            f"notification 1 (event 1, topic {topic}) {FORM}",
        ),
    ]
    assert (verifier.events, verifier.position) == (3, 5)
    assert verifier.heads == {str(A): (3, a[2].digest)}


def test_a_row_that_breaks_the_check_is_a_break_not_a_crash() -> None:
    a = history(A, 2)
    feed: list[Any] = [
        (1, None, 1, ENROLLED, a[0].data),
        (2, 7, 1, ENROLLED, b'{"n":1}'),
        (3, A.hex.encode(), 1, 5, a[0].data),
        (4, "é", 1, ENROLLED, a[0].data),
        row(5, a[0]),
    ]
    verifier = fed(feed)
    enrolled = repr(ENROLLED.encode())
    not_bytes = (
        "%b requires a bytes-like object, or an object that implements __bytes__"
    )
    assert verifier.finish() == [
        brk(
            BreakKind.MODIFIED,
            None,
            1,
            f"notification 1 (event 1, topic {enrolled}) {FORM} (TypeError: "
            f"{not_bytes}, not 'NoneType')",
        ),
        brk(
            BreakKind.MODIFIED,
            None,
            1,
            f"notification 2 (event 1, topic {enrolled}) {FORM} (TypeError: "
            f"{not_bytes}, not 'int')",
        ),
        brk(
            BreakKind.MODIFIED,
            A,
            1,
            f"notification 3 (event 1, topic 5) {FORM} (AttributeError: 'int' "
            "object has no attribute 'encode')",
        ),
        brk(
            BreakKind.MODIFIED,
            None,
            1,
            f"notification 4 (event 1, topic {ENROLLED!r}) {FORM} "
            "(UnicodeEncodeError: 'ascii' codec can't encode character '\\xe9' in "
            "position 0: ordinal not in range(128)) (stored under the malformed "
            "family id b'\\xc3\\xa9')",
        ),
    ]
    assert (verifier.events, verifier.position) == (1, 5)


def test_a_malformed_row_under_a_text_family_id_counts_as_its_break() -> None:
    a = history(A, 4)
    # Event 3 once more at position 0 (its family id as text, hyphens and
    # all), then event 4 not following event 3: one break at event 3.
    again = (0, str(A), 3, CONTACT, a[2].data)
    replaced = event(A, 4, OTHER)
    assert found([*rows(a[:3]), again, row(4, replaced)]) == [
        brk(
            BreakKind.INSERTED,
            A,
            3,
            f"notification 0 (event 3, topic {CONTACT!r}) {FORM}",
        )
    ]


def test_a_family_id_that_is_no_uuid_is_named_in_the_break() -> None:
    e = event(UUID(int=0), 1, GENESIS)
    data = e.data
    feed: list[NotificationRow] = [(1, "not-a-family", 2, CONTACT, data)]
    assert found(feed) == [
        brk(
            BreakKind.MODIFIED,
            None,
            2,
            f"{CHANGED} (stored under the malformed family id b'notafamily')",
        ),
        brk(
            BreakKind.DELETED,
            None,
            2,
            "the family's history starts at event 2: event 1 is missing (stored "
            "under the malformed family id b'notafamily')",
        ),
    ]


# --------------------------------------------------------- unchained events


def test_events_before_chaining_without_a_chain_start() -> None:
    legacy = [bare(A, 1, b'{"municipality":"4204"}', topic=ENROLLED)]
    legacy.append(bare(A, 2, b'{"n":"legacy"}'))
    verifier = fed(rows(legacy))
    assert verifier.finish() == [
        brk(BreakKind.UNCHAINED, A, 1, BEFORE_CHAINING),
        brk(BreakKind.UNCHAINED, A, 2, BEFORE_CHAINING),
    ]
    assert verifier.unchained
    assert verifier.heads == {str(A): (2, legacy[1].digest)}
    assert verifier.municipalities == {}
    assert verifier.head() == log_digest([(1, legacy[0].digest), (2, legacy[1].digest)])


def test_events_before_a_chain_start_pass_and_chain_on() -> None:
    a1 = bare(A, 1, b'{"municipality":"4204"}', topic=ENROLLED)
    b1 = bare(B, 1, b'["not","an","object"]', topic=ENROLLED)
    a2 = event(A, 2, a1.digest)
    b2 = bare(B, 2, b'{"n":"after"}')
    verifier = fed(rows([a1, b1, a2, b2]), chained_from=2)
    assert verifier.finish() == [brk(BreakKind.INSERTED, B, 2, BARE)]
    assert verifier.unchained
    assert verifier.municipalities == {str(A): "4204"}
    assert verifier.heads == {str(A): (2, a2.digest), str(B): (2, b2.digest)}


def test_an_unchained_event_after_its_family_was_chained_is_inserted() -> None:
    a = history(A, 1)
    late = bare(A, 2, b'{"n":"bare"}')
    assert found(rows([a[0], late]), chained_from=5) == [
        brk(BreakKind.INSERTED, A, 2, BARE)
    ]


def test_an_unchained_event_once_chained_events_are_seen_is_inserted() -> None:
    b = history(B, 1)
    legacy = bare(A, 1, b'{"municipality":"4204"}', topic=ENROLLED)
    verifier = fed(rows([b[0], legacy]))
    assert verifier.finish() == [brk(BreakKind.INSERTED, A, 1, BARE)]
    assert verifier.municipalities == {str(B): "4204"}
    assert found(rows([legacy, b[0]])) == [
        brk(BreakKind.UNCHAINED, A, 1, BEFORE_CHAINING)
    ]


def test_an_unchained_event_after_a_chain_start_at_one_is_inserted() -> None:
    legacy = [bare(A, 1, b'{"n":1}'), bare(A, 2, b'{"n":2}')]
    assert found(rows(legacy), chained_from=1) == [brk(BreakKind.INSERTED, A, 2, BARE)]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b',"_digest":"', b',"_digesT":"'),
        (b',"_prev":"', b',"_pRev":"'),
        (b'"}', b'"]'),
    ],
)
def test_a_payload_missing_one_chain_member_is_unchained(
    old: bytes, new: bytes
) -> None:
    a = history(A, 1)[0]
    data = a.data[:-2] + new if old == b'"}' else changed(a.data, old, new)
    legacy = bare(A, 1, data, topic=ENROLLED)
    verifier = fed(rows([legacy]))
    assert verifier.finish() == [brk(BreakKind.UNCHAINED, A, 1, BEFORE_CHAINING)]
    assert verifier.heads == {str(A): (1, legacy.digest)}


# ---------------------------------------------------------------- snapshots


def snapshot(
    e: Event, *, prev: str | None = None, key: ChainKey = KEY, as_snapshot: bool = True
) -> bytes:
    """A snapshot of the family at event ``e``, standing for ``prev`` (its digest)."""
    body = b'{"state":"s","_prev":"%s"}' % (e.digest if prev is None else prev).encode()
    data, _ = key.chain(body, e.family, e.version, SNAPSHOT, snapshot=as_snapshot)
    return data


def test_a_snapshot_standing_for_its_event() -> None:
    a = history(A, 3)
    snaps: list[SnapshotRow] = [
        (str(A), 2, SNAPSHOT, snapshot(a[1])),
        (A.hex.encode(), 3, SNAPSHOT.encode(), snapshot(a[2])),
    ]
    verifier = fed(rows(a), snaps)
    assert verifier.finish() == []
    assert verifier.digest_at(str(A), 2) == a[1].digest


def test_snapshots_changed_or_standing_for_another_event() -> None:
    a = history(A, 3)
    changed_snapshot = changed(snapshot(a[1]), b'"s"', b'"t"')
    snaps: list[SnapshotRow] = [
        (A.hex.encode(), 1, SNAPSHOT, b'{"state":"legacy"}'),
        (A.hex.encode(), 2, SNAPSHOT, changed_snapshot),
        (A.hex.encode(), 3, SNAPSHOT, snapshot(a[2], as_snapshot=False)),
        (B.hex.encode(), 2, SNAPSHOT, snapshot(replace(a[1], family=B))),
        (A.hex.encode(), 3, SNAPSHOT, snapshot(a[2], prev=a[1].digest)),
        (A.hex.encode(), 4, SNAPSHOT, snapshot(replace(a[2], version=4))),
        (A.hex.encode(), 1, SNAPSHOT, snapshot(a[0])),
    ]
    assert found(rows(a), snaps) == [
        brk(BreakKind.MODIFIED, A, 2, SNAPSHOT_CHANGED, Ledger.SNAPSHOTS),
        brk(BreakKind.MODIFIED, A, 3, SNAPSHOT_CHANGED, Ledger.SNAPSHOTS),
        brk(BreakKind.UNCHAINED, A, 1, SNAPSHOT_BARE, Ledger.SNAPSHOTS),
        brk(BreakKind.MODIFIED, B, 2, stands_for(2), Ledger.SNAPSHOTS),
        brk(BreakKind.MODIFIED, A, 3, stands_for(3), Ledger.SNAPSHOTS),
        brk(BreakKind.MODIFIED, A, 4, stands_for(4), Ledger.SNAPSHOTS),
    ]


def test_unchained_snapshots_are_never_read_once_a_chain_start_is_recorded() -> None:
    a = history(A, 2)
    snaps: list[SnapshotRow] = [
        (A.hex.encode(), 1, SNAPSHOT, b'{"state":"legacy"}'),
        (A.hex.encode(), 2, SNAPSHOT, b'{"state":"legacy"}'),
    ]
    assert found(rows(a), snaps, started=True) == []
    assert found(rows(a), snaps, chained_from=1) == []
    assert found(rows(a), snaps) == [
        brk(BreakKind.UNCHAINED, A, 1, SNAPSHOT_BARE, Ledger.SNAPSHOTS),
        brk(BreakKind.UNCHAINED, A, 2, SNAPSHOT_BARE, Ledger.SNAPSHOTS),
    ]


def test_a_snapshot_row_in_a_form_the_library_never_writes() -> None:
    a = history(A, 2)
    never = "the snapshot is stored in a form this library never writes"
    snaps: list[Any] = [
        (str(A), "2", SNAPSHOT, snapshot(a[1])),
        (A.hex.encode(), None, SNAPSHOT, b'{"state":"legacy"}'),
        (A.hex.encode(), 2, 5, snapshot(a[1])),
        (A.hex.encode(), 2, SNAPSHOT, snapshot(a[1])),
    ]
    verifier = fed(rows(a), snaps)
    assert verifier.finish() == [
        brk(
            BreakKind.MODIFIED,
            None,
            0,
            f"{never} (TypeError: '>' not supported between instances of 'str' "
            "and 'int')",
            Ledger.SNAPSHOTS,
        ),
        brk(
            BreakKind.MODIFIED,
            A,
            0,
            f"{never} (TypeError: '>' not supported between instances of "
            "'NoneType' and 'int')",
            Ledger.SNAPSHOTS,
        ),
        brk(
            BreakKind.MODIFIED,
            A,
            2,
            f"{never} (TypeError: %b requires a bytes-like object, or an object "
            "that implements __bytes__, not 'int')",
            Ledger.SNAPSHOTS,
        ),
    ]


def test_a_snapshot_version_is_compared_with_the_family_s_newest_so_far() -> None:
    legacy = b'{"state":"legacy"}'
    snaps: list[Any] = [
        (A.hex.encode(), 0.5, SNAPSHOT, legacy),
        (A.hex.encode(), "x", SNAPSHOT, legacy),
        (B.hex.encode(), "x", SNAPSHOT, legacy),
    ]
    never = "the snapshot is stored in a form this library never writes"
    assert found([], snaps, started=True) == [
        brk(
            BreakKind.MODIFIED,
            A,
            0,
            f"{never} (TypeError: '>' not supported between instances of 'str' "
            "and 'float')",
            Ledger.SNAPSHOTS,
        ),
        brk(
            BreakKind.MODIFIED,
            B,
            0,
            f"{never} (TypeError: '>' not supported between instances of 'str' "
            "and 'int')",
            Ledger.SNAPSHOTS,
        ),
    ]


# -------------------------------------------------------------- checkpoints


def store() -> tuple[list[Event], list[Event], list[Event]]:
    return history(A, 4), history(B, 2, municipality=b"0301"), history(C, 1)


def checkpoint_of(
    feed: Sequence[NotificationRow], *, key: ChainKey = KEY, **options: Any
) -> Checkpoint:
    verifier = LogVerifier(key)
    verifier.feed(feed)
    return verifier.take_checkpoint(taken_at=AT, access_log=(7, "ab" * 32), **options)


def test_a_checkpoint_holds_the_heads_of_what_was_fed() -> None:
    a, b, c = store()
    log = interleave(a, b, c)
    assert checkpoint_of(rows(log)) == Checkpoint(
        taken_at=AT,
        keyed=True,
        position=7,
        events=7,
        head=log_digest((n, e.digest) for n, e in enumerate(log, 1)),
        families={
            A: (4, a[3].digest[:32]),
            B: (2, b[1].digest[:32]),
            C: (1, c[0].digest[:32]),
        },
        access_log=(7, "ab" * 32),
    )
    of_4204 = checkpoint_of(rows(log), municipality="4204")
    assert (of_4204.families, of_4204.municipality) == (
        {A: (4, a[3].digest[:32]), C: (1, c[0].digest[:32])},
        "4204",
    )
    assert checkpoint_of(rows(log), municipality="9999").families == {}
    empty = checkpoint_of([], key=UNKEYED)
    assert (empty.keyed, empty.position, empty.events, empty.families) == (
        False,
        0,
        0,
        {},
    )
    assert empty.head == log_digest([], keyed=False)


def test_the_store_grown_since_its_checkpoint_has_no_break() -> None:
    a, b, c = store()
    log = interleave(a, b, c)  # A1 B1 C1 A2 B2 A3 A4
    checkpoint = checkpoint_of(rows(log[:5]))
    b3 = event(B, 3, b[1].digest)
    assert found(rows([*log, b3]), checkpoint=checkpoint) == []
    assert found(rows([*log, b3]), checkpoint=checkpoint_of([])) == []


def test_against_a_checkpoint_a_whole_family_gone() -> None:
    a, b, c = store()
    log = interleave(a, b, c)
    checkpoint = checkpoint_of(rows(log))
    without_b = [(n, e) for n, e in enumerate(log, 1) if e.family != B]
    assert found(at(without_b), checkpoint=checkpoint) == [
        brk(
            BreakKind.DELETED,
            B,
            1,
            f"the whole family (2 event(s) at the checkpoint of {WHEN}) is gone "
            "from the store",
        ),
        log_cut_short(holds=5),
    ]


def test_against_a_checkpoint_a_family_cut_short() -> None:
    a, b, c = store()
    log = interleave(a, b, c)  # A1 B1 C1 A2 B2 A3 A4
    checkpoint = checkpoint_of(rows(log))
    assert found(rows(log[:6]), checkpoint=checkpoint) == [
        brk(
            BreakKind.TRUNCATED,
            A,
            4,
            f"event 4 was in the store at the checkpoint of {WHEN}, and gone now",
        ),
        log_cut_short(holds=6),
    ]
    assert found(rows(log[:5]), checkpoint=checkpoint, store_level=False) == [
        brk(
            BreakKind.TRUNCATED,
            A,
            3,
            f"events 3–4 were in the store at the checkpoint of {WHEN}, and gone now",
        )
    ]


def test_against_a_checkpoint_an_event_gone_from_the_middle_of_the_log() -> None:
    a, b, c = store()
    log = interleave(a, b, c)  # A1 B1 C1 A2 B2 A3 A4
    checkpoint = checkpoint_of(rows(log))
    placed = [(n, e) for n, e in enumerate(log, 1) if n != 3]
    assert found(at(placed), checkpoint=checkpoint) == [
        brk(
            BreakKind.DELETED,
            C,
            1,
            f"the whole family (1 event(s) at the checkpoint of {WHEN}) is gone "
            "from the store",
        ),
        log_cut_short(holds=6),
    ]


def test_against_a_checkpoint_a_history_rewritten_with_its_digests() -> None:
    a, b, c = store()
    log = interleave(a, b, c)  # A1 B1 C1 A2 B2 A3 A4
    checkpoint = checkpoint_of(rows(log))
    a3 = event(A, 3, a[1].digest, fields=b'"n":"rewritten"')
    a4 = event(A, 4, a3.digest)
    rewritten = [*log[:5], a3, a4]
    assert found(rows(rewritten), checkpoint=checkpoint) == [
        brk(BreakKind.MODIFIED, A, 4, history_changed()),
        brk(BreakKind.MODIFIED, None, 7, STORE_CHANGED, Ledger.STORE),
    ]
    assert found(rows(rewritten), checkpoint=checkpoint, store_level=False) == [
        brk(BreakKind.MODIFIED, A, 4, history_changed())
    ]


def test_against_a_checkpoint_the_event_at_its_head_missing() -> None:
    a = history(A, 4)
    checkpoint = checkpoint_of(rows(a[:3]))
    assert found(
        rows([a[0], a[1], a[3]]), checkpoint=checkpoint, store_level=False
    ) == [
        brk(BreakKind.DELETED, A, 3, "event 3 is missing"),
        brk(BreakKind.MODIFIED, A, 3, history_changed()),
    ]


def test_against_a_checkpoint_the_log_in_another_order() -> None:
    a, b, c = store()
    log = interleave(a, b, c)  # A1 B1 C1 A2 B2 A3 A4
    checkpoint = checkpoint_of(rows(log))
    moved = [log[0], log[2], log[1], *log[3:]]
    assert found(rows(moved), checkpoint=checkpoint) == [
        brk(BreakKind.MODIFIED, None, 7, STORE_CHANGED, Ledger.STORE)
    ]


def test_against_a_checkpoint_more_events_at_fewer_positions() -> None:
    a, b, c = store()
    log = interleave(a, b, c)
    checkpoint = checkpoint_of(rows(log))
    crowded = [row(n if n < 7 else 6, e) for n, e in enumerate(log, 1)]
    assert found(crowded, checkpoint=checkpoint) == [log_cut_short(holds=7)]


def test_a_checkpoint_taken_with_another_key() -> None:
    a, b, c = store()
    log = interleave(a, b, c)
    keyed = checkpoint_of(rows(log))
    assert found(rows(log), checkpoint=attrs.evolve(keyed, keyed=False)) == [
        brk(
            BreakKind.MODIFIED,
            None,
            7,
            "the checkpoint was taken without the master key, and this audit runs "
            "with it: audit with the same key",
            Ledger.STORE,
        )
    ]
    plain = interleave(history(A, 2, key=UNKEYED), history(B, 1, key=UNKEYED))
    unkeyed = checkpoint_of(rows(plain), key=UNKEYED)
    # The same cut-short store, audited with the checkpoint's own key, and
    # with a key it was not taken with: that one break, and no other.
    assert found(rows(plain[:1]), checkpoint=unkeyed, key=UNKEYED) == [
        brk(
            BreakKind.TRUNCATED,
            A,
            2,
            f"event 2 was in the store at the checkpoint of {WHEN}, and gone now",
        ),
        brk(
            BreakKind.DELETED,
            B,
            1,
            f"the whole family (1 event(s) at the checkpoint of {WHEN}) is gone "
            "from the store",
        ),
        brk(
            BreakKind.TRUNCATED,
            None,
            3,
            "the checkpoint counted 3 event(s) up to notification 3; the store "
            "holds 1 there",
            Ledger.STORE,
        ),
    ]
    assert found(
        rows(plain[:1]), checkpoint=attrs.evolve(unkeyed, keyed=True), key=UNKEYED
    ) == [
        brk(
            BreakKind.MODIFIED,
            None,
            3,
            "the checkpoint was taken with the master key, and this audit runs "
            "without it: audit with the same key",
            Ledger.STORE,
        )
    ]


# ------------------------------------------------- chunks of notification ids


def chunked() -> list[tuple[int, Event]]:
    """A log across three chunks, ids at and next to their boundaries."""
    a, b, c = history(A, 4), history(B, 3), history(C, 2)
    ids = [
        1,
        2,
        CHUNK - 1,
        CHUNK,
        CHUNK + 1,
        CHUNK + 2,
        2 * CHUNK + 1,
        3 * CHUNK,
        200_000,
    ]
    order = [a[0], b[0], a[1], c[0], b[1], a[2], c[1], b[2], a[3]]
    return list(zip(ids, order, strict=True))


def test_the_log_digest_is_made_of_chunks_of_65536_ids() -> None:
    log = chunked()
    verifier = LogVerifier(KEY)
    for start in range(0, len(log), 2):
        verifier.feed(at(log[start : start + 2]))
    assert verifier.finish() == []
    assert (verifier.events, verifier.position) == (9, 200_000)
    assert verifier.head() == log_digest((n, e.digest) for n, e in log)
    assert verifier.head() == verifier.head()


@pytest.mark.parametrize("upto", [1, 2, 3, 4, 5, 6, 8])
def test_a_checkpoint_in_any_chunk_holds_against_the_grown_log(upto: int) -> None:
    log = chunked()
    checkpoint = checkpoint_of(at(log[:upto]))
    assert checkpoint.head == log_digest((n, e.digest) for n, e in log[:upto])
    verifier = LogVerifier(KEY, checkpoint=checkpoint)
    verifier.feed(at(log[:4]))
    verifier.feed(at(log[4:]))
    assert verifier.finish() == []
    # An event changed after the checkpoint: its own break, none of the store's.
    last_n, last = log[-1]
    tampered = [
        *log[:-1],
        (last_n, replace(last, data=last.data.replace(b'"n"', b'"m"'))),
    ]
    assert found(at(tampered), checkpoint=checkpoint) == [
        brk(BreakKind.MODIFIED, A, 4, CHANGED)
    ]


@pytest.mark.parametrize(("upto", "swapped"), [(2, 0), (6, 4), (6, 0)])
def test_a_change_before_the_checkpoint_changes_the_log(
    upto: int, swapped: int
) -> None:
    log = chunked()
    checkpoint = checkpoint_of(at(log[:upto]))
    (n, e), (m, f) = log[swapped : swapped + 2]
    moved = [*log[:swapped], (n, f), (m, e), *log[swapped + 2 :]]
    assert found(at(moved), checkpoint=checkpoint) == [
        brk(BreakKind.MODIFIED, None, log[upto - 1][0], STORE_CHANGED, Ledger.STORE)
    ]


# ------------------------------------------------ wanted digests, chain start


def test_the_digest_of_a_wanted_event() -> None:
    a = history(A, 3)
    legacy = bare(B, 1, b'{"n":1}')
    verifier = LogVerifier(KEY, chained_from=9)
    verifier.want(str(A), 2)
    verifier.want(B.hex.encode(), 1)
    verifier.want(str(C), 1)
    verifier.feed(rows([*a, legacy]))
    verifier.want(A.hex.encode(), 2)
    assert verifier.digest_at(A.hex.encode(), 2) == a[1].digest
    assert verifier.digest_at(str(B), 1) == legacy.digest
    assert verifier.digest_at(str(A), 3) is None  # not wanted
    assert verifier.digest_at(str(C), 1) is None  # not stored


def test_the_break_of_a_changed_log_before_a_chain_start() -> None:
    verifier = fed(rows(history(A, 3)), chained_from=5)
    assert verifier.chain_start_break(5, 4) == brk(
        BreakKind.MODIFIED,
        None,
        5,
        "chaining began at notification 5 with 4 event(s) before it; the store now "
        "holds 3 there, and they are not what they were: events written before "
        "chaining was started were changed, removed or inserted since",
        Ledger.STORE,
    )


# --------------------------------------------------- parts of the log merged


def in_parts(
    placed: Sequence[tuple[int, Event]],
    snaps: Sequence[SnapshotRow],
    bounds: Sequence[int],
    **options: Any,
) -> LogVerifier:
    """Verified as the audit does on a large store: later parts in workers."""
    first = LogVerifier(KEY, **options)
    first.want(str(A), 3)
    first.feed_snapshots(snaps)
    edges = [0, *bounds, 1 << 62]
    parts = [first]
    for low, high in itertools.pairwise(edges):
        piece = at((n, e) for n, e in placed if low < n <= high)
        if low == 0:
            first.feed(piece[:1])
            first.feed(piece[1:])
            continue
        later = LogVerifier(KEY, deferred=True, **options)
        later._wanted = dict.fromkeys(first._wanted)
        later.feed(piece)
        parts.append(pickle.loads(pickle.dumps(later)))
    return merge(parts)


def in_one_pass(
    placed: Sequence[tuple[int, Event]], snaps: Sequence[SnapshotRow], **options: Any
) -> LogVerifier:
    verifier = LogVerifier(KEY, **options)
    verifier.want(str(A), 3)
    verifier.feed_snapshots(snaps)
    verifier.feed(at(placed))
    return verifier


def outcome(verifier: LogVerifier) -> tuple[object, ...]:
    breaks = sorted(
        verifier.finish(),
        key=lambda b: (b.kind, str(b.family_id), b.position, b.message),
    )
    return (
        breaks,
        verifier.head(),
        verifier.events,
        verifier.position,
        verifier.heads,
        verifier.municipalities,
        verifier.unchained,
        verifier.digest_at(str(A), 3),
        verifier.take_checkpoint(taken_at=AT, access_log=None),
    )


def spread() -> list[tuple[int, Event]]:
    """Families across three parts of the log (a chunk each)."""
    a, b, c = history(A, 5), history(B, 3, municipality=b"0301"), history(C, 3)
    ids = [1, 2, 3, CHUNK + 1, CHUNK + 2, CHUNK + 3]
    ids += [2 * CHUNK + n for n in range(1, 6)]
    order = [a[0], b[0], a[1], a[2], b[1], a[3], c[0], a[4], b[2], c[1], c[2]]
    return list(zip(ids, order, strict=True))


def _drop(n: int) -> Callable[[list[tuple[int, Event]]], list[tuple[int, Event]]]:
    return lambda log: [(m, e) for m, e in log if m != n]


def _put(
    n: int, make: Callable[[dict[tuple[UUID, int], Event]], Event]
) -> Callable[[list[tuple[int, Event]]], list[tuple[int, Event]]]:
    def change(log: list[tuple[int, Event]]) -> list[tuple[int, Event]]:
        events = {(e.family, e.version): e for _, e in log}
        return [(m, make(events) if m == n else e) for m, e in log]

    return change


P2, P3 = CHUNK + 1, 2 * CHUNK + 1
TAMPERED: dict[str, tuple[Callable[..., list[tuple[int, Event]]], list[Break]]] = {
    "clean": (lambda log: log, []),
    "a gap where a part begins": (
        _drop(P2),
        [brk(BreakKind.DELETED, A, 3, "event 3 is missing")],
    ),
    "going back where a part begins": (
        _put(P2, lambda ev: ev[A, 2]),
        [
            brk(BreakKind.DELETED, A, 3, "event 3 is missing"),
            brk(BreakKind.REORDERED, A, 2, "stored after event 2 of the same family"),
        ],
    ),
    "not following where a part begins": (
        _put(P2 + 1, lambda ev: event(B, 2, ev[A, 1].digest)),
        [
            brk(BreakKind.MODIFIED, B, 1, follows(2)),
            brk(BreakKind.MODIFIED, B, 2, follows(3)),
        ],
    ),
    "forged where a part begins": (
        _put(P2 + 1, lambda ev: event(B, 2, OTHER, key=UNKEYED)),
        [brk(BreakKind.INSERTED, B, 2, FORGED)],
    ),
    "bare where a part begins": (
        _put(P2, lambda ev: bare(A, 3, b'{"n":"bare"}')),
        [brk(BreakKind.INSERTED, A, 3, BARE)],
    ),
    "a family starting late": (
        _drop(P3),
        [
            brk(
                BreakKind.DELETED,
                C,
                2,
                "the family's history starts at event 2: event 1 is missing",
            )
        ],
    ),
    "a family starting late, and not following": (
        lambda log: _put(P3 + 4, lambda ev: event(C, 3, OTHER))(_drop(P3)(log)),
        [
            brk(
                BreakKind.DELETED,
                C,
                2,
                "the family's history starts at event 2: event 1 is missing",
            )
        ],
    ),
    "a first event not at the start": (
        _put(P3, lambda ev: event(C, 1, ev[A, 1].digest)),
        [brk(BreakKind.MODIFIED, C, 1, follows(1))],
    ),
    "an event a snapshot stands for changed in a later part": (
        _put(
            P2 + 2,
            lambda ev: replace(ev[A, 4], data=ev[A, 4].data.replace(b'"n"', b'"m"')),
        ),
        [brk(BreakKind.MODIFIED, A, 4, CHANGED)],
    ),
}


@pytest.mark.parametrize("checkpoint_at", [0, 2, 3, CHUNK + 2, 2 * CHUNK + 4])
@pytest.mark.parametrize("case", list(TAMPERED))
def test_parts_verified_apart_and_merged_find_what_one_pass_finds(
    case: str, checkpoint_at: int
) -> None:
    clean = spread()
    tamper, expected = TAMPERED[case]
    log = tamper(clean)
    events = {(e.family, e.version): e for _, e in clean}
    snaps: list[SnapshotRow] = [(str(A), 4, SNAPSHOT, snapshot(events[A, 4]))]
    options: dict[str, Any] = {}
    if checkpoint_at:
        options["checkpoint"] = checkpoint_of(
            at((n, e) for n, e in clean if n <= checkpoint_at)
        )
    one = outcome(in_one_pass(log, snaps, **options))
    assert one == outcome(in_parts(log, snaps, [CHUNK, 2 * CHUNK], **options))
    if not checkpoint_at:
        assert one[0] == sorted(
            expected, key=lambda b: (b.kind, str(b.family_id), b.position, b.message)
        )


def test_a_later_part_before_any_chained_event_of_its_own() -> None:
    """UNCHAINED in a part's own eyes, INSERTED if a part before it chained."""
    legacy = [bare(A, v, b'{"n":%d}' % v) for v in (1, 2, 3)]
    b = history(B, 2)
    log = [
        (1, legacy[0]),
        (CHUNK + 1, legacy[1]),
        (CHUNK + 2, b[0]),
        (2 * CHUNK + 1, legacy[2]),
        (2 * CHUNK + 2, b[1]),
    ]
    merged = in_parts(log, [], [CHUNK, 2 * CHUNK])
    assert outcome(merged) == outcome(in_one_pass(log, []))
    assert in_one_pass(log, []).finish() == [
        brk(BreakKind.UNCHAINED, A, 1, BEFORE_CHAINING),
        brk(BreakKind.UNCHAINED, A, 2, BEFORE_CHAINING),
        brk(BreakKind.INSERTED, A, 3, BARE),
    ]
    # Chained events in the first part only: the third's bare event is
    # judged against the first two parts together.
    log = [(1, b[0]), (CHUNK + 1, legacy[0]), (2 * CHUNK + 1, legacy[1])]
    merged = in_parts(log, [], [CHUNK, 2 * CHUNK])
    assert outcome(merged) == outcome(in_one_pass(log, []))
    assert in_one_pass(log, []).finish() == [
        brk(BreakKind.INSERTED, A, 1, BARE),
        brk(BreakKind.INSERTED, A, 2, BARE),
    ]


def test_a_part_handed_back_by_a_worker_process() -> None:
    log = spread()
    part = LogVerifier(KEY, deferred=True)
    part.feed(at(log[3:6]))
    back = pickle.loads(pickle.dumps(part))
    assert outcome(back) == outcome(part)
    assert back.events == 3
