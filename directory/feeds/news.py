"""A host's Atom/RSS news feed → its newest entries, sanitized. Pure: bytes in, no network.

feedparser is not safe on hostile bytes as it stands (shared/reference/security.md §2, fault
matrix rows 24–26), so this module:

- hands it only `io.BytesIO(body)` with the real Content-Type and Content-Location, never a
  string (a string may be fetched as a URL or opened as a local path);
- refuses any body that declares XML entities (`<!ENTITY`), in whatever encoding feedparser
  could read it: its lenient fallback expands literal entities (quadratic blowup);
- runs feedparser in a separate process ("spawn": safe from the importer's threads) that is
  killed after `time_limit` seconds, because its author e-mail regex is quadratic (ReDoS);
- accepts a feed only if feedparser recognised a version, the document is not cut short (a
  truncated feed still yields its first entries), and it has a title or at least one entry;
- re-sanitizes every summary with nh3 (feedparser lets SVG `xlink:href="javascript:…"` through
  and does not touch text/plain values), keeps only http(s) links, and trims long texts.

`parse_news` is the entry point; ParseError carries the codes of issues.py.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import io
import multiprocessing
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3

from directory.feeds.issues import Issue, ParseError

DEFAULT_LIMIT = 20
TITLE_LENGTH = 300
SUMMARY_LENGTH = 2000  # characters of text; the markup around them is kept
GUID_LENGTH = 512
URL_LENGTH = 2048

ALLOWED_TAGS = frozenset({"p", "br", "a", "em", "strong", "ul", "ol", "li", "blockquote", "code"})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
LINK_REL = "nofollow noopener"
_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")
_XML_TYPES = ("application/xml", "text/xml")

# expat's messages for a document that ends too early (xml.parsers.expat.errors).
_CUT_SHORT = frozenset(
    {"no element found", "unclosed token", "unclosed CDATA section", "partial character"}
)
# Encodings that are not ASCII-compatible and that feedparser sniffs from a byte-order mark or
# the first bytes (encodings.convert_to_utf8). All are cheap to decode.
_SNIFFED_ENCODINGS = ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "cp037")
_ENCODING_IN_DECLARATION = re.compile(r"""^<\?[^\n]*?encoding=['"]([^'"]{1,40})['"]""")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]{1,40})""", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_BLOCK_END = re.compile(r"<(?:br|/p|/li|/blockquote)\b[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class NewsEntry:
    guid: str  # the entry's id, else its link, else "sha256:" + a hash of its title and date
    title: str  # plain text (escape it when rendering)
    link: str | None  # http(s) only
    published: datetime | None  # aware, UTC; `updated` when there is no `published`
    summary_html: str  # sanitized with nh3: safe to render with |safe


@dataclass
class ParsedNews:
    title: str | None
    link: str | None
    entries: list[NewsEntry]  # newest first; entries without a date last, in file order
    warnings: list[Issue] = field(default_factory=list)


def parse_news(
    data: bytes,
    url: str,
    content_type: str | None = None,
    limit: int = DEFAULT_LIMIT,
    time_limit: float = 10.0,
) -> ParsedNews:
    """Read the feed fetched from `url` (served as `content_type`); keep its `limit` newest
    entries. Raises ParseError (feed_empty, feed_entities, feed_not_a_feed, feed_truncated,
    feed_timeout, feed_unreadable) when the feed cannot be published as it stands."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if not data.strip():
        raise ParseError([Issue("feed_empty")])
    if declares_entities(data):
        raise ParseError([Issue("feed_entities")])
    # Without a Content-Type, feedparser assumes ISO-8859-1 (RFC 2616); XML's own default is
    # UTF-8 unless the document declares otherwise, which is what application/xml means.
    headers = {"content-type": content_type or "application/xml", "content-location": url}
    return _run_isolated(data, headers, url, limit, time_limit)


def declares_entities(data: bytes, declared: bool = False, content_type: str | None = None) -> bool:
    """Whether the body contains `<!ENTITY` as ASCII or in an encoding feedparser sniffs.

    With `declared`, also decode it as the Content-Type charset and the XML declaration say,
    which feedparser honours too; some codecs are slow (punycode), so only the time-limited
    child does that.
    """
    needle = "<!entity"
    if needle.encode() in data.lower():
        return True
    encodings = list(_SNIFFED_ENCODINGS)
    if declared:
        charset = _CHARSET.search(content_type or "")
        encodings += [charset.group(1)] if charset else []
        encodings += _declared_encodings(data)
    for encoding in dict.fromkeys(e.lower() for e in encodings):
        try:
            text = data.decode(encoding, "ignore")  # text codecs only (not zlib, base64…)
        except (LookupError, ValueError):
            continue
        if needle in text.lower():
            return True
    return False


def _declared_encodings(data: bytes) -> list[str]:
    """The encoding named in the XML declaration, read as each encoding of its first bytes."""
    found = []
    head = data[:1024]
    for encoding in ("utf-8-sig", "utf-16", "utf-32", "cp037"):
        text = head.decode(encoding, "ignore")
        match = _ENCODING_IN_DECLARATION.match(text)
        if match:
            found.append(match.group(1))
    return found


# -- The isolated parse ---------------------------------------------------------------------


def _run_isolated(data: bytes, headers: dict, url: str, limit: int, time_limit: float):
    """Run `_read` in a fresh process; kill it after `time_limit` seconds."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child_main,
        args=(sender, data, headers, url, limit),
        name="portee-feed-parser",
        daemon=True,
    )
    try:
        process.start()
    except BaseException:
        sender.close()
        receiver.close()
        raise
    try:
        sender.close()
        if receiver.poll(time_limit):
            try:
                outcome = receiver.recv()
            except (EOFError, OSError):  # the child died without answering
                outcome = ("crashed", "the parser stopped unexpectedly")
        else:
            outcome = ("timeout",)
    finally:
        receiver.close()
        if process.is_alive():
            process.terminate()
            process.join(2)
        if process.is_alive():
            process.kill()
        process.join()
        process.close()
    kind = outcome[0]
    if kind == "ok":
        return outcome[1]
    if kind == "refused":
        raise ParseError(outcome[1], outcome[2])
    if kind == "timeout":
        raise ParseError([Issue("feed_timeout")])
    raise ParseError([Issue("feed_unreadable", params={"value": outcome[1]})])


def _child_main(connection, data: bytes, headers: dict, url: str, limit: int) -> None:
    """In the child: parse and send back ("ok", ParsedNews) or ("refused", errors, warnings)."""
    try:
        outcome = ("ok", _read(data, headers, url, limit))
    except ParseError as error:
        outcome = ("refused", error.errors, error.warnings)
    except Exception as error:  # any failure becomes "unreadable"
        outcome = ("crashed", type(error).__name__)
    try:
        connection.send(outcome)
    finally:
        connection.close()


def _read(data: bytes, headers: dict, url: str, limit: int) -> ParsedNews:
    import feedparser  # only ever imported in the child process

    warnings: list[Issue] = []
    utf8 = _as_feedparser_reads_it(data, headers)
    content_type = headers.get("content-type")
    if declares_entities(data, True, content_type) or (utf8 and b"<!entity" in utf8.lower()):
        raise ParseError([Issue("feed_entities")])

    result = feedparser.parse(
        io.BytesIO(data), response_headers=headers, sanitize_html=True, resolve_relative_uris=True
    )
    version = result.get("version") or ""
    problem = result.get("bozo_exception") if result.get("bozo") else None
    is_sax = problem is not None and _is_sax_error(problem)

    if not version:
        sample = utf8 if utf8 is not None else data
        if not _strip_prolog(sample).strip():
            raise ParseError([Issue("feed_empty")], warnings)
        what = _what_is_it(sample, headers.get("content-type", ""))
        raise ParseError([Issue("feed_not_a_feed", params={"value": what})], warnings)

    if is_sax:
        message = problem.getMessage()
        if message in _CUT_SHORT or (utf8 is not None and not _root_closed(utf8)):
            raise ParseError([Issue("feed_truncated")], warnings)
        line = problem.getLineNumber() - _added_lines(data, utf8)
        warnings.append(
            Issue("feed_not_well_formed", line if line > 0 else None, params={"value": message})
        )

    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if not _is_xml_type(media_type):
        warnings.append(Issue("feed_content_type", params={"value": media_type[:100]}))

    base = url if _http_url(url) else None
    feed = result.get("feed") or {}
    title = _plain(feed.get("title_detail"), feed.get("title")) or None
    link = _link(feed.get("link"), "link", warnings)

    entries = _newest(result.get("entries") or [], limit, base, warnings)
    if not entries and not title:
        raise ParseError([Issue("feed_empty")], warnings)
    return ParsedNews(
        title=_trim(title, TITLE_LENGTH) if title else None,
        link=link,
        entries=entries,
        warnings=warnings,
    )


def _as_feedparser_reads_it(data: bytes, headers: dict) -> bytes | None:
    """The body as UTF-8, decoded by feedparser's own rules (None if that API has moved)."""
    try:
        from feedparser.encodings import convert_to_utf8

        converted = convert_to_utf8(dict(headers), data, {})
    except Exception:  # an internal API: the byte checks still apply
        return None
    return converted if isinstance(converted, bytes) else None


def _is_sax_error(problem: BaseException) -> bool:
    from xml.sax import SAXParseException

    return isinstance(problem, SAXParseException)


def _added_lines(data: bytes, utf8: bytes | None) -> int:
    """feedparser prepends an XML declaration and a newline when the feed has none."""
    if utf8 is None:
        return 0
    return 0 if data.lstrip(codecs.BOM_UTF8).startswith(b"<?xml") else 1


def _strip_prolog(data: bytes) -> bytes:
    return re.sub(rb"^\s*<\?xml[^>]*>", b"", data.lstrip(codecs.BOM_UTF8), count=1)


def _root_closed(utf8: bytes) -> bool:
    """Whether the document ends with its root element's end tag (or is one empty root)."""
    prolog = ((b"<!--", b"-->"), (b"<?", b"?>"), (b"<!", b">"), (b"]", b">"))  # "]>": subset
    body = _skip_markup_around_root(utf8, *prolog)
    root = re.match(rb"<([A-Za-z_][\w.:-]*)", body or b"")
    if root is None:
        return False
    name = root.group(1)
    tail = body.rstrip()
    if tail.endswith(b"/>") and re.fullmatch(rb"<" + re.escape(name) + rb"\b[^<>]*/>", tail):
        return True
    end = tail.rfind(b"</" + name)
    closing = re.match(rb"</" + re.escape(name) + rb"\s*>", tail[end:]) if end >= 0 else None
    if closing is None:
        return False
    # Only comments and processing instructions may follow the root.
    rest = _skip_markup_around_root(tail[end + closing.end() :], (b"<!--", b"-->"), (b"<?", b"?>"))
    return rest == b""


def _skip_markup_around_root(data: bytes, *delimiters: tuple[bytes, bytes]) -> bytes | None:
    """`data` without the leading whitespace and (opening, ending) delimited nodes; None if one
    is never closed."""
    data = data.lstrip(codecs.BOM_UTF8)
    while data := data.lstrip():
        for opening, ending in delimiters:
            if data.startswith(opening):
                stop = data.find(ending, len(opening))
                if stop < 0:
                    return None
                data = data[stop + len(ending) :]
                break
        else:
            return data
    return data


def _what_is_it(data: bytes, content_type: str) -> str:
    head = _strip_prolog(data[:4096]).lstrip().lower()
    media_type = content_type.split(";")[0].strip().lower()
    if media_type in ("text/html", "application/xhtml+xml") or re.search(
        rb"<!doctype\s+html|<html[\s>]", head
    ):
        return "HTML"
    if head[:1] in (b"{", b"["):
        return "JSON"
    root = re.search(rb"<([A-Za-z_][\w.:-]{0,40})", head)
    if root and head.startswith(b"<"):
        return f"XML <{root.group(1).decode('ascii', 'replace')}>"
    return media_type[:100] if media_type else "data"


def _is_xml_type(media_type: str) -> bool:
    return media_type in _XML_TYPES or (
        media_type.startswith(("application/", "text/")) and media_type.endswith("+xml")
    )


# -- Entries ----------------------------------------------------------------------------------


def _newest(raw_entries: list, limit: int, base: str | None, warnings: list[Issue]):
    """The `limit` newest entries: dated ones newest first, then undated ones in file order."""
    dated, undated = [], []
    for raw in raw_entries:
        published = _date(raw.get("published_parsed")) or _date(raw.get("updated_parsed"))
        (dated if published else undated).append((published, raw))
    dated.sort(key=lambda pair: pair[0], reverse=True)  # stable: ties keep file order

    entries: list[NewsEntry] = []
    seen: set[str] = set()
    for published, raw in dated + undated:
        entry = _entry(raw, published, base, warnings)
        if entry is None or entry.guid in seen:
            continue
        seen.add(entry.guid)
        entries.append(entry)
        if len(entries) == limit:
            break
    return entries


def _entry(raw, published: datetime | None, base: str | None, warnings: list[Issue]):
    title = _plain(raw.get("title_detail"), raw.get("title"))
    detail = raw.get("summary_detail")
    if not detail and raw.get("content"):
        detail = raw["content"][0]
    summary = _summary_html(detail, raw.get("summary"), base)
    if raw.get("guidislink") and raw.get("link") == raw.get("id"):
        link = _http_url(raw.get("link"))  # feedparser's guess from the id: no warning
    else:
        link = _link(raw.get("link"), "entry.link", warnings)
    if not title:
        text = _text_of(summary)
        title = _trim(text, 80) if text else (link or "")
    if not title and not summary:
        return None  # nothing to show
    return NewsEntry(
        guid=_guid(raw.get("id"), link, title, published),
        title=_trim(title, TITLE_LENGTH),
        link=link,
        published=published,
        summary_html=summary,
    )


def _guid(entry_id, link: str | None, title: str, published: datetime | None) -> str:
    if isinstance(entry_id, str) and _clean_text(entry_id).strip():
        entry_id = _clean_text(entry_id).strip()
        if len(entry_id) <= GUID_LENGTH:
            return entry_id
        return "sha256:" + hashlib.sha256(entry_id.encode()).hexdigest()
    if link and len(link) <= GUID_LENGTH:
        return link
    stamp = published.isoformat() if published else ""
    return "sha256:" + hashlib.sha256(f"{title}\n{stamp}".encode()).hexdigest()


def _date(parsed) -> datetime | None:
    """feedparser's struct_time (always UTC) → an aware datetime."""
    if not parsed:
        return None
    try:
        return datetime(*tuple(parsed)[:6], tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _link(value, key: str, warnings: list[Issue]) -> str | None:
    if not value:
        return None
    url = _http_url(value)
    if url is None:
        shown = _clean_text(str(value)).strip()
        shown = shown if len(shown) <= 100 else shown[:99] + "…"
        warnings.append(Issue("feed_bad_link", key=key, params={"value": shown}))
    return url


def _http_url(value) -> str | None:
    """`value` if it is an absolute http(s) URL (spaces percent-encoded), else None."""
    if not isinstance(value, str):
        return None
    value = value.strip().replace(" ", "%20")
    if not value or len(value) > URL_LENGTH or _CONTROL.search(value):
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return value


# -- Text and HTML ----------------------------------------------------------------------------


def _clean_text(text: str) -> str:
    return _CONTROL.sub("", text)


def _is_html(detail) -> bool:
    kind = (detail or {}).get("type") or ""
    return kind.lower() in _HTML_TYPES


def _plain(detail, value) -> str:
    """A title as one line of plain text (HTML titles lose their markup)."""
    if detail and isinstance(detail.get("value"), str):
        value = detail["value"]
    if not isinstance(value, str):
        return ""
    if _is_html(detail):
        value = _text_of(nh3.clean(value, tags=set()))
    return " ".join(_clean_text(value).split())


def _text_of(cleaned_html: str) -> str:
    """The text of HTML that nh3 already cleaned, blocks separated by spaces."""
    bare = nh3.clean(_BLOCK_END.sub(" ", cleaned_html), tags=set())
    return " ".join(html.unescape(bare).split())


def _trim(text: str, length: int) -> str:
    if len(text) <= length:
        return text
    return text[: length - 1].rstrip() + "…"


def _sanitize(fragment: str, base: str | None) -> str:
    return nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_drop_empty_href,
        url_schemes={"http", "https"},
        link_rel=LINK_REL,
        url_relative=("rewrite_with_base", base) if base else "deny",
        strip_comments=True,
    )


def _drop_empty_href(tag: str, attribute: str, value: str) -> str | None:
    """feedparser blanks unsafe hrefs; an empty one would resolve to the feed itself."""
    return None if attribute == "href" and not value.strip() else value


def _summary_html(detail, value, base: str | None) -> str:
    """A summary as safe HTML: sanitized (HTML) or escaped (text), about SUMMARY_LENGTH long."""
    if detail and isinstance(detail.get("value"), str):
        value = detail["value"]
    if not isinstance(value, str) or not value.strip():
        return ""
    value = _clean_text(value)
    if _is_html(detail) or not detail:
        cleaned = _sanitize(value, base).strip()
        shortened = _truncate_html(cleaned, SUMMARY_LENGTH)
        return _sanitize(shortened, base).strip() if shortened is not cleaned else cleaned
    text = _trim(value.strip(), SUMMARY_LENGTH)
    paragraphs = re.split(r"\n\s*\n", text)
    return "".join(
        "<p>" + "<br>".join(html.escape(line.strip()) for line in p.splitlines()) + "</p>"
        for p in paragraphs
        if p.strip()
    )


class _Truncator(HTMLParser):
    """Copies clean HTML until `budget` characters of text, then only closes open elements."""

    def __init__(self, budget: int) -> None:
        super().__init__(convert_charrefs=True)
        self.budget = budget
        self.out: list[str] = []
        self.cut = False

    def handle_starttag(self, tag, attrs):
        if not self.cut:
            self.out.append(self.get_starttag_text() or "")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if self.cut:
            return
        if len(data) <= self.budget:
            self.budget -= len(data)
            self.out.append(html.escape(data, quote=False))
            return
        kept = data[: self.budget]
        if " " in kept[len(kept) // 2 :]:
            kept = kept[: kept.rindex(" ")]
        self.out.append(html.escape(kept.rstrip(), quote=False) + "…")
        self.cut = True


def _truncate_html(cleaned: str, budget: int) -> str:
    """`cleaned` itself if its text fits in `budget` characters, else a shortened copy."""
    truncator = _Truncator(budget)
    truncator.feed(cleaned)
    truncator.close()
    return "".join(truncator.out) if truncator.cut else cleaned
