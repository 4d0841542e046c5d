"""Access control and the access log.

* :func:`~familiekoordinering.access.policy.authorize` — the access policy, a
  pure function of the actor (user, role, municipality), what they ask to do
  and the family concerned;
* :class:`~familiekoordinering.access.log.AccessLog` — the access log
  (*innsynslogg*), where every read of a family's data is recorded.
"""

from __future__ import annotations

from familiekoordinering.access.log import AccessEntry, AccessLog, InMemoryAccessLog
from familiekoordinering.access.policy import (
    Access,
    FamilyFacts,
    Verdict,
    authorize,
    readable_until,
    require,
)

__all__ = [
    "Access",
    "AccessEntry",
    "AccessLog",
    "FamilyFacts",
    "InMemoryAccessLog",
    "Verdict",
    "authorize",
    "readable_until",
    "require",
]
