"""Writing output files as a security tool would want them.

Every file the library or its command line writes (an access export, a report,
a research export, a checkpoint, a demo key) goes through :func:`write_private`:
readable and writable by its owner only (0600, whatever the umask), never
through a symbolic link, and never over an existing file unless the caller asks.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

from familiekoordinering.errors import InvalidInputError

__all__ = ["PRIVATE_MODE", "write_private"]

PRIVATE_MODE = 0o600
"""The mode of every file the library writes: its owner reads and writes it."""

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def write_private(path: str | Path, data: bytes, *, overwrite: bool = False) -> None:
    """Write ``data`` to ``path``, a file only its owner can read (mode 0600).

    A new file is created exclusively (``O_CREAT | O_EXCL | O_NOFOLLOW``). An
    existing file is refused unless ``overwrite`` is true; then the data goes
    to a new 0600 file in the same directory, which replaces ``path`` in one
    step (``os.replace``), so that a reader never sees half a file and the old
    file's mode is not inherited. A symbolic link at ``path`` is always refused,
    never followed (links in the directories above it are followed as usual).

    Raises :class:`~familiekoordinering.errors.InvalidInputError` saying what
    to change when the file cannot be written; nothing is left behind then.
    """
    target = Path(path)
    if overwrite:
        _replace(target, data)
    else:
        _create(target, data)


def _create(path: Path, data: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    try:
        fd = os.open(path, flags, PRIVATE_MODE)
    except FileExistsError:
        _refuse_link(path)
        if path.is_dir():
            raise InvalidInputError(
                f"{path} is a folder: give the path of a file to write, inside it "
                "or elsewhere"
            ) from None
        raise InvalidInputError(
            f"{path} exists already: give the path of a new file, or allow "
            "replacing it (--force on the command line, overwrite=True in Python)"
        ) from None
    except OSError as e:
        raise _cannot_write(path, e) from None
    try:
        _write_all(fd, data)
    except OSError as e:
        with contextlib.suppress(OSError):
            path.unlink()
        raise _cannot_write(path, e) from None


def _replace(path: Path, data: bytes) -> None:
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        status = None
    except OSError as e:
        raise _cannot_write(path, e) from None
    if status is not None:
        if stat.S_ISLNK(status.st_mode):
            _refuse_link(path)
        if not stat.S_ISREG(status.st_mode):
            raise InvalidInputError(
                f"{path} exists and is not a regular file: give the path of a file"
            )
    directory = path.parent
    try:
        # mkstemp opens with O_CREAT | O_EXCL | O_NOFOLLOW and mode 0600.
        fd, temporary = tempfile.mkstemp(
            dir=directory, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as e:
        raise _cannot_write(path, e) from None
    try:
        _write_all(fd, data)
        # Renaming replaces a link put at ``path`` meanwhile; it never follows it.
        os.replace(temporary, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise _cannot_write(path, e) from None


def _write_all(fd: int, data: bytes) -> None:
    """Set the mode exactly (the umask may have taken bits), write, sync, close."""
    with os.fdopen(fd, "wb") as f:
        os.fchmod(f.fileno(), PRIVATE_MODE)
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _refuse_link(path: Path) -> None:
    if path.is_symlink():
        raise InvalidInputError(
            f"{path} is a symbolic link: files are never written through one; "
            "give the path of the file itself, or remove the link"
        )


def _cannot_write(path: Path, e: OSError) -> InvalidInputError:
    if e.errno == errno.ELOOP:  # pragma: no cover (O_EXCL reports EEXIST first)
        return InvalidInputError(
            f"{path} is a symbolic link: files are never written through one; "
            "give the path of the file itself, or remove the link"
        )
    return InvalidInputError(
        f"cannot write {path}: {e.strerror or e}. Give a path in a directory that "
        "exists and that you may write to"
    )
