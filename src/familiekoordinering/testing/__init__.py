"""Test support shipped with the library, for its own tests and every adapter's.

:mod:`familiekoordinering.testing.examples` holds one fixed example of every
event type: the golden stored payloads are made from them, and the event
catalogue in the docs shows them.
"""
