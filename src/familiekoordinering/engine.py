"""The event store beneath :class:`~familiekoordinering.FamilyCoordination`.

:class:`Engine` is eventsourcing's ``Application`` put together for this
library: settings from the arguments only, the cattrs mapper that seals
personal data, the chained event and snapshot stores, the repository that
reads a family's key state before each get, the store's ledger (is it
encrypted?), and store errors translated into the library's own.

It is private to the library. Its handles — ``repository``, ``recorder``,
``events``, ``snapshots``, ``mapper``, ``keyring`` — read and write around the
access policy and the access log, so :class:`FamilyCoordination` holds it
privately and offers only its own checked, logged commands and queries.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, cast
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    Repository,
)
from eventsourcing.domain import (
    Aggregate,
    OriginatorVersionError,
    Snapshot,
    datetime_now_with_tzinfo,
)
from eventsourcing.persistence import (
    AggregateRecorder,
    EventStore,
    IntegrityError,
    Mapper,
    PersistenceError,
    Recording,
    Transcoder,
)
from eventsourcing.utils import Environment

from familiekoordinering.domain.family import Family
from familiekoordinering.errors import (
    ConfigurationError,
    FamiliekoordineringError,
    FamilyErasedError,
    MasterKeyRequiredError,
    StoreError,
)
from familiekoordinering.integrity import (
    LEDGER_ID,
    ChainedEventStore,
    ChainedSnapshotStore,
    ChainKey,
    Heads,
    StoreLedger,
    chain_key,
)
from familiekoordinering.ports import MemoryPorts, StoragePorts
from familiekoordinering.protection import (
    ERASED_REFUSAL,
    Erasure,
    Keyring,
    key_check,
)
from familiekoordinering.serialisation import CattrsMapper, JSONBytesTranscoder
from familiekoordinering.store import store_settings

__all__ = ["Clock", "Engine", "is_store_failure", "reading_the_store"]

_log = logging.getLogger(__name__)
"""Store failures: the error's class, never the driver's message (it may quote data)."""

Clock = Callable[[], datetime]
"""A function returning the current time, timezone-aware."""


def is_store_failure(
    error: BaseException, failures: tuple[type[BaseException], ...]
) -> bool:
    """Whether ``error`` comes from the store (its driver, the disk, the network).

    eventsourcing's ``PersistenceError`` and ``OSError`` always do; so do
    ``failures``, the store's driver exceptions (its ports'
    :attr:`~familiekoordinering.ports.StoragePorts.store_failures`).
    """
    return isinstance(error, (PersistenceError, OSError, *failures))


@contextlib.contextmanager
def reading_the_store(
    failures: tuple[type[BaseException], ...],
) -> Iterator[None]:
    """Turn a store's failure while reading into :class:`StoreError`, saying what to do.

    ``failures`` as for :func:`is_store_failure`.
    """
    try:
        yield
    except FamiliekoordineringError:
        raise
    except OriginatorVersionError as e:
        raise StoreError(
            f"the stored history has a gap or an event out of place ({e}): it was "
            "changed beneath the library; run 'familiekoordinering audit' to see where"
        ) from e
    except Exception as e:
        if not is_store_failure(e, failures):
            raise
        raise StoreError(
            f"the store could not be read ({type(e).__name__}: {e}); try again once "
            "it is reachable"
        ) from e


def _ensure_keys(keyring: Keyring | None, events: Sequence[Any]) -> None:
    """Make sure each family among ``events`` has a live key, before they are mapped.

    A family without a key gets one (:meth:`Keyring.ensure_key`); an erased
    family raises :class:`FamilyErasedError`, and nothing of the put is stored.
    """
    if keyring is None:
        return
    for family_id in dict.fromkeys(event.originator_id for event in events):
        keyring.ensure_key(family_id)


class _MakesKeys:
    """A store that makes each family's key before mapping what it puts of it."""

    def __init__(self, mapper: CattrsMapper, recorder: AggregateRecorder, heads: Heads,
                 keyring: Keyring | None) -> None:  # fmt: skip
        super().__init__(mapper, recorder, heads)  # type: ignore[call-arg]
        self.keyring = keyring

    def put(self, domain_events: Sequence[Any], **kwargs: Any) -> list[Recording[UUID]]:
        """Make the families' keys (refusing an erased family), then chain and store."""
        _ensure_keys(self.keyring, domain_events)
        return super().put(domain_events, **kwargs)  # type: ignore[misc,no-any-return]


class _KeyedEventStore(_MakesKeys, ChainedEventStore):
    """The chained event store, making each family's key before mapping its events."""


class _KeyedSnapshotStore(_MakesKeys, ChainedSnapshotStore):
    """The chained snapshot store, making each family's key before mapping its snapshot.

    A family saved with a master key has its key already; one stored before
    encryption was turned on gets it here, as with its next event.
    """


class _ErasureAwareRepository(Repository[UUID]):
    """eventsourcing's repository, calling ``fresh(id)`` before each get of a family."""

    fresh: Callable[[UUID], object]

    def get(self, aggregate_id: UUID, *args: Any, **kwargs: Any) -> Any:
        """Read the family's key state from the store, then get it as eventsourcing does."""
        if aggregate_id != LEDGER_ID:
            self.fresh(aggregate_id)
        return super().get(aggregate_id, *args, **kwargs)


class Engine(Application[UUID]):
    """eventsourcing's application as this library stores families (private).

    Takes the arguments of :class:`~familiekoordinering.FamilyCoordination`,
    which documents them.
    """

    name = "FamilyCoordination"
    snapshot_class = Snapshot
    DEFAULT_SNAPSHOT_INTERVAL: ClassVar[int] = 100
    DEFAULT_CACHE_SIZE: ClassVar[int] = 128

    def __init__(
        self,
        store: str | Path = "memory",
        *,
        snapshot_interval: int | None = DEFAULT_SNAPSHOT_INTERVAL,
        cache_size: int = DEFAULT_CACHE_SIZE,
        retries: int = 3,
        clock: Clock = datetime_now_with_tzinfo,
        settings: Mapping[str, str] | None = None,
        master_key: bytes | None = None,
        encryption: bool | None = None,
        demo: bool = False,
    ) -> None:
        if encryption is not None and not isinstance(encryption, bool):
            raise ConfigurationError(
                f"encryption is {encryption!r}: give True, False or leave it out"
            )
        if encryption is False and master_key is not None:
            raise ConfigurationError(
                "encryption=False and a master key contradict each other: leave "
                "one of them out"
            )
        if encryption is True and master_key is None:
            raise ConfigurationError(
                "encryption=True needs the store's master key: give master_key= "
                "(make one with familiekoordinering.new_master_key())"
            )
        if snapshot_interval is not None and snapshot_interval < 1:
            raise ConfigurationError(
                f"snapshot_interval is {snapshot_interval}: give a positive number "
                "of events, or None to turn snapshots off"
            )
        if cache_size < 0:
            raise ConfigurationError(
                f"cache_size is {cache_size}: give a number of families, or 0 for none"
            )
        env = store_settings(store)
        env["IS_SNAPSHOTTING_ENABLED"] = "y" if snapshot_interval else "n"
        if cache_size:
            # Cached families are fast-forwarded with newer stored events on
            # every read and handed out as copies (Family.__deepcopy__ is cheap).
            env["AGGREGATE_CACHE_MAXSIZE"] = str(cache_size)
            env["AGGREGATE_CACHE_FASTFORWARD"] = "y"
            env["DEEPCOPY_FROM_AGGREGATE_CACHE"] = "y"
        env.update(settings or {})
        if retries < 0:
            raise ConfigurationError(f"retries is {retries}: give 0 or more")
        self.store = str(store)
        self.clock = clock
        self.master_key = master_key
        self.keyring: Keyring | None = None
        self.retries = retries
        # Taken by save itself (see _snapshot_saved), not by eventsourcing:
        # its snapshotting_intervals stay empty.
        self.snapshot_intervals: dict[type[Any], int] = (
            {Family: snapshot_interval} if snapshot_interval else {}
        )
        super().__init__(env=env)
        try:
            self.encrypted = self._check_protection(encryption, demo)
        except BaseException:
            self.close()
            raise
        # An unencrypted process looks at the ledger before each save, so that
        # it stops writing in the clear once another process turns encryption on.
        self._ledger_seen = (
            None if self.encrypted or self.in_memory else self._ledger_version()
        )
        self._ledger_next_look = time.monotonic() + self.LEDGER_LOOK_SECONDS
        if self.keyring is not None:
            self.ports.guard_erasures()

    @functools.cached_property
    def ports(self) -> StoragePorts:
        """What the store provides beyond eventsourcing's recorders.

        The persistence factory, when it implements
        :class:`~familiekoordinering.ports.StoragePorts` (the SQLite and
        PostgreSQL adapters); :class:`~familiekoordinering.ports.MemoryPorts`
        otherwise. Chosen once, when the mapper is made, just after the factory;
        its ``store_failures`` are what :func:`is_store_failure` counts as the
        store failing, wherever the library reads or writes this store.
        """
        ports: StoragePorts
        if isinstance(self.factory, StoragePorts):
            ports = self.factory
        else:
            ports = MemoryPorts(
                lambda: self.recorder,
                lambda: self.snapshots.recorder if self.snapshots is not None else None,
            )
        return ports

    @property
    def in_memory(self) -> bool:
        """Whether the store is eventsourcing's in-memory one (it writes no file)."""
        return isinstance(self.ports, MemoryPorts)

    def _check_protection(self, encryption: bool | None, demo: bool) -> bool:
        """Compare what the store declares with how it was opened; declare a new one.

        Returns whether personal data written from now on is sealed.
        """
        keyed = self.master_key is not None
        if self.in_memory:
            return keyed  # in memory: nothing is written to any file
        try:
            ledger = self.ledger()
        except Exception as e:  # altered beneath the library: the audit says how
            if keyed or (encryption is False and not self._holds_keys()):
                return keyed
            raise MasterKeyRequiredError(
                f"the store's ledger, which records whether the store is encrypted, "
                f"cannot be read ({type(e).__name__}): open the store with its "
                "master key (or encryption=False if it has none) and run "
                "'familiekoordinering audit'",
                demo_store=False,
            ) from None
        declared = ledger.encrypted if ledger is not None else None
        is_demo = ledger.demo if ledger is not None else False
        if declared is True and not keyed:
            raise MasterKeyRequiredError(
                "this store is encrypted and was opened without its master key: "
                "give master_key= (the command line: --master-key-file); it "
                "refuses every command and every read of personal data without it",
                demo_store=is_demo,
            )
        if (
            keyed
            and ledger is not None
            and ledger.key_check is not None
            and ledger.key_check != key_check(cast(bytes, self.master_key))
        ):
            raise ConfigurationError(
                "the master key given is not this store's: give the master key "
                "the store was written with"
            )
        if declared is None:
            if not keyed and self._holds_keys():
                raise MasterKeyRequiredError(
                    "this store holds families' wrapped keys, so it was written "
                    "with a master key, but its ledger records no protection (it "
                    "was removed, or the store is older): give its master key and "
                    "run 'familiekoordinering audit'",
                    demo_store=False,
                )
            if not keyed and encryption is not False:
                written = bool(self.recorder.max_notification_id())
                raise ConfigurationError(
                    (
                        "this store was written by an older version and records "
                        "no protection: give its master key (master_key=), or "
                        "encryption=False if it was never encrypted"
                    )
                    if written
                    else (
                        "a new store is encrypted: give master_key= (make one with "
                        "familiekoordinering.new_master_key() and keep it outside "
                        "the store), or encryption=False for tests and demos"
                    )
                )
            self._declare(ledger, encrypted=keyed, demo=demo)
        elif declared is False and keyed:
            self._declare(ledger, encrypted=True, demo=is_demo)  # turned on
        return keyed

    def _ledger_version(self) -> int:
        newest = self.recorder.select_events(LEDGER_ID, desc=True, limit=1)
        return newest[0].originator_version if newest else 0

    LEDGER_LOOK_SECONDS: ClassVar[float] = 0.1
    """How often a process without a key looks whether encryption was turned on."""

    def _refuse_if_encrypted_since(self) -> None:
        """Refuse to save in the clear once another process turned encryption on.

        Looks at the ledger at most every :attr:`LEDGER_LOOK_SECONDS` (a query
        per save would cost a few per cent of every command).
        """
        if self._ledger_seen is None:
            return
        now = time.monotonic()
        if now < self._ledger_next_look:
            return
        self._ledger_next_look = now + self.LEDGER_LOOK_SECONDS
        version = self._ledger_version()
        if version == self._ledger_seen:
            return
        ledger = self.ledger()
        if ledger is not None and ledger.encrypted:
            raise MasterKeyRequiredError(
                "another process turned encryption on for this store after this "
                "one opened it without a key: nothing was stored; open the store "
                "again with its master key",
                demo_store=ledger.demo,
            )
        self._ledger_seen = version

    def _holds_keys(self) -> bool:
        """Whether the store's key store holds any family's key or erasure."""
        if self.keyring is not None:
            return self.keyring.store.holds_keys()
        store = self.ports.key_store()
        try:
            return store.holds_keys()
        finally:
            store.close()

    def _declare(
        self, ledger: StoreLedger | None, *, encrypted: bool, demo: bool
    ) -> None:
        for _ in range(self.retries + 1):
            if ledger is None:
                ledger = StoreLedger.open(recorded_at=self.now())
            ledger.declare_protection(
                encrypted=encrypted,
                demo=demo,
                position=self.recorder.max_notification_id() or 0,
                key_check=key_check(self.master_key)
                if encrypted and self.master_key
                else None,
                recorded_at=self.now(),
            )
            try:
                self.save(ledger)
                return
            except IntegrityError:  # another process declared first: look again
                ledger = self.ledger()
                if ledger is not None and ledger.encrypted == encrypted:
                    return
        raise ConfigurationError(
            "the store's protection could not be recorded: other processes are "
            "changing it at the same time; open the store again"
        )

    # eventsourcing merges the process environment here; a library takes its
    # settings as arguments only.
    def construct_env(self, name: str, env: Any = None) -> Environment:
        """Build the settings from the arguments only (not the process environment)."""
        return Environment(name, dict(env or {}))

    def construct_transcoder(self) -> Transcoder:
        """Use plain JSON; the typing is done by the mapper."""
        return JSONBytesTranscoder()

    def construct_mapper(self) -> Mapper[UUID]:
        """Use the cattrs mapper for events and snapshots, sealing personal data.

        With a master key, each family's personal data is sealed with its own
        key, kept in the store's key store (see :mod:`familiekoordinering.protection`).
        """
        ports = self.ports  # chosen here, just after the factory is made
        if self.master_key is not None:
            self.keyring = Keyring(self.master_key, ports.key_store())
        mapper = self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=CattrsMapper
        )
        cast(CattrsMapper, mapper).keyring = self.keyring
        cast(CattrsMapper, mapper).chain = self.chain
        return mapper

    @functools.cached_property
    def chain(self) -> ChainKey:
        """How this store's digests are made: keyed by the master key, if there is one."""
        return chain_key(self.master_key)

    def construct_event_store(self) -> EventStore[UUID]:
        """An event store that chains each family's events (see :mod:`.integrity`).

        With a master key, it makes each family's key (and refuses an erased
        family) before it maps the family's events: the mapper only seals.
        """
        mapper = cast(CattrsMapper, self.mapper)
        self.heads = Heads(self.recorder, mapper)
        if self.keyring is None:  # no keys to make: no step before each put
            return ChainedEventStore(mapper, self.recorder, self.heads)
        return _KeyedEventStore(mapper, self.recorder, self.heads, self.keyring)

    def construct_snapshot_store(self) -> EventStore[UUID]:
        """A snapshot store whose snapshots name the digest of the event they follow.

        Keys are made (and an erased family refused) as for events.
        """
        recorder = self.factory.aggregate_recorder(purpose="snapshots")
        if self.keyring is None:
            return ChainedSnapshotStore(
                cast(CattrsMapper, self.mapper), recorder, self.heads
            )
        return _KeyedSnapshotStore(
            cast(CattrsMapper, self.mapper), recorder, self.heads, self.keyring
        )

    def _snapshot_saved(self, saved: ProcessingEvent[UUID]) -> None:
        """Snapshot each aggregate just saved whose new events crossed its interval.

        eventsourcing would reload the aggregate from the store to snapshot
        it, once per interval crossed. The aggregate just saved is in memory
        and complete (the save collected its pending events), so it is
        snapshotted as it is, once.
        """
        if self.snapshots is None or not self.snapshot_intervals:
            return
        for aggregate in saved.aggregates.values():
            interval = self.snapshot_intervals.get(type(aggregate))
            if interval is None or not any(
                event.originator_id == aggregate.id
                and event.originator_version % interval == 0
                for event in saved.events
            ):
                continue
            try:
                self.snapshots.put([Snapshot.take(aggregate)])
            except FamilyErasedError:
                pass  # erased since: as below
            except IntegrityError as e:
                # The family was erased (by another process) after this
                # save's events were stored: they are, so the save stands;
                # the store refused only the snapshot, which is not needed.
                if ERASED_REFUSAL not in str(e):
                    raise

    def construct_repository(self) -> Repository[UUID]:
        """Eventsourcing's repository, reading a family's key state before each get.

        So that no cache hands out a family another process erased (see
        :meth:`fresh`), whoever asks the repository.
        """
        repository = super().construct_repository()
        repository.__class__ = _ErasureAwareRepository
        cast(_ErasureAwareRepository, repository).fresh = self.fresh
        return repository

    def take_snapshot(
        self, aggregate_id: UUID, version: int | None = None, projector_func: Any = None
    ) -> None:
        """Snapshot a family (eventsourcing's ``take_snapshot``); refused once erased."""
        try:
            if projector_func is None:
                super().take_snapshot(aggregate_id, version)
            else:
                super().take_snapshot(aggregate_id, version, projector_func)
        except IntegrityError as e:
            if ERASED_REFUSAL not in str(e):
                raise
            raise FamilyErasedError(
                f"family {aggregate_id}'s personal data was erased: no snapshot of it "
                "is taken"
            ) from e

    def ledger(self) -> StoreLedger | None:
        """The store's ledger (what it declares about itself), or None if it has none."""
        try:
            with reading_the_store(self.ports.store_failures):
                ledger: StoreLedger = self.repository.get(LEDGER_ID)
        except AggregateNotFoundError:
            return None
        return ledger

    def now(self) -> datetime:
        """The clock's time; refuses a clock that gives no time zone."""
        now = self.clock()
        if now.tzinfo is None:
            raise ConfigurationError("the clock must return timezone-aware datetimes")
        return now

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """Save aggregates atomically (eventsourcing's ``save``), with clear store errors.

        Each family saved gets its key first, if it has none; an erased family
        raises :class:`FamilyErasedError` and nothing is stored (the event
        store makes sure of both, see :meth:`construct_event_store`). Then the
        families whose new events crossed a snapshot interval are snapshotted
        (:meth:`_snapshot_saved`).

        A store that cannot be written (unreachable, full) raises
        :class:`StoreError`; nothing of the save was stored. A lost race still
        raises eventsourcing's ``IntegrityError`` (commands retry on it).
        """
        if getattr(self, "_ledger_seen", None) is not None:
            self._refuse_if_encrypted_since()
        # Collected here, as eventsourcing's save would, so that the events and
        # aggregates saved are known for the snapshots taken after it. A
        # family (or the ledger) is an Aggregate: collected without
        # eventsourcing's runtime-protocol checks, which cost more than the
        # rest of a save's bookkeeping; only the events go on to its save.
        saving: ProcessingEvent[UUID] = ProcessingEvent()
        for obj in objs:
            if isinstance(obj, Aggregate):
                saving.events.extend(obj.collect_events())
                saving.aggregates[obj.id] = obj
            else:
                saving.collect_events(obj)
        try:
            recordings = super().save(*saving.events, **kwargs)
            cache = self.repository.cache
            if cache is not None and not self.repository.fastforward:
                for aggregate in saving.aggregates.values():
                    cache.put(aggregate.id, aggregate)  # as eventsourcing's save does
            self._snapshot_saved(saving)
            return recordings
        except IntegrityError as e:
            if ERASED_REFUSAL in str(e):
                # The store refused inside the save's own transaction: the
                # family was erased (by another process) after it was loaded.
                for family_id in dict.fromkeys(x.originator_id for x in saving.events):
                    self.fresh(family_id)  # forgets its key and the cached family
                raise FamilyErasedError(
                    "the family's personal data was erased while this change was "
                    "being made: nothing was stored, and nothing more can be "
                    "recorded for it"
                ) from e
            raise
        except Exception as e:
            if not is_store_failure(e, self.ports.store_failures):
                raise
            _log.error("the store could not be written (%s): nothing of this change "
                       "was stored", type(e).__name__)  # fmt: skip
            raise StoreError(
                f"the store could not be written ({type(e).__name__}: {e}): nothing of "
                "this change was stored; try again once the store is reachable and "
                "has room"
            ) from e

    def fresh(self, family_id: UUID) -> Erasure | None:
        """Read the family's key state from the store; forget an erased family.

        Runs before every command and read of a family, so that an erasure
        made by another process holds here at once: no cached key and no
        cached family (with its names) outlive it. Returns the erasure, if any.
        """
        if self.keyring is None:
            return None
        erasure = self.keyring.refresh(family_id)
        if erasure is not None and self.repository.cache is not None:
            with contextlib.suppress(KeyError):
                self.repository.cache.get(family_id, evict=True)
        return erasure

    def position(self) -> int:
        """The newest notification id in the log.

        Pass it as ``wait_for`` to a view query to read your own writes.
        """
        return self.recorder.max_notification_id() or 0

    def close(self) -> None:
        """Close the event store's and the key store's connections."""
        if self.keyring is not None:
            self.keyring.store.close()
        super().close()
