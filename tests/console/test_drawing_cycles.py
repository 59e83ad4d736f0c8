"""Lines drawn and table caches cleared are freed as they are dropped (break_drawing_cycles),
not left in reference cycles for the collector; both still answer as Textual's do."""

import gc

from rich.segment import Segment
from textual.cache import LRUCache
from textual.strip import Strip

from wms_tui.ui.console.drawing_cycles import break_drawing_cycles

COUNT = 500


def cycles_left(make_and_drop) -> int:
    """Objects the collector frees after `make_and_drop` ran with the collector off."""
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        make_and_drop()
        return gc.collect()
    finally:
        if enabled:
            gc.enable()


def test_a_strip_divided_whole_is_freed_when_dropped():
    break_drawing_cycles()

    def draw() -> None:
        for number in range(COUNT):
            strip = Strip([Segment(f"line {number}")])
            assert strip.divide([strip.cell_length, strip.cell_length + 5]) == [strip]
            left, right = strip.divide([2, strip.cell_length])
            assert (left.text, right.text) == ("li", strip.text[2:])

    assert cycles_left(draw) < COUNT  # each strip was some nine objects of cycle


def test_a_cleared_lru_cache_frees_its_links():
    break_drawing_cycles()
    cache = LRUCache(COUNT * 2)

    def fill_and_clear() -> None:
        for number in range(COUNT):
            cache[number] = [number]
        cache.clear()

    assert cycles_left(fill_and_clear) < COUNT
    cache["again"] = 1
    cache[2] = 2
    assert (cache.get("again"), cache.get(2), cache.get(1), len(cache)) == (1, 2, None, 2)
