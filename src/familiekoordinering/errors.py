"""The library's errors: one base class and a few kinds under it.

Every error the library raises on purpose is a :class:`FamiliekoordineringError`;
its message says what was wrong and what to do about it. When a command raises
one, nothing has been stored.
"""

from __future__ import annotations

__all__ = [
    "AccessDeniedError",
    "ConfigurationError",
    "ConsentRequiredError",
    "DuplicateIdError",
    "ErasureIncompleteError",
    "FamiliekoordineringError",
    "FamilyErasedError",
    "FollowUpEndedError",
    "InvalidInputError",
    "MasterKeyRequiredError",
    "NotFoundError",
    "RuleViolationError",
    "StoreError",
]


class FamiliekoordineringError(Exception):
    """Base class of every error raised on purpose by this library."""


class InvalidInputError(FamiliekoordineringError, ValueError):
    """An argument is malformed, out of range or out of date order.

    The message names the argument and the value expected.
    """


class NotFoundError(FamiliekoordineringError, LookupError):
    """A family, member, goal, consent or other record with that id does not exist."""


class DuplicateIdError(FamiliekoordineringError):
    """An id given for a new record is already in use in that family."""


class RuleViolationError(FamiliekoordineringError):
    """A command is well formed but a rule of the programme forbids it."""


class FollowUpEndedError(RuleViolationError):
    """The family's follow-up ended before the date of the command."""


class ConsentRequiredError(RuleViolationError):
    """An outward action is not covered by the family's consent at its date.

    :attr:`reasons` lists each missing piece in words a coordinator can act on.
    """

    reasons: tuple[str, ...]
    """Each reason the action is not covered, as a sentence."""

    def __init__(self, message: str, reasons: tuple[str, ...]) -> None:
        super().__init__(message)
        self.reasons = reasons


class ConfigurationError(FamiliekoordineringError):
    """The store or the programme settings cannot be used as given."""


class MasterKeyRequiredError(ConfigurationError):
    """An encrypted store was opened without its master key; it refuses to work.

    ``demo_store`` tells whether the store is marked as a demo store (whose
    key the command line may read from beside it).
    """

    def __init__(self, message: str, *, demo_store: bool) -> None:
        super().__init__(message)
        self.demo_store = demo_store


class FamilyErasedError(RuleViolationError):
    """The family's personal data was erased: nothing more can be recorded for it."""


class AccessDeniedError(FamiliekoordineringError, PermissionError):
    """The actor's role or municipality does not allow the command or query."""


class StoreError(FamiliekoordineringError):
    """The store could not be read or written (unreachable, full, read-only).

    Nothing of the command was stored; try again once the store is reachable
    and has room.
    """


class ErasureIncompleteError(StoreError):
    """A family's key was destroyed, but an old copy of it is still in the store's files.

    The erasure holds (nothing of the family's personal data can be read or
    written through the library any more); another connection that was
    reading the store kept an old page of the keys alive. Finish the erasure
    with :meth:`~familiekoordinering.FamilyCoordination.finish_erasures`
    (``familiekoordinering erase --finish``) when that reader is done.
    """
