"""Benchmarks of familiekoordinering against bare eventsourcing.

Each benchmark measures the library and a baseline written with eventsourcing
alone, in the same run, and reports the throughput ratio (ours / baseline).
Run them with ``python bench/run.py`` from the repository root; see
:mod:`bench.run`.
"""
