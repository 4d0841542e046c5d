"""Erasure across real processes on one SQLite store (issue 15).

Two application processes and a projector process work on an encrypted store
while the test erases a family; a process that had the family loaded is
refused, the store's trigger refuses a save already under way, a store opened
without its key refuses to start, and a reader holding the write-ahead log
makes the erasure say it is incomplete until it is finished. The store's files
are scanned byte for byte for personal data.

The helpers here are shared with the PostgreSQL variant
(adapters/postgres/tests/test_postgres_erasure_processes.py).
"""

from __future__ import annotations

import base64
import json
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from familiekoordinering import (
    ERASED_TEXT,
    ConfigurationError,
    ErasureIncompleteError,
    FamilyCoordination,
    FamilyErasedError,
    new_master_key,
)
from familiekoordinering.demo import DemoClock, build_demo
from familiekoordinering.protection.sealing import personal_values
from tests.conftest import COORDINATOR, LEAD

pytestmark = pytest.mark.application

KEY = new_master_key()
KEY_B64 = base64.b64encode(KEY).decode()
AFTER_DEMO = date(2021, 6, 1)
"""A day after every event of a one-year demo: commands dated then are accepted."""

# ----------------------------------------------------------------- children

_PREAMBLE = """
import base64, json, sys, time, traceback
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID, uuid4
from familiekoordinering import (
    ERASED_TEXT, Actor, FamilyCoordination, FamilyErasedError, Municipality, Role,
)
LEAD = Actor("t-lead", Role.TEAM_LEAD, Municipality("4204"))
AFTER_DEMO = date(2021, 6, 1)
store, key, signals = sys.argv[1], base64.b64decode(sys.argv[2]), Path(sys.argv[3])

def wait_for(name, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not (signals / name).exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {name}")
        time.sleep(0.01)

def report(name, data):
    (signals / (name + ".json.tmp")).write_text(json.dumps(data, default=str))
    (signals / (name + ".json.tmp")).rename(signals / (name + ".json"))
"""

WORKER = (
    _PREAMBLE
    + """
tag, erased, other = sys.argv[4], UUID(sys.argv[5]), UUID(sys.argv[6])
app = FamilyCoordination(store, master_key=key, retries=50, snapshot_interval=None)
out = {"label_before": app.get_family(erased, actor=LEAD).label, "outcomes": []}
i = 0
rounds_after = 0
deadline = time.monotonic() + 60
while rounds_after < 4 and time.monotonic() < deadline:
    seen = (signals / "erased").exists()
    for family_id in (erased, other):
        i += 1
        words, who = f"Vedtak {tag}{i} om Qzx-hjelp", f"Deltaker {tag}{i} Wykeham"
        try:
            app.hold_meeting(
                family_id, participants=[who], members_present=[], decisions=[words],
                occurred_on=AFTER_DEMO + timedelta(days=i % 300), actor=LEAD,
            )
            outcome = "ok"
        except FamilyErasedError:
            outcome = "erased"
        except Exception as e:
            outcome = f"{type(e).__name__}: {e}"
        out["outcomes"].append({"family": str(family_id), "seen_erasure": seen,
                                "outcome": outcome, "texts": [words, who]})
    if i >= 6:
        (signals / f"ready-{tag}").touch()
    if seen:
        rounds_after += 1
    time.sleep(0.005)
# Every read of the erased family, in a process that had it loaded (and cached).
family = app.get_family(erased, actor=LEAD)
out["label_after"] = family.label
out["names_after"] = sorted({m.name for m in family.members.values()})
out["other_label_after"] = app.get_family(other, actor=LEAD).label
position = app.position()
reads = [
    repr(vars(family)),
    repr(app.family_history(erased, actor=LEAD)),
    json.dumps(app.views.plan(erased, actor=LEAD, wait_for=position, timeout=30),
               default=str, ensure_ascii=False),
    repr([e for e in app.views.caseload(on=AFTER_DEMO, actor=LEAD, wait_for=position,
                                        timeout=30) if e.family_id == str(erased)
          or e.family_id == erased]),
    app.report(erased, on=AFTER_DEMO, actor=LEAD),
    app.timeline(erased, language="en", actor=LEAD).render_text(),
]
out["reads_after"] = reads
out["other_plan"] = json.dumps(app.views.plan(other, actor=LEAD), default=str,
                               ensure_ascii=False)
report(f"report-{tag}", out)
wait_for("scanned")  # keep the store open while the files are scanned
app.close()
"""
)

PROJECTOR = (
    _PREAMBLE
    + """
app = FamilyCoordination(store, master_key=key)
rounds, folded = 0, 0
while not (signals / "stop").exists():
    folded += app.views.catch_up()
    rounds += 1
    time.sleep(0.005)
folded += app.views.catch_up()
report("report-projector", {"rounds": rounds, "folded": folded})
wait_for("scanned")
app.close()
"""
)

SAVER = (
    _PREAMBLE
    + """
family_id, mode = UUID(sys.argv[4]), sys.argv[5]
out = {}
if mode == "trigger":
    # Load the family (key and family cached), record an event in memory, and
    # save it only after another process erased the family.
    app = FamilyCoordination(store, master_key=key)
    family = app._reader.load(family_id)
    out["label_loaded"] = family.label
    from familiekoordinering.domain.commands import HoldMeeting
    from familiekoordinering.testing.commands import run
    run(family, HoldMeeting,
        meeting_id=uuid4(), participants=["Sigrun Trigger-Vik"], members_present=[],
        decisions=["Flytte til Trigger-Vik"], occurred_on=AFTER_DEMO, actor=LEAD,
        recorded_at=app._engine.now(),
    )
    (signals / "loaded").touch()
    wait_for("erased")
    try:
        app._engine.save(family)
        out["save"] = "ok"
    except FamilyErasedError as e:
        out["save"] = "erased"
        out["message"] = str(e)
    except Exception as e:
        out["save"] = f"{type(e).__name__}: {e}"
    try:  # a snapshot of the (cached) family: refused too
        app._engine.take_snapshot(family_id)
        out["snapshot"] = "ok"
    except Exception as e:
        out["snapshot"] = type(e).__name__
else:
    # A command whose events are stored just before the erasure, and whose
    # snapshot (due with this event) is taken just after it.
    version = int(sys.argv[6])
    app = FamilyCoordination(store, master_key=key, snapshot_interval=version + 1)
    app.get_family(family_id, actor=LEAD)
    take = app._engine._snapshot_saved
    def slow(processing_event):
        (signals / "loaded").touch()
        wait_for("erased")
        take(processing_event)
    app._engine._snapshot_saved = slow
    try:
        app.hold_meeting(
            family_id, participants=["Sigrun Snap-Vik"], members_present=[],
            decisions=["Flytte til Snap-Vik"], occurred_on=AFTER_DEMO, actor=LEAD,
        )
        out["save"] = "ok"
    except FamilyErasedError as e:
        out["save"] = "erased"
        out["message"] = str(e)
    except Exception as e:
        out["save"] = f"{type(e).__name__}: {e}"
report("report-saver", out)
app.close()
"""
)

INSPECT = """
import json, sys
from uuid import UUID
from familiekoordinering import FamilyCoordination
import base64
app = FamilyCoordination(sys.argv[1], master_key=base64.b64decode(sys.argv[2]),
                         cache_size=0)
events = list(app._engine.recorder.select_events(UUID(sys.argv[3])))
snapshots = list(app._engine.snapshots.recorder.select_events(UUID(sys.argv[3])))
print(json.dumps({"version": events[-1].originator_version,
                  "snapshots": [s.originator_version for s in snapshots],
                  "max_id": app._engine.recorder.max_notification_id()}))
app.close()
"""


def spawn(script: str, *args: object) -> subprocess.Popen[str]:
    """A child Python process running ``script`` with ``args``."""
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(
    path: Path, children: Iterable[subprocess.Popen[str]], timeout: float = 60.0
) -> None:
    """Wait until ``path`` exists; fail at once if a child died before making it."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        for child in children:
            if child.poll() is not None and not path.exists():
                _, err = child.communicate()
                pytest.fail(f"a child ended ({child.returncode}) early:\n{err}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {path.name}")
        time.sleep(0.01)


def finish(children: Iterable[subprocess.Popen[str]]) -> None:
    """Wait for the children to end; each must end well."""
    for child in children:
        _, err = child.communicate(timeout=60)
        assert child.returncode == 0, err


def inspect(store: str, family_id: UUID) -> dict[str, Any]:
    """The family's version and snapshots, and the log's end, read by a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", INSPECT, store, KEY_B64, str(family_id)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


# -------------------------------------------------------------- personal data

COORDINATORS = {
    "k-lund",
    "Kristin Lund",
    "e-said",
    "Elias Said",
    "m-dahl",
    "Mette Dahl",
}
"""The demo's coordinators: named in the clear by the assignments (not personal data)."""


def personal_strings(app: FamilyCoordination, family_id: UUID) -> set[str]:
    """The family's personal values as text (names, labels, birth dates, free text)."""
    out: set[str] = set()
    for event in app.family_history(family_id, actor=LEAD):
        for value in personal_values(event):
            out.add(value.isoformat() if isinstance(value, date) else str(value))
    return {t for t in out - COORDINATORS if len(t) > 3}


def names_of(app: FamilyCoordination, family_id: UUID) -> set[str]:
    """The family's label and its members' names."""
    family = app.get_family(family_id, actor=LEAD)
    return {family.label, *(m.name for m in family.members.values())}


_BASE64 = re.compile(r"[A-Za-z0-9+/=]+")


def forms(text: str, *, hex_too: bool = False) -> list[bytes]:
    """How ``text`` could be written in a file: UTF-8, JSON-escaped, and as hex.

    A short word that base64 could spell ("Ali") turns up by chance in the
    sealed values (base64 text): it is looked for as a whole JSON string.
    """
    if len(text) < 12 and _BASE64.fullmatch(text):
        text = json.dumps(text)  # ASCII: no other JSON form
    out = [text.encode(), json.dumps(text)[1:-1].encode()]
    if hex_too:  # pg_dump writes bytea columns as hex
        out.append(text.encode().hex().encode())
    return out


def found(raw: bytes, texts: Iterable[str], *, hex_too: bool = False) -> list[str]:
    """The texts that occur in ``raw`` in any of their forms."""
    return sorted(t for t in texts if any(f in raw for f in forms(t, hex_too=hex_too)))


def sqlite_files(directory: Path) -> bytes:
    """The bytes of every file of the SQLite store (database, -wal and -shm).

    Read by another process: closing a file of the store in this one would
    drop the POSIX locks this process's SQLite connections hold on it.
    """
    files = sorted(p for p in directory.iterdir() if p.name.startswith("store.db"))
    assert any(p.name.endswith("-wal") for p in files)  # scanned while in WAL mode
    done = subprocess.run(["cat", *map(str, files)], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


# ------------------------------------------------------------------ programme


class Programme:
    """An encrypted demo store, built in this process; what it holds in the clear."""

    def __init__(self, store: str, *, seed: int, snapshot_interval: int = 5) -> None:
        clock = DemoClock()
        self.store = store
        self.app = FamilyCoordination(
            store, master_key=KEY, clock=clock, snapshot_interval=snapshot_interval
        )
        report = build_demo(self.app, clock, families=4, years=1, seed=seed)
        self.family_ids = report.family_ids
        self.erased, self.other = report.family_ids[0], report.family_ids[1]
        self.secrets = {f: personal_strings(self.app, f) for f in self.family_ids}
        self.names = set().union(*(names_of(self.app, f) for f in self.family_ids))
        self.version = {f: self.version_of(f) for f in self.family_ids}

    def version_of(self, family_id: UUID) -> int:
        events = list(self.app._engine.recorder.select_events(family_id))
        return events[-1].originator_version

    def all_secrets(self) -> set[str]:
        return set().union(*self.secrets.values())


def run_erasure_among_processes(
    store: str, signals: Path, *, seed: int, scan: Callable[[Programme], None]
) -> tuple[Programme, dict[str, Any], bytes]:
    """Two workers and a projector on ``store``; the family is erased while they run.

    ``scan`` runs once the workers are done and the views and snapshots are
    up to date, while every child still has the store open. Returns the
    programme, the children's reports and the erased family's old wrapped key.
    """
    signals.mkdir()
    programme = Programme(store, seed=seed)
    app = programme.app
    erased, other = programme.erased, programme.other
    common = (store, KEY_B64, signals)
    projector = spawn(PROJECTOR, *common)
    workers = {tag: spawn(WORKER, *common, tag, erased, other) for tag in "AB"}
    children = [projector, *workers.values()]
    try:
        for tag in workers:
            wait_for(signals / f"ready-{tag}", children)
        assert app._engine.keyring is not None
        row = app._engine.keyring.store.get(erased)
        assert row is not None
        assert row.wrapped is not None
        app.erase(erased, actor=LEAD, wait=5.0)
        (signals / "erased").touch()
        for tag in workers:
            wait_for(signals / f"report-{tag}.json", children)
        (signals / "stop").touch()
        wait_for(signals / "report-projector.json", children)
        app.views.catch_up()
        for family_id in programme.family_ids:
            if family_id != erased:
                app._engine.take_snapshot(family_id)
        scan(programme)
    finally:
        (signals / "scanned").touch()
        (signals / "stop").touch()
    finish(children)
    reports = {
        tag: json.loads((signals / f"report-{tag}.json").read_text())
        for tag in [*workers, "projector"]
    }
    return programme, reports, row.wrapped


def check_outcomes(programme: Programme, reports: dict[str, Any]) -> None:
    """Every command after the erasure was refused; nothing refused was stored."""
    erased, other = str(programme.erased), str(programme.other)
    stored = dict.fromkeys((erased, other), 0)
    for tag in "AB":
        report = reports[tag]
        assert report["label_before"] not in (None, ERASED_TEXT)
        outcomes = report["outcomes"]
        mine = [o for o in outcomes if o["family"] == erased]
        # The worker had the family loaded (it recorded for it) before the erasure…
        assert any(o["outcome"] == "ok" and not o["seen_erasure"] for o in mine)
        # …and every command it started after the erasure was refused.
        after = [o for o in mine if o["seen_erasure"]]
        assert len(after) >= 4
        assert {o["outcome"] for o in after} == {"erased"}, after
        assert {o["outcome"] for o in mine} <= {"ok", "erased"}, mine
        # The other family took every command, before and after.
        theirs = [o for o in outcomes if o["family"] == other]
        assert {o["outcome"] for o in theirs} == {"ok"}, theirs
        assert any(o["seen_erasure"] for o in theirs)
        for o in outcomes:
            stored[o["family"]] += o["outcome"] == "ok"
        # Reads of the erased family show it erased; the other family's do not.
        assert report["label_after"] == ERASED_TEXT
        assert report["names_after"] == [ERASED_TEXT]
        assert report["other_label_after"] not in (None, ERASED_TEXT)
        reads = "\n".join(report["reads_after"])
        theirs_only = programme.secrets[programme.erased] - set().union(
            *(s for f, s in programme.secrets.items() if f != programme.erased)
        )
        texts = {t for o in mine if o["outcome"] == "ok" for t in o["texts"]}
        assert texts
        assert found(reads.encode(), theirs_only | texts) == []
        assert ERASED_TEXT in reads
        assert any(name in report["other_plan"] for name in names_of_plan(programme))
    # Exactly the commands reported as done were stored: none refused was.
    assert programme.version_of(programme.erased) == (
        programme.version[programme.erased] + stored[erased]
    )
    assert programme.version_of(programme.other) == (
        programme.version[programme.other] + stored[other]
    )
    assert reports["projector"]["rounds"] > 1
    assert reports["projector"]["folded"] > 0


def names_of_plan(programme: Programme) -> set[str]:
    """The other family's member names (its plan, read by a worker, shows them)."""
    fresh = FamilyCoordination(programme.store, master_key=KEY, cache_size=0)
    try:
        return {
            m.name
            for m in fresh.get_family(programme.other, actor=LEAD).members.values()
        }
    finally:
        fresh.close()


def worker_texts(reports: dict[str, Any]) -> set[str]:
    """Every free text the workers recorded (stored or refused)."""
    return {t for tag in "AB" for o in reports[tag]["outcomes"] for t in o["texts"]}


# ---------------------------------------------------------------------- tests


def test_an_erasure_holds_at_once_in_every_process_and_leaves_no_personal_data_in_the_files(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "store"
    directory.mkdir()
    store = str(directory / "store.db")
    scanned: dict[str, Any] = {}

    def scan(programme: Programme) -> None:
        assert programme.app._engine.keyring is not None
        live = programme.app._engine.keyring.store.get(programme.other)
        assert live is not None
        assert live.wrapped is not None
        raw = sqlite_files(directory)
        scanned["raw"] = raw
        # The scan reads what the store holds: the other families' keys are there.
        assert live.wrapped in raw
        # The views are built and snapshots taken, while the children have the
        # store open: none of any family's personal data is in the files.
        snapshots = [
            s
            for f in programme.family_ids
            for s in programme.app._engine.snapshots.recorder.select_events(f)  # type: ignore[union-attr]
        ]
        assert len(snapshots) >= len(programme.family_ids)
        assert found(raw, programme.names) == []
        assert found(raw, programme.all_secrets()) == []

    programme, reports, wrapped = run_erasure_among_processes(
        store, tmp_path / "signals", seed=21, scan=scan
    )
    check_outcomes(programme, reports)
    raw = scanned["raw"]
    assert found(raw, worker_texts(reports)) == []
    assert wrapped not in raw  # the erased family's key is gone from every file

    # The scanner finds names where they are: the same programme, unencrypted.
    clear_dir = tmp_path / "clear"
    clear_dir.mkdir()
    clock = DemoClock()
    clear = FamilyCoordination(
        str(clear_dir / "store.db"), clock=clock, encryption=False
    )
    report = build_demo(clear, clock, families=4, years=1, seed=21)
    clear.views.catch_up()
    clear_raw = sqlite_files(clear_dir)
    clear_names = set().union(*(names_of(clear, f) for f in report.family_ids))
    clear.close()
    assert clear_names == programme.names
    assert found(clear_raw, clear_names) == sorted(clear_names)
    programme.app.close()


def test_a_save_already_past_the_check_is_refused_by_the_store_trigger(
    tmp_path: Path,
) -> None:
    store = str(tmp_path / "store.db")
    check_trigger_refuses_a_loaded_family(store, tmp_path / "signals", seed=22)


def check_trigger_refuses_a_loaded_family(store: str, signals: Path, seed: int) -> None:
    """Process B loads the family and records an event; A erases; B saves."""
    signals.mkdir()
    programme = Programme(store, seed=seed)
    app, family_id = programme.app, programme.erased
    before = inspect(store, family_id)
    saver = spawn(SAVER, store, KEY_B64, signals, family_id, "trigger")
    wait_for(signals / "loaded", [saver])
    app.erase(family_id, actor=LEAD, wait=5.0)
    (signals / "erased").touch()
    finish([saver])
    out = json.loads((signals / "report-saver.json").read_text())
    assert out["label_loaded"] not in (None, ERASED_TEXT)  # B had it, names and all
    assert out["save"] == "erased", out
    assert "nothing was stored" in out["message"]
    assert out["snapshot"] != "ok"
    after = inspect(store, family_id)
    assert after["version"] == before["version"] == programme.version[family_id]
    assert after["snapshots"] == before["snapshots"]
    assert after["max_id"] == before["max_id"]
    app.close()


def test_a_command_whose_snapshot_follows_an_erasure_tells_whether_it_stored(
    tmp_path: Path,
) -> None:
    store = str(tmp_path / "store.db")
    check_snapshot_race(store, tmp_path / "signals", seed=23)


def check_snapshot_race(store: str, signals: Path, seed: int) -> None:
    """B's events are stored before the erasure, its snapshot after it.

    Whatever B's command answers must be true: a FamilyErasedError says
    nothing was stored.
    """
    signals.mkdir()
    programme = Programme(store, seed=seed, snapshot_interval=1000)
    app, family_id = programme.app, programme.erased
    version = programme.version[family_id]
    saver = spawn(SAVER, store, KEY_B64, signals, family_id, "snapshot", version)
    wait_for(signals / "loaded", [saver])
    app.erase(family_id, actor=LEAD, wait=5.0)
    (signals / "erased").touch()
    finish([saver])
    out = json.loads((signals / "report-saver.json").read_text())
    after = inspect(store, family_id)
    stored = after["version"] - version
    assert (out["save"], stored) in {("ok", 1), ("erased", 0)}, (out, after)
    app.close()


def test_an_encrypted_store_opened_without_its_key_refuses_to_start(
    tmp_path: Path,
) -> None:
    store = str(tmp_path / "store.db")
    programme = Programme(store, seed=24)
    programme.app.close()

    def counts() -> dict[str, int]:
        with sqlite3.connect(store) as conn:
            return {
                table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in (
                    "stored_events",
                    "stored_snapshots",
                    "fk_family_keys",
                    "fk_access_log",
                )
            } | {
                "max": conn.execute("SELECT max(rowid) FROM stored_events").fetchone()[
                    0
                ]
            }

    before = counts()
    assert before["max"] > 0
    for extra in ("", ", encryption=False"):
        script = (
            "import sys\nfrom familiekoordinering import FamilyCoordination\n"
            f"app = FamilyCoordination(sys.argv[1]{extra})\n"
            "print('opened')\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script, store],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode != 0
        assert "opened" not in done.stdout
        last = done.stderr.strip().splitlines()[-1]
        assert last.startswith("familiekoordinering.errors.MasterKeyRequiredError"), (
            done.stderr
        )
        assert counts() == before

    # A new store needs a key, or encryption=False said out loud.
    new = tmp_path / "new.db"
    with pytest.raises(ConfigurationError, match="a new store is encrypted"):
        FamilyCoordination(str(new))
    assert events_in(new) == 0
    memory = FamilyCoordination("memory")  # writes no file: exempt
    assert memory.encrypted is False
    memory.close()
    declared = FamilyCoordination(str(new), encryption=False)
    # The declaration, in the ledger.
    assert declared._engine.recorder.max_notification_id()
    declared.close()


def events_in(path: Path) -> int:
    """How many events the SQLite file holds (0 when it has no events table)."""
    if not path.exists():
        return 0
    conn = sqlite3.connect(path)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        if "stored_events" not in tables:
            return 0
        count: int = conn.execute("SELECT count(*) FROM stored_events").fetchone()[0]
        return count
    finally:
        conn.close()


def test_an_erasure_behind_a_reader_is_incomplete_until_finished(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "store"
    directory.mkdir()
    store = str(directory / "store.db")
    programme = Programme(store, seed=25)
    app, family_id = programme.app, programme.erased
    app.views.catch_up()
    assert app._engine.keyring is not None
    row = app._engine.keyring.store.get(family_id)
    assert row is not None
    assert row.wrapped is not None
    wrapped = row.wrapped
    assert wrapped in sqlite_files(directory)

    reader = sqlite3.connect(store, isolation_level=None)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM stored_events").fetchone()[0] > 0
        started = time.monotonic()
        with pytest.raises(ErasureIncompleteError, match="finish"):
            app.erase(family_id, actor=LEAD, wait=0.5)
        assert time.monotonic() - started < 4
        # The erasure holds nonetheless, in this process and in a fresh one.
        with pytest.raises(FamilyErasedError):
            app.hold_meeting(
                family_id,
                participants=["Kristin Lund"],
                members_present=[],
                occurred_on=AFTER_DEMO,
                actor=COORDINATOR,
            )
        assert names_of(app, family_id) == {ERASED_TEXT}
        fresh = FamilyCoordination(store, master_key=KEY, cache_size=0)
        assert names_of(fresh, family_id) == {ERASED_TEXT}
        fresh.close()
        assert inspect(store, family_id)["version"] == programme.version[family_id]
        # What the error says: the old key is still in the files, held by the reader.
        assert wrapped in sqlite_files(directory)
        with pytest.raises(ErasureIncompleteError):
            app.finish_erasures(actor=LEAD, wait=0.2)
    finally:
        reader.execute("ROLLBACK")
        reader.close()

    app.finish_erasures(actor=LEAD, wait=5)
    raw = sqlite_files(directory)
    assert wrapped not in raw
    assert found(raw, programme.secrets[family_id]) == []
    assert app.get_family(programme.other, actor=LEAD).label != ERASED_TEXT
    app.close()
