"""Two of Textual's drawing caches (textual==8.2.8, pinned) leave what they drop in reference
cycles, which only the cycle collector frees: every line drawn, and every table's cached rows
when its rows change. The console redraws an order page or a list each time one opens, so the
collector had ~1,300 objects of cycles to find per order opened, and its full passes (every
25 or so orders) took 10 to 20 ms of the order being opened.

- `Strip.divide` at the strip's own width caches the strip in itself (`[self]` in its divide
  cache): the compositor divides every line of every widget so, at each frame.
- `LRUCache.clear` drops its ring of links ([previous, next, key, value]) whole, still linked.

`break_drawing_cycles` makes both drop what they drop by reference counting, as it is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.cache import LRUCache
from textual.strip import Strip

_textual_divide = Strip.divide
_textual_clear = LRUCache.clear


def _divide(self: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
    cuts = [cut for cut in cuts if cut <= self.cell_length]
    if cuts == [self.cell_length]:
        return [self]  # the whole strip, as Textual's gives it, without caching the strip in itself
    return _textual_divide(self, cuts)


def _clear(self: LRUCache) -> None:
    for link in self._cache.values():
        link.clear()  # unlinked from its neighbours: the ring is freed as the cache lets go of it
    _textual_clear(self)


def break_drawing_cycles() -> None:
    """Textual's strips and LRU caches from now on free what they drop without the collector."""
    Strip.divide = _divide
    LRUCache.clear = _clear
