"""The storage ports: declared by each adapter, used by the core without probing."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest
from eventsourcing.popo import POPOFactory

import familiekoordinering
from familiekoordinering import FamilyCoordination, StoreError
from familiekoordinering.engine import is_store_failure
from familiekoordinering.ports import MemoryPorts, StoragePorts
from familiekoordinering_postgres import Factory as PostgresFactory
from familiekoordinering_sqlite import Factory as SQLiteFactory
from tests.conftest import LEAD, EnrolledFamily
from tests.test_faults import _meeting

pytestmark = pytest.mark.contract

CORE = Path(familiekoordinering.__file__).parent

MEMBERS = sorted(
    {name for name in vars(StoragePorts) if not name.startswith("_")}
    | set(StoragePorts.__annotations__)
)

DRIVER_ERRORS: dict[str, BaseException] = {
    "sqlite": sqlite3.OperationalError("database or disk is full"),
    "postgres": psycopg.OperationalError("server closed the connection unexpectedly"),
}


def test_the_protocol_declares_every_ability_the_core_uses() -> None:
    assert MEMBERS == [
        "access_log",
        "guard_erasures",
        "key_store",
        "listener",
        "max_notification_id",
        "select_chain_rows",
        "select_notification_rows",
        "select_versions",
        "snapshot_rows",
        "store_failures",
        "view_store",
    ]


@pytest.mark.parametrize("ports", [SQLiteFactory, PostgresFactory, MemoryPorts])
def test_each_implementation_defines_every_port_itself(ports: type[Any]) -> None:
    # Defined by the class (or eventsourcing's base), not left to the protocol.
    missing = [name for name in MEMBERS if not hasattr(ports, name)]
    assert missing == []
    assert all(isinstance(cls, type) for cls in ports.store_failures)


def test_each_store_takes_its_factory_as_ports_or_the_memory_ports(
    app: FamilyCoordination,
) -> None:
    engine = app._engine
    assert isinstance(engine.ports, StoragePorts)
    if isinstance(engine.factory, POPOFactory):
        assert isinstance(engine.ports, MemoryPorts)
    else:
        assert engine.ports is engine.factory
        assert isinstance(engine.factory, SQLiteFactory | PostgresFactory)


def _core_sources() -> list[tuple[Path, str]]:
    return [(path, path.read_text()) for path in sorted(CORE.rglob("*.py"))]


def test_the_core_asks_no_factory_what_it_can_do() -> None:
    probe = re.compile(r"\b(?:getattr|hasattr)\(\s*[^,()]*factory", re.IGNORECASE)
    found = [
        f"{path.relative_to(CORE)}: {m.group(0)}"
        for path, text in _core_sources()
        for m in probe.finditer(text)
    ]
    assert found == []


def test_the_core_names_no_database_driver() -> None:
    # Not the command line either: it asks the store's adapter (store.holds_store).
    driver = re.compile(
        r"^\s*(?:import|from)\s+(?:sqlite3|psycopg)|[\"']psycopg|__module__",
        re.MULTILINE,
    )
    found = [
        f"{path.relative_to(CORE)}: {m.group(0).strip()}"
        for path, text in _core_sources()
        for m in driver.finditer(text)
    ]
    assert found == []


@pytest.mark.parametrize("store", ["sqlite", "postgres"], indirect=True)
def test_a_driver_error_while_writing_is_a_store_error(
    app: FamilyCoordination, store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    family = EnrolledFamily(app)
    version = family.version
    error = DRIVER_ERRORS["sqlite" if store.endswith(".db") else "postgres"]

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(app._engine.recorder, "insert_events", fail)
    with pytest.raises(StoreError, match="nothing of this change was stored") as e:
        _meeting(app, family.id)
    assert e.value.__cause__ is error
    monkeypatch.undo()
    assert family.version == version


@pytest.mark.parametrize("store", ["sqlite", "postgres"], indirect=True)
def test_a_driver_error_while_logging_a_read_is_a_store_error(
    app: FamilyCoordination, store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    family = EnrolledFamily(app)
    error = DRIVER_ERRORS["sqlite" if store.endswith(".db") else "postgres"]

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(app._reader.access_log, "append", fail)
    with pytest.raises(StoreError, match="the read is refused") as e:
        app.get_family(family.id, actor=LEAD)
    assert e.value.__cause__ is error


@pytest.mark.parametrize("store", ["memory"], indirect=True)
def test_an_error_the_store_does_not_declare_is_not_a_store_failure(
    app: FamilyCoordination, monkeypatch: pytest.MonkeyPatch
) -> None:
    family = EnrolledFamily(app)
    error = sqlite3.OperationalError("not this store's driver")

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(app._engine.recorder, "insert_events", fail)
    with pytest.raises(sqlite3.OperationalError):
        _meeting(app, family.id)
    assert not is_store_failure(error, app._engine.ports.store_failures)
    assert is_store_failure(OSError("disk"), app._engine.ports.store_failures)
