"""A lenient reader of Java-style .properties files, as ChatonsInfos hosts write them.

Follows the properties rules (comments `#`/`!`, `=`/`:`/blank separators, trailing-backslash
continuations, `\\uXXXX` and other escapes) and reports, rather than rejects, what the wild adds
(Latin-1 bytes, duplicate keys).
"""

from __future__ import annotations

from dataclasses import dataclass

from directory.feeds.issues import Issue, ParseError

_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


@dataclass(frozen=True)
class Entry:
    line: int
    key: str
    value: str


def decode(data: bytes, warnings: list[Issue]) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise ParseError([Issue("undecodable")])
    warnings.append(Issue("latin1"))
    return data.decode("latin-1")


def read_entries(text: str) -> list[Entry]:
    """Every key/value pair in file order, with the line where it starts."""
    entries = []
    for number, logical in _logical_lines(text):
        key, value = _split(logical)
        if key:
            entries.append(Entry(number, _unescape(key), _unescape(value)))
    return entries


def _logical_lines(text: str):
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        start = index
        stripped = lines[index].lstrip(" \t\f")
        index += 1
        if not stripped or stripped[0] in "#!":
            continue
        parts = []
        while _continues(stripped) and index < len(lines):
            parts.append(stripped[:-1])
            stripped = lines[index].lstrip(" \t\f")
            index += 1
        if _continues(stripped):  # a continuation on the last line continues into nothing
            stripped = stripped[:-1]
        parts.append(stripped)
        yield start + 1, "".join(parts)


def _continues(line: str) -> bool:
    trailing = len(line) - len(line.rstrip("\\"))
    return trailing % 2 == 1


def _split(line: str) -> tuple[str, str]:
    index = 0
    while index < len(line):
        char = line[index]
        if char == "\\":
            index += 2
            continue
        if char in "=: \t\f":
            break
        index += 1
    key = line[:index]
    rest = line[index:].lstrip(" \t\f")
    if rest[:1] in ("=", ":") and (index >= len(line) or line[index] in " \t\f=:"):
        rest = rest[1:].lstrip(" \t\f")
    return key, rest.rstrip()


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out = []
    index = 0
    while index < len(text):
        char = text[index]
        if char != "\\" or index + 1 >= len(text):
            out.append(char)
            index += 1
            continue
        nxt = text[index + 1]
        if nxt == "u" and _is_hex(text[index + 2 : index + 6]):
            out.append(chr(int(text[index + 2 : index + 6], 16)))
            index += 6
            continue
        out.append(_ESCAPES.get(nxt, nxt))
        index += 2
    return "".join(out)


def _is_hex(text: str) -> bool:
    return len(text) == 4 and all(c in "0123456789abcdefABCDEF" for c in text)
