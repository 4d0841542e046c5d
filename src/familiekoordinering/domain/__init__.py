"""The pure domain: the ``Family`` aggregate, its value objects and its rules.

Nothing in this package reads a clock, the environment or storage: time and
ids are passed in by the application layer.
"""
