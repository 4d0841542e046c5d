"""Test support shipped with the library, for its own tests and every adapter's.

:mod:`familiekoordinering.testing.examples` holds one fixed example of every
event type: the golden stored payloads are made from them, and the event
catalogue in the docs shows them. :mod:`familiekoordinering.testing.strategies`
holds hypothesis strategies for apps' property tests (and the library's own);
it and the store contracts need the ``testing`` extra
(``pip install 'familiekoordinering[testing]'``).
"""
