"""Files as a security tool would want them, on real files and real processes.

Store files and output files are created 0600 whatever the umask; output is
never written through a symbolic link nor over an existing file without
``--force`` / ``overwrite=True``; a key file others may read is refused; the
parallel rebuild's child process imports nothing from the working directory.
"""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from familiekoordinering import FamilyCoordination
from familiekoordinering.cli import main
from familiekoordinering.demo import DemoClock, build_demo
from familiekoordinering.errors import ConfigurationError, InvalidInputError
from familiekoordinering.files import write_private
from familiekoordinering.protection import load_master_key, new_master_key
from familiekoordinering_sqlite import SQLiteViewStore
from tests.conftest import LEAD as TEAM_LEAD

pytestmark = pytest.mark.application

LEAD = "t-lead:team_lead:4204"
AUDITOR = "r-revisor:auditor:4204"
RESEARCHER = "f-forsker:researcher:4204"
UMASKS = [0o022, 0o000]


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture(params=UMASKS, ids=lambda m: f"umask{m:03o}")
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def cli(*args: str, cwd: Path, umask: int = 0o022) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAMILIEKOORD")}
    return subprocess.run(
        [sys.executable, "-m", "familiekoordinering", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
        env=env, umask=umask,
    )  # fmt: skip


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(list(args))
    return status, capsys.readouterr().err


# ----------------------------------------------------------------- write_private


def test_a_new_file_is_0600_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "out.json"
    write_private(path, b"data\n")
    assert path.read_bytes() == b"data\n"
    assert mode(path) == 0o600


def test_an_existing_file_is_refused_unless_overwriting_is_asked(
    tmp_path: Path,
) -> None:
    path = tmp_path / "out.json"
    path.write_bytes(b"old")
    path.chmod(0o644)
    with pytest.raises(InvalidInputError, match=r"exists already.*--force"):
        write_private(path, b"new")
    assert path.read_bytes() == b"old"
    assert mode(path) == 0o644

    write_private(path, b"new", overwrite=True)
    assert path.read_bytes() == b"new"
    assert mode(path) == 0o600  # a new file, not the old one's mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]  # no temp left


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_symlink_at_the_target_is_refused_and_its_target_unchanged(
    tmp_path: Path, overwrite: bool
) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    victim.chmod(0o644)
    link = tmp_path / "out.json"
    link.symlink_to(victim)
    with pytest.raises(InvalidInputError, match="symbolic link"):
        write_private(link, b"evil", overwrite=overwrite)
    assert victim.read_bytes() == b"precious"
    assert mode(victim) == 0o644
    assert link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json", "victim"]


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_dangling_symlink_is_refused_and_nothing_is_created_at_its_target(
    tmp_path: Path, overwrite: bool
) -> None:
    link = tmp_path / "out.json"
    link.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(InvalidInputError, match="symbolic link"):
        write_private(link, b"evil", overwrite=overwrite)
    assert not (tmp_path / "elsewhere").exists()


def test_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(
        InvalidInputError, match=r"cannot write .*directory that exists"
    ):
        write_private(tmp_path / "nope" / "out.json", b"x")
    with pytest.raises(InvalidInputError, match="cannot write"):
        write_private(tmp_path / "nope" / "out.json", b"x", overwrite=True)


# ------------------------------------------------------------------ store files


def test_a_new_sqlite_store_and_its_wal_and_shm_are_0600(
    tmp_path: Path, umask: int
) -> None:
    path = tmp_path / "store.db"
    clock = DemoClock()
    app = FamilyCoordination(path, clock=clock, encryption=False)
    try:
        build_demo(app, clock, families=1, years=1, seed=4)
        app.views.catch_up()
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert all(f.exists() for f in files)  # checked while the store is open
        assert {f.name: mode(f) for f in files} == dict.fromkeys(
            (f.name for f in files), 0o600
        )
    finally:
        app.close()


def test_a_view_store_opened_on_a_new_file_creates_it_0600(
    tmp_path: Path, umask: int
) -> None:
    path = tmp_path / "views.db"
    store = SQLiteViewStore(str(path))
    try:
        store.new_generation()
        for f in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            assert mode(f) == 0o600, f
    finally:
        store.close()


def test_an_existing_store_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    path.touch()
    path.chmod(0o640)
    FamilyCoordination(path, encryption=False).close()
    assert mode(path) == 0o640  # documented: existing files are left alone


def test_the_demo_writes_its_store_and_key_0600_whatever_the_umask(
    tmp_path: Path, umask: int
) -> None:
    done = cli("demo", "--families", "1", "--years", "1", cwd=tmp_path, umask=umask)
    assert done.returncode == 0, done.stderr
    assert mode(tmp_path / "familiekoordinering.db") == 0o600
    assert mode(tmp_path / "familiekoordinering.db.key") == 0o600


# -------------------------------------------------------------- command line


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("files")
    done = cli("demo", "--families", "2", "--years", "1", cwd=directory)
    assert done.returncode == 0, done.stderr
    research_key = directory / "research.key"
    write_private(research_key, base64.b64encode(new_master_key()))
    return directory


def _family(demo: Path) -> str:
    app = FamilyCoordination(
        demo / "familiekoordinering.db",
        master_key=load_master_key(demo / "familiekoordinering.db.key"),
    )
    try:
        return str(app.family_ids(actor=TEAM_LEAD)[0])
    finally:
        app.close()


def _command(demo: Path, which: str, output: Path) -> list[str]:
    store = ["--store", str(demo / "familiekoordinering.db")]
    if which in ("export", "report"):
        path = output.with_suffix(".html") if which == "report" else output
        return [*store, "--actor", LEAD, "export", _family(demo), "--output", str(path)]
    if which == "research-export":
        key = str(demo / "research.key")
        return [*store, "--actor", RESEARCHER, "research-export", "--output",
                str(output), "--key-file", key]  # fmt: skip
    return [*store, "--actor", AUDITOR, "checkpoint", "--output", str(output)]


COMMANDS = ["export", "report", "research-export", "checkpoint"]


@pytest.mark.parametrize("which", COMMANDS)
def test_cli_output_is_0600_never_overwritten_without_force(
    demo: Path,
    tmp_path: Path,
    which: str,
    umask: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = _command(demo, which, tmp_path / "out.json")
    output = Path(args[args.index("--output") + 1])
    status, err = run_main(capsys, *args)
    assert status == 0, err
    assert mode(output) == 0o600
    first = output.read_bytes()
    assert first

    output.write_bytes(b"kept")
    output.chmod(0o644)
    status, err = run_main(capsys, *args)
    assert status == 1
    assert "exists already" in err
    assert "--force" in err
    assert output.read_bytes() == b"kept"

    status, err = run_main(capsys, *args, "--force")
    assert status == 0, err
    assert output.read_bytes() not in (b"kept", b"")
    assert mode(output) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [output.name]


@pytest.mark.parametrize("which", COMMANDS)
@pytest.mark.parametrize("force", [False, True])
def test_cli_output_never_goes_through_a_symlink(
    demo: Path,
    tmp_path: Path,
    which: str,
    force: bool,
    capsys: pytest.CaptureFixture[str],
) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    victim.chmod(0o644)
    args = _command(demo, which, tmp_path / "out.json")
    output = Path(args[args.index("--output") + 1])
    output.symlink_to(victim)
    status, err = run_main(capsys, *args, *(["--force"] if force else []))
    assert status == 1
    assert "symbolic link" in err
    assert victim.read_bytes() == b"precious"
    assert mode(victim) == 0o644
    assert output.is_symlink()


def test_the_cli_refuses_output_over_a_file_in_a_real_process(demo: Path) -> None:
    family = _family(demo)
    (demo / "taken.json").write_text("kept")
    done = cli("--actor", LEAD, "export", family, "--output", "taken.json", cwd=demo)
    assert done.returncode == 1
    assert "taken.json exists already" in done.stderr
    assert "Traceback" not in done.stderr
    assert (demo / "taken.json").read_text() == "kept"


# ------------------------------------------------------------------ key files


@pytest.mark.parametrize("loose", [0o644, 0o640, 0o620, 0o604, 0o602, 0o700 | 0o070])
def test_a_key_file_others_may_use_is_refused(tmp_path: Path, loose: int) -> None:
    path = tmp_path / "my master.key"
    path.write_bytes(base64.b64encode(new_master_key()))
    path.chmod(loose)
    with pytest.raises(ConfigurationError) as refused:
        load_master_key(path)
    assert f"chmod 600 '{path}'" in str(refused.value)
    path.chmod(0o600)
    assert len(load_master_key(path)) == 32
    path.chmod(0o400)
    assert len(load_master_key(path)) == 32


def test_a_key_path_that_is_no_file_is_refused_at_once(tmp_path: Path) -> None:
    """A FIFO would block the open, /dev/zero the read: neither is waited on."""
    fifo = tmp_path / "key.fifo"
    os.mkfifo(fifo, 0o600)
    for path in (fifo, Path("/dev/zero"), tmp_path):
        started = time.monotonic()
        with pytest.raises(ConfigurationError, match="is not a file"):
            load_master_key(path)
        assert time.monotonic() - started < 2


def test_a_symlink_to_a_loose_key_file_is_refused_by_the_targets_mode(
    tmp_path: Path,
) -> None:
    target = tmp_path / "real.key"
    key = new_master_key()
    target.write_bytes(base64.b64encode(key))
    target.chmod(0o644)
    link = tmp_path / "link.key"
    link.symlink_to(target)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        load_master_key(link)
    target.chmod(0o600)
    assert load_master_key(link) == key  # a link to a private key file is fine


def test_the_cli_refuses_a_loose_master_key_file(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loose = tmp_path / "loose.key"
    loose.write_bytes((demo / "familiekoordinering.db.key").read_bytes())
    loose.chmod(0o644)
    status, err = run_main(
        capsys,
        "--store", str(demo / "familiekoordinering.db"), "--actor", LEAD,
        "--master-key-file", str(loose), "families",
    )  # fmt: skip
    assert status == 1
    assert f"chmod 600 {loose}" in err


# ------------------------------------------------------------ child processes

PLANTED = """\
import pathlib
pathlib.Path({marker!r}).write_text("imported from " + __file__)
"""


def _rebuild_from(
    cwd: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[FamilyCoordination, int, list[list[str]]]:
    import familiekoordinering_sqlite.parallel as parallel

    clock = DemoClock()
    app = FamilyCoordination(tmp_path / "store.db", clock=clock, encryption=False)
    build_demo(app, clock, families=2, years=1, seed=6)
    started: list[list[str]] = []
    real_popen = subprocess.Popen

    def spy(argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        started.append(list(argv))
        return real_popen(argv, **kwargs)

    monkeypatch.setattr(parallel.subprocess, "Popen", spy)
    monkeypatch.chdir(cwd)
    app.views.rebuild_batch_size = 25  # many batches from the child
    return app, app.views.rebuild(), started


def _check_rebuilt(
    app: FamilyCoordination, count: int, started: list[list[str]]
) -> None:
    assert started == [
        [sys.executable, "-I", "-m", "familiekoordinering_sqlite.parallel"]
    ]
    assert count == app.position() > 0
    store = app.views._store
    generation = store.active_generation()
    assert store.position(generation) == app.position()
    assert len(list(app.list_families(actor=_lead()))) == 2


def _lead() -> Any:
    from familiekoordinering import Actor, Municipality, Role

    return Actor("t-lead", Role.TEAM_LEAD, Municipality("4204"))


def test_the_rebuild_child_imports_nothing_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "marker"
    cwd = tmp_path / "work"
    (cwd / "familiekoordinering_sqlite").mkdir(parents=True)
    for planted in (
        cwd / "familiekoordinering_sqlite" / "__init__.py",
        cwd / "eventsourcing.py",
        cwd / "attrs.py",
    ):
        planted.write_text(PLANTED.format(marker=str(marker)))
    app, count, started = _rebuild_from(cwd, tmp_path, monkeypatch)
    try:
        assert not marker.exists(), marker.read_text()
        _check_rebuilt(app, count, started)
    finally:
        app.close()


def test_the_rebuild_child_ignores_pythonpath(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "marker"
    planted = tmp_path / "planted"
    (planted / "familiekoordinering_sqlite").mkdir(parents=True)
    (planted / "familiekoordinering_sqlite" / "__init__.py").write_text(
        PLANTED.format(marker=str(marker))
    )
    (planted / "sitecustomize.py").write_text(PLANTED.format(marker=str(marker)))
    monkeypatch.setenv("PYTHONPATH", str(planted))
    cwd = tmp_path / "work"
    cwd.mkdir()
    app, count, started = _rebuild_from(cwd, tmp_path, monkeypatch)
    try:
        assert not marker.exists(), marker.read_text()
        _check_rebuilt(app, count, started)
    finally:
        app.close()
