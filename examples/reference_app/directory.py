"""Who may sign in, and how a signed-in user becomes an :class:`~familiekoordinering.Actor`.

This is the authentication boundary (see the library's ``docs/authentication.md``):
the app authenticates, the library authorises. The reference app's sign-in
is a stand-in: a form that picks one of the demo's users. A real app signs
the user in with the municipality's identity provider (OpenID Connect:
Entra ID, Keycloak, ID-porten), verifies the ID token with a maintained
library, and maps the **verified** claims to an ``Actor`` where
:meth:`Directory.user` is called here: staff by their employee id, app role and
municipality number; a family member by looking the verified national
identity number up in the app's own table (``pid`` → member id), which is
what :class:`Member` models.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs

from familiekoordinering import Actor, Municipality, Role
from familiekoordinering.files import write_private

__all__ = ["Directory", "Member", "SignedIn", "Staff"]


@attrs.frozen
class Staff:
    """A member of staff: what the identity provider's verified claims say."""

    user_id: str
    role: Role
    municipality: str
    name: str

    @property
    def key(self) -> str:
        """What the sign-in form sends, and the session keeps."""
        return self.user_id

    @property
    def label(self) -> str:
        """How the sign-in form shows them."""
        return f"{self.name}: {self.role.value.replace('_', ' ')} ({self.user_id})"


@attrs.frozen
class Member:
    """A family member, as the app's own table knows them: no name, no birth date.

    ``pid`` stands for the verified national identity number (made up here);
    the table maps it to the member's id and family, filled at enrolment.
    """

    pid: str
    member_id: UUID
    family_id: UUID
    municipality: str
    family_number: int
    kind: str

    @property
    def key(self) -> str:
        """What the sign-in form sends, and the session keeps."""
        return self.pid

    @property
    def label(self) -> str:
        """How the sign-in form shows them (no personal data: numbers and ids)."""
        return (
            f"Family member: an {self.kind} of family {self.family_number} "
            f"(member {str(self.member_id)[:8]})"
        )


@attrs.frozen
class SignedIn:
    """Who is signed in: the library's actor, and for a family member, their family."""

    actor: Actor
    name: str
    family_id: UUID | None = None
    language: str = "nb"


@attrs.frozen
class Directory:
    """The demo's users, kept by the app in a file of its own beside the store.

    ``language`` is the families' language (the programme's): the language
    a family member's own page is shown in.
    """

    staff: tuple[Staff, ...]
    members: tuple[Member, ...]
    language: str = "nb"

    def user(self, key: object) -> SignedIn | None:
        """The signed-in user for a session's ``key``, or None if there is none.

        The one place where a login becomes an ``Actor``: from here on,
        every command and query names it, and the library checks and logs it.
        """
        for staff in self.staff:
            if staff.key == key:
                actor = Actor(
                    staff.user_id, staff.role, Municipality(staff.municipality)
                )
                return SignedIn(actor, staff.name, language=self.language)
        for member in self.members:
            if member.key == key:
                # The library's rule: a family member's user id is their member id.
                actor = Actor(
                    str(member.member_id),
                    Role.FAMILY_MEMBER,
                    Municipality(member.municipality),
                )
                name = f"a member of family {member.family_number}"
                return SignedIn(actor, name, member.family_id, self.language)
        return None

    def save(self, path: Path) -> None:
        """Write the directory as JSON, readable by its owner only (0600)."""
        data = {
            "language": self.language,
            "staff": [
                {"user_id": s.user_id, "role": s.role.value,
                 "municipality": s.municipality, "name": s.name}
                for s in self.staff
            ],
            "members": [
                {"pid": m.pid, "member_id": str(m.member_id),
                 "family_id": str(m.family_id), "municipality": m.municipality,
                 "family_number": m.family_number, "kind": m.kind}
                for m in self.members
            ],
        }  # fmt: skip
        text = json.dumps(data, indent=1) + "\n"
        write_private(path, text.encode("utf-8"), overwrite=True)

    @classmethod
    def load(cls, path: Path) -> Directory:
        """Read a directory written by :meth:`save`."""
        data: Mapping[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            staff=tuple(
                Staff(s["user_id"], Role(s["role"]), s["municipality"], s["name"])
                for s in data["staff"]
            ),
            members=tuple(
                Member(
                    m["pid"],
                    UUID(m["member_id"]),
                    UUID(m["family_id"]),
                    m["municipality"],
                    int(m["family_number"]),
                    m["kind"],
                )
                for m in data["members"]
            ),
            language=str(data.get("language", "nb")),
        )
