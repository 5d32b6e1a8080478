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


MAX_LINE = 8 * 1024
MAX_KEYS = 2000
_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n")


def decode(data: bytes, warnings: list[Issue]) -> str:
    """Strict UTF-8 (a BOM stripped), UTF-16 when a BOM says so, else Latin-1 with a warning."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ParseError([Issue("undecodable")]) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise ParseError([Issue("undecodable")])
    warnings.append(Issue("latin1"))
    return data.decode("latin-1")


def read_entries(text: str, warnings: list[Issue] | None = None) -> list[Entry]:
    """Every key/value pair in file order, with the line where it starts.

    Lines over 8 KiB are skipped and control characters removed, each with a warning; a file
    of more than 2,000 keys is refused (no real host needs that many).
    """
    warnings = warnings if warnings is not None else []
    entries = []
    for number, logical in _logical_lines(text):
        if len(logical) > MAX_LINE:
            warnings.append(Issue("line_too_long", number, None, {"limit": MAX_LINE}))
            continue
        key, value = _split(logical)
        if not key:
            continue
        key, value = _unescape(key), _unescape(value)
        clean = value.translate(_CONTROL)
        if clean != value or "\ufffd" in clean or _has_surrogate(clean):
            warnings.append(Issue("control_characters", number, key))
            clean = clean.encode("utf-8", "replace").decode("utf-8")
        entries.append(Entry(number, key, clean))
        if len(entries) > MAX_KEYS:
            raise ParseError([Issue("too_many_keys", number, None, {"limit": MAX_KEYS})], warnings)
    return entries


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


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
