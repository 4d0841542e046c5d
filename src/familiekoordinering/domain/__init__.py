"""The pure domain: the ``Family`` aggregate, its value objects and its rules.

Beside it, the much smaller ``Inquiry`` aggregate (:mod:`.inquiry`): an
inquiry to a competence team, often before or without any enrolment.

Nothing in this package reads a clock, the environment or storage: time and
ids are passed in by the application layer.
"""
