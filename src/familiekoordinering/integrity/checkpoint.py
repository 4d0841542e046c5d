"""A checkpoint: the head of a store's history, to keep outside the database.

The chains inside the store show any change to what is stored, but not that
the newest events of a family, or a whole family, were removed: a shorter
chain is still a chain. A checkpoint taken now and kept elsewhere (a file on
another machine, a printout, a message to the data-protection officer) lets a
later audit prove that the store is an append-only extension of what it was,
or name where it is not.

A checkpoint holds no personal data: positions, counts, digests and family
ids.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs

from familiekoordinering.errors import InvalidInputError

__all__ = ["FINGERPRINT_HEX", "Checkpoint", "Fingerprint"]

FORMAT = "familiekoordinering.checkpoint/1"
FAMILY_HEX = 32
"""How many hex digits of each family's head a checkpoint keeps (128 bits)."""
FINGERPRINT_HEX = 20
"""How many hex digits of a family's head its fingerprint shows (80 bits)."""


@attrs.frozen
class Checkpoint:
    """The head of a store's history at one moment (see the module docs).

    ``position`` is the newest notification id then, ``events`` how many
    events the log held up to it and ``head`` the log's running digest there;
    ``families`` maps each family (of ``municipality``, or every family when
    it is None) to the version and digest prefix of its newest event;
    ``access_log`` is the newest access-log row's sequence number and digest.
    """

    taken_at: datetime
    keyed: bool
    position: int
    events: int
    head: str
    families: Mapping[UUID, tuple[int, str]]
    access_log: tuple[int, str] | None
    municipality: str | None = None

    def to_json(self) -> str:
        """The checkpoint as a JSON document (keys sorted, one family a line)."""
        doc = {
            "format": FORMAT,
            "taken_at": self.taken_at.isoformat(),
            "keyed": self.keyed,
            "municipality": self.municipality,
            "position": self.position,
            "events": self.events,
            "head": self.head,
            "access_log": (
                None
                if self.access_log is None
                else {"seq": self.access_log[0], "digest": self.access_log[1]}
            ),
            "families": {
                str(family_id): [version, digest]
                for family_id, (version, digest) in sorted(self.families.items())
            },
        }
        return json.dumps(doc, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        """Read a checkpoint written by :meth:`to_json`.

        Raises :class:`InvalidInputError` saying what is wrong with a document
        that is not one.
        """
        try:
            doc = json.loads(text)
            if not isinstance(doc, dict) or doc.get("format") != FORMAT:
                raise ValueError(f"its format is not {FORMAT!r}")
            access = doc["access_log"]
            families = doc["families"]
            if not isinstance(families, dict):
                raise ValueError("'families' is not an object")
            checkpoint = cls(
                taken_at=datetime.fromisoformat(doc["taken_at"]),
                keyed=_typed(doc["keyed"], bool, "keyed"),
                position=_count(doc["position"], "position"),
                events=_count(doc["events"], "events"),
                head=_hex(doc["head"], 64, "head"),
                families={
                    UUID(key): (
                        _count(value[0], f"families.{key}[0]"),
                        _hex(value[1], FAMILY_HEX, f"families.{key}[1]"),
                    )
                    for key, value in families.items()
                },
                access_log=(
                    None
                    if access is None
                    else (
                        _count(access["seq"], "access_log.seq"),
                        _hex(access["digest"], 64, "access_log.digest"),
                    )
                ),
                municipality=doc.get("municipality"),
            )
        except (ValueError, KeyError, TypeError, IndexError, AttributeError) as e:
            raise InvalidInputError(
                f"this is not a checkpoint written by 'familiekoordinering "
                f"checkpoint': {e}; give the file that command wrote"
            ) from None
        return checkpoint


def _typed(value: Any, tp: type, name: str) -> Any:
    if type(value) is not tp:
        raise ValueError(f"{name!r} is not a {tp.__name__}")
    return value


def _count(value: Any, name: str) -> int:
    if type(value) is not int or value < 0:
        raise ValueError(f"{name!r} is not a count")
    return value


def _hex(value: Any, length: int, name: str) -> str:
    if (
        not isinstance(value, str)
        or len(value) != length
        or value.strip("0123456789abcdef")
    ):
        raise ValueError(f"{name!r} is not {length} hex digits")
    return value


@attrs.frozen
class Fingerprint:
    """A short, quotable head of one family's history: event version and digest prefix.

    Written ``VERSION-HEX`` (e.g. ``57-3f9a6c21d0e4b7a29c01``): shown in the
    family's report and access export, and checked by
    ``familiekoordinering audit FAMILY_ID --fingerprint …``.
    """

    version: int
    digest: str

    def __str__(self) -> str:
        return f"{self.version}-{self.digest[:FINGERPRINT_HEX]}"

    @classmethod
    def parse(cls, text: str) -> Fingerprint:
        """Read ``VERSION-HEX``; :class:`InvalidInputError` if it is not one."""
        version, _, digest = text.strip().lower().partition("-")
        if (
            not (version.isascii() and version.isdigit())  # "¹" is a digit, no number
            or int(version) < 1
            or len(digest) != FINGERPRINT_HEX
            or digest.strip("0123456789abcdef")
        ):
            raise InvalidInputError(
                f"{text!r} is not a fingerprint: give it as the report shows it, "
                f"VERSION-HEX with {FINGERPRINT_HEX} hex digits "
                "(e.g. 57-3f9a6c21d0e4b7a29c01)"
            )
        return cls(int(version), digest)

    def matches(self, digest: str) -> bool:
        """Whether ``digest`` (of the event at :attr:`version`) is the one shown."""
        return digest[:FINGERPRINT_HEX] == self.digest[:FINGERPRINT_HEX]
