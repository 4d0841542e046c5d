"""The application's role services, wired by :class:`~familiekoordinering.FamilyCoordination`.

Each has one responsibility over one store's engine:

- :mod:`.reading` — loading a family, checking who may read it, logging the read
  (what the other services share);
- :mod:`.commanding` — running commands: load → authorise → domain → save → retry;
- :mod:`.records` — the family's record: logged reads, timeline, report, exports;
- :mod:`.auditing` — verification and the audit, checkpoints, chain starts;
- :mod:`.erasure` — erasure (crypto-shredding) and retention;
- :mod:`.inquiries` — inquiries to a competence team: commands, a logged read,
  the year's report.
"""
