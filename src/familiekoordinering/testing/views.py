"""The contract every view store passes: subclass it in the adapter's tests.

::

    class TestMyViewStore(ViewStoreContract):
        def make_store(self, tmp_path):
            return MyViewStore(...)

Each test gets a fresh, empty store. The contract covers the row operations,
the exactly-once commit (all or nothing, refused when the position moved),
generations (rebuild beside, activate, drop older), the queries and the
worker lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

try:
    import pytest
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - only without the extra
    raise ImportError(
        "familiekoordinering.testing.views needs pytest and hypothesis, which the "
        "'testing' extra installs: pip install 'familiekoordinering[testing]'",
        name=error.name,
    ) from error

from familiekoordinering.views.fold import Operation
from familiekoordinering.views.store import (
    REPLACEMENT,
    InMemoryViewStore,
    ViewConflictError,
    ViewStore,
)

__all__ = ["ViewStoreContract", "row_operations"]

_FAMILIES = ("family-1", "family-2")
_COORDINATORS = ("k-1", "k-2")
_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00"),
    max_size=6,
)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | _text,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3)
    ),
    max_leaves=6,
)
_dates = st.dates().map(lambda d: d.isoformat())


@st.composite
def row_operations(draw: st.DrawFn) -> Operation:
    """Any row operation on a small set of rows (two families, a few keys).

    Family rows carry a coordinator (the index); ``seen_on`` is kept by maxima
    and ``count`` by increments, and now and then a ``set`` touches them too.
    """
    family = draw(st.sampled_from(_FAMILIES))
    kind, key = draw(
        st.sampled_from([("family", ""), ("member", "m1"), ("member", "m2")])
    )
    action = draw(st.sampled_from(["put", "set", "upd", "del"]))
    if action == "put":
        data = draw(st.dictionaries(st.sampled_from(["a", "b", "c"]), _json))
        data["seen_on"] = draw(st.none() | _dates)
        data["count"] = draw(st.none() | st.integers(0, 5))
        if kind == "family":
            data["municipality"] = "4204"
            data["coordinator"] = draw(
                st.none() | st.sampled_from(_COORDINATORS).map(lambda c: {"id": c})
            )
        return ("put", kind, family, key, data)
    if action == "set":
        fields: dict[str, Any] = draw(
            st.dictionaries(st.sampled_from(["a", "b", "seen_on"]), _text)
        )
        if fields.get("seen_on") is not None:
            fields["seen_on"] = draw(_dates)
        if kind == "family" and draw(st.booleans()):
            fields["coordinator"] = draw(
                st.none() | st.sampled_from(_COORDINATORS).map(lambda c: {"id": c})
            )
        return ("set", kind, family, key, fields)
    if action == "upd":
        maxima = draw(st.dictionaries(st.just("seen_on"), _dates))
        increments = draw(st.dictionaries(st.just("count"), st.integers(1, 3)))
        return ("upd", kind, family, key, {"max": maxima, "inc": increments})
    return ("del", kind, family, key)


F1, F2 = "family-1", "family-2"


def _family_row(
    family_id: str, municipality: str, coordinator: str | None
) -> Operation:
    return (
        "put",
        "family",
        family_id,
        "",
        {
            "municipality": municipality,
            "label": family_id,
            "coordinator": {"id": coordinator, "name": coordinator}
            if coordinator
            else None,
            "last_contact_on": None,
            "contacts": 0,
        },
    )


class ViewStoreContract:
    """Tests every :class:`~familiekoordinering.views.store.ViewStore` must pass."""

    def make_store(self, tmp_path: Path) -> ViewStore:
        """Return a new, empty store (override in the adapter's test class)."""
        raise NotImplementedError

    @pytest.fixture
    def store(self, tmp_path: Path) -> Any:
        store = self.make_store(tmp_path)
        yield store
        store.close()

    def _generation(self, store: ViewStore) -> int:
        generation = store.new_generation()
        store.activate(generation)
        return generation

    @settings(
        max_examples=30,
        deadline=None,
        # One store per test, reused across examples (each takes a new generation);
        # the same contract runs from each backend's class.
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.differing_executors,
        ],
    )
    @given(st.lists(st.lists(row_operations(), max_size=12), max_size=5))
    def test_any_operations_in_any_batches_end_as_applied_one_by_one(
        self, store: ViewStore, batches: list[list[Operation]]
    ) -> None:
        generation = store.new_generation()
        reference = InMemoryViewStore()  # applies each operation in turn
        expected = reference.new_generation()
        for position, batch in enumerate(batches):
            store.commit(generation, position, position + 1, batch)
            reference.commit(expected, position, position + 1, batch)
        for family in _FAMILIES:
            assert store.family(generation, family) == reference.family(
                expected, family
            )
        for coordinator in (None, *_COORDINATORS):
            assert [
                doc["family_id"]
                for doc in store.families(generation, coordinator_id=coordinator)
            ] == [
                doc["family_id"]
                for doc in reference.families(expected, coordinator_id=coordinator)
            ]

    def test_a_new_store_has_no_active_generation(self, store: ViewStore) -> None:
        assert store.active_generation() == 0
        assert store.position(1) == 0

    def test_the_first_worker_gets_the_worker_lock_and_keeps_it(
        self, store: ViewStore
    ) -> None:
        """With no other worker, the lock is this store's, and asking again says so."""
        assert store.worker_lock() is True
        assert store.worker_lock() is True

    def test_any_text_is_stored_and_read_back_as_it_was(self, store: ViewStore) -> None:
        """Text is stored as it is, but for a lone surrogate (UTF-8 has none).

        Written beneath an older version, it reads back as U+FFFD from a database.
        """
        g = self._generation(store)
        odd = "Kari \ud800 \x1b[2J \u202e Ærlig 👩‍👧"
        store.commit(g, 0, 1, [
            _family_row(F1, "4204", "k-lund"),
            ("put", "member", F1, "m1", {"name": odd, "left_on": None}),
            ("set", "member", F1, "m1", {"note": odd}),
        ])  # fmt: skip
        doc = store.family(g, F1)
        assert doc is not None
        if not isinstance(store, InMemoryViewStore):  # a database: UTF-8 only
            odd = odd.replace("\ud800", REPLACEMENT)
        assert doc["members"]["m1"]["name"] == odd
        assert doc["members"]["m1"]["note"] == odd

    def test_operations_and_position_are_committed_together(
        self, store: ViewStore
    ) -> None:
        g = self._generation(store)
        store.commit(g, 0, 7, [
            _family_row(F1, "4204", "k-lund"),
            ("put", "member", F1, "m1", {"name": "Kari", "left_on": None}),
            ("set", "member", F1, "m1", {"left_on": "2026-02-01", "note": {"a": [1, None]}}),
            ("upd", "family", F1, "", {"max": {"last_contact_on": "2026-01-05"},
                                       "inc": {"contacts": 1}}),
            ("upd", "family", F1, "", {"max": {"last_contact_on": "2026-01-03"},
                                       "inc": {"contacts": 2}}),
            ("put", "notice", F1, "a1", {"inform_by": "2026-01-12"}),
            ("del", "notice", F1, "a1"),
            ("set", "goal", F1, "missing", {"status": "achieved"}),
        ])  # fmt: skip
        assert store.position(g) == 7
        doc = store.family(g, F1)
        assert doc is not None
        assert doc["members"] == {
            "m1": {"name": "Kari", "left_on": "2026-02-01", "note": {"a": [1, None]}}
        }
        assert doc["last_contact_on"] == "2026-01-05"
        assert doc["contacts"] == 3
        assert doc["notices"] == {}
        assert doc["goals"] == {}

    def test_a_commit_from_a_stale_position_writes_nothing(
        self, store: ViewStore
    ) -> None:
        g = self._generation(store)
        store.commit(g, 0, 5, [_family_row(F1, "4204", None)])
        with pytest.raises(ViewConflictError, match="another worker"):
            store.commit(g, 0, 9, [_family_row(F2, "4204", None)])
        assert store.position(g) == 5
        assert store.family(g, F2) is None

    def test_a_failing_operation_rolls_the_whole_batch_back(
        self, store: ViewStore
    ) -> None:
        g = self._generation(store)
        with pytest.raises(ValueError, match="unknown view operation"):
            store.commit(
                g, 0, 3, [_family_row(F1, "4204", None), ("explode", "family", F1, "")]
            )
        assert store.position(g) == 0
        assert store.family(g, F1) is None

    def test_a_rebuild_fills_a_new_generation_beside_the_active_one(
        self, store: ViewStore
    ) -> None:
        old = self._generation(store)
        store.commit(old, 0, 4, [_family_row(F1, "4204", "a")])
        new = store.new_generation()
        assert new > old
        assert store.active_generation() == old
        store.commit(new, 0, 4, [_family_row(F1, "4204", "b")])
        assert store.family(old, F1)["coordinator"]["id"] == "a"  # type: ignore[index]
        store.activate(new)
        assert store.active_generation() == new
        assert store.family(new, F1)["coordinator"]["id"] == "b"  # type: ignore[index]
        assert store.family(old, F1) is None
        assert store.position(new) == 4

    def test_families_are_found_by_coordinator_and_municipality(
        self, store: ViewStore
    ) -> None:
        g = self._generation(store)
        store.commit(g, 0, 3, [
            _family_row(F1, "4204", "k-lund"),
            _family_row(F2, "0301", "k-lund"),
            _family_row("family-3", "4204", "e-said"),
            ("put", "goal", F1, "g1", {"status": "active"}),
        ])  # fmt: skip
        ids = [d["family_id"] for d in store.families(g, coordinator_id="k-lund")]
        assert ids == [F1, F2]
        ids = [d["family_id"] for d in store.families(g, municipality="4204")]
        assert ids == [F1, "family-3"]
        ids = [
            d["family_id"]
            for d in store.families(g, coordinator_id="k-lund", municipality="4204")
        ]
        assert ids == [F1]
        assert len(store.families(g)) == 3
        assert store.families(g, coordinator_id="k-lund")[0]["goals"] == {
            "g1": {"status": "active"}
        }

    def test_a_coordinator_change_moves_the_family_in_the_index(
        self, store: ViewStore
    ) -> None:
        g = self._generation(store)
        store.commit(g, 0, 1, [_family_row(F1, "4204", "a")])
        store.commit(
            g,
            1,
            2,
            [("set", "family", F1, "", {"coordinator": {"id": "b", "name": "B"}})],
        )
        assert store.families(g, coordinator_id="a") == []
        assert [d["family_id"] for d in store.families(g, coordinator_id="b")] == [F1]

    def test_text_survives_unchanged(self, store: ViewStore) -> None:
        g = self._generation(store)
        words = "Vi vil ha oversikt – “æøå” og 😊"
        store.commit(g, 0, 1, [
            _family_row(F1, "4204", None),
            ("put", "goal", F1, "g", {"words": words}),
            ("set", "goal", F1, "g", {"note": words}),
        ])  # fmt: skip
        goal = store.family(g, F1)["goals"]["g"]  # type: ignore[index]
        assert goal == {"words": words, "note": words}

    def test_ids_and_other_keys_come_back_as_they_went_in(
        self, store: ViewStore
    ) -> None:
        g = self._generation(store)
        uuid_like = "0e5e18ba-f320-4d57-ad14-475b349aae90"
        sixteen = "family-123456789"
        store.commit(g, 0, 1, [
            _family_row(uuid_like, "4204", None),
            _family_row(sixteen, "4204", None),
            ("put", "goal", uuid_like, "1b21fbac-7825-4d68-8792-3986bb968a43", {"n": 1}),
            ("put", "goal", sixteen, "key-of-16-chars!", {"n": 2}),
        ])  # fmt: skip
        assert [d["family_id"] for d in store.families(g)] == sorted(
            [uuid_like, sixteen]
        )
        assert store.family(g, uuid_like)["goals"] == {  # type: ignore[index]
            "1b21fbac-7825-4d68-8792-3986bb968a43": {"n": 1}
        }
        assert store.family(g, sixteen)["goals"] == {"key-of-16-chars!": {"n": 2}}  # type: ignore[index]
