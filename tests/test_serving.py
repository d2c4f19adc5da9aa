"""imago.serving's garbage collection policy: full collections on a clock, not on counts."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from imago import serving


class Node:
    """An object in a reference cycle: only a garbage collection can free it."""

    def __init__(self):
        self.me = self


@pytest.fixture
def collector_state():
    threshold = gc.get_threshold()
    stops = []
    yield stops
    for stop in stops:
        stop.set()
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_full_collections_stop_coming_from_counts(collector_state):
    before = gc.get_threshold()
    collector_state.append(serving.collect_rarely(every=3600))
    young, middle, full = gc.get_threshold()
    assert (young, middle) == before[:2], "the young generations collect as before"
    assert full >= 1_000_000, "the oldest generation no longer collects on counts"
    # What was loaded before is frozen: full collections do not walk it.
    assert gc.get_freeze_count() > 0


def test_the_clock_collects_cycles_that_reached_the_oldest_generation(collector_state):
    collector_state.append(serving.collect_rarely(every=0.5))
    freed = threading.Event()
    node = Node()
    weakref.finalize(node, freed.set)
    gc.collect()  # it survives (still referenced) into the oldest generation
    del node  # garbage now, held only by its own cycle
    assert freed.wait(5), "the timer's full collection freed the cycle"


def test_the_clock_stops_when_told(collector_state):
    stop = serving.collect_rarely(every=0.05)
    collector_state.append(stop)
    stop.set()
    for _ in range(100):
        if not any(t.name == "full-gc" and t.is_alive() for t in threading.enumerate()):
            break
        threading.Event().wait(0.02)
    assert not any(t.name == "full-gc" and t.is_alive() for t in threading.enumerate())
