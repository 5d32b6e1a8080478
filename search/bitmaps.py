"""Sets of document numbers as Python integers: bit d is set when document d is in the set.

Intersections, unions and counts then run in C over machine words (`&`, `|`, `bit_count()`),
which is what makes facet counts and filters over 80,000 offers cost microseconds instead of
a Python loop per document.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import compress

_TO_FLAGS = bytes.maketrans(b"01", b"\x00\x01")


def from_docnums(docnums: Iterable[int], size: int) -> int:
    bits = bytearray((size + 7) // 8)
    for docnum in docnums:
        bits[docnum >> 3] |= 1 << (docnum & 7)
    return int.from_bytes(bits, "little")


def flags(bitmap: int, size: int) -> bytes:
    """One byte per document, 1 when it is in the set: `flags[d]` is a C-speed membership test."""
    if not bitmap:
        return bytes(size)
    text = bin(bitmap)[:1:-1].encode().translate(_TO_FLAGS)  # lowest bit first
    return text.ljust(size, b"\x00")


def docnums(bitmap: int) -> list[int]:
    """The set's document numbers, ascending."""
    if not bitmap:
        return []
    marks = flags(bitmap, bitmap.bit_length())
    return list(compress(range(len(marks)), marks))
