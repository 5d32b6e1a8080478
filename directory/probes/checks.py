"""Checking one service: does its address answer, and is a working install of its software
behind it (not a parking page, a proxy error or a broken install)?

Free of Flask and of the database: a check receives a `Fetcher` (directory/outbound/) and a
`Gate` (politeness, see runner.py) and returns an `Observation`. What failed is an `Issue`
(code and parameters) that the web layer words in the reader's language (issue_text.py).

One request per service and check (two for NodeInfo, which points to its document, and for an
old Etherpad without /health): the generic measures (status, time to first byte, redirects,
certificate) are taken on the first one. Each functional check says where it comes from:
"probes.md" is /work/shared/reference/probes.md, a sourced list of checks per software
(see its principles: prefer a route computed by the application, assert structure).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from directory.feeds.issues import Issue
from directory.outbound.fetch import Fetcher, FetchResult
from directory.timeutil import utcnow

# Outcomes. "up" and "restricted" (a route that should be public asks to sign in: the software
# answered) count as available; "unknown" (asked to wait, or our own resolver failed) is not
# counted at all; the others count as unavailable.
UP, RESTRICTED, MAINTENANCE, FAILED, DOWN, UNKNOWN = (
    "up", "restricted", "maintenance", "failed", "down", "unknown",
)  # fmt: skip
OUTCOMES = (UP, RESTRICTED, MAINTENANCE, FAILED, DOWN, UNKNOWN)
AVAILABLE = (UP, RESTRICTED)
# A last check with one of these outcomes makes a service unreachable for the public: search
# ranks it last among equals, "pick one for me" and /go/ never send anyone there.
FAILING = (MAINTENANCE, FAILED, DOWN)
CERTIFICATE_WARNING_DAYS = 14
JSON = "application/json"
HTML = "text/html,application/xhtml+xml"
_UNREACHABLE = {
    "too_slow", "timeout", "connect_timeout", "connect_failed", "host_not_found", "tls",
    "truncated", "network", "blocked_address", "blocked_url", "invalid_url",
}  # fmt: skip
_GATEWAY = (502, 503, 504)
# Second-level labels under which registrations happen (co.uk, gouv.fr…): without a public
# suffix list, "the same registrable host" is the last two labels, or three under these.
_SECOND_LEVEL = {"co", "com", "org", "net", "gouv", "gov", "ac", "edu", "asso", "nom"}


@dataclass
class Observation:
    outcome: str
    url: str
    status: int | None = None
    latency_ms: int | None = None
    issues: list[Issue] = field(default_factory=list)
    software: str | None = None
    version: str | None = None
    certificate_expires_at: datetime | None = None
    retry_after: int | None = None

    @property
    def available(self) -> bool:
        return self.outcome in AVAILABLE


@dataclass
class Found:
    """What a working install said about itself."""

    software: str | None = None
    version: str | None = None
    maintenance: bool = False


class NotIt(Exception):
    """The answer is not what a working install sends; `issue` says how."""

    def __init__(self, issue: Issue) -> None:
        self.issue = issue
        super().__init__(issue.code)


class _Stop(Exception):
    def __init__(self, outcome: str, issue: Issue, retry_after: int | None = None) -> None:
        self.outcome = outcome
        self.issue = issue
        self.retry_after = retry_after
        super().__init__(issue.code)


class Gate:
    """Lets a request through; the runner's gate caps concurrency, adds jitter and keeps to a
    host's Retry-After. This one lets everything through at once (a single check)."""

    @contextlib.contextmanager
    def request(self, host: str) -> Iterator[None]:
        yield

    def wait_asked(self, host: str, seconds: int) -> None:
        """A host asked us to wait `seconds` (429 or 503 with Retry-After)."""

    def waiting(self, host: str) -> int | None:
        """Seconds left that `host` asked us to wait, or None."""
        return None


def registrable(host: str) -> str:
    """The registrable part of a host name (approximated, see _SECOND_LEVEL); an IP stays."""
    host = host.lower().rstrip(".")
    labels = host.split(".")
    if host.replace(".", "").isdigit() or ":" in host or len(labels) < 2:
        return host
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def same_site(url: str, other: str) -> bool:
    return registrable(urlsplit(url).hostname or "") == registrable(urlsplit(other).hostname or "")


class Probe:
    """The requests of one check: each goes through the gate and is classified; the first
    one's generic measures are kept."""

    def __init__(self, fetcher: Fetcher, url: str, software: str, gate: Gate) -> None:
        self.fetcher = fetcher
        self.url = url if urlsplit(url).path else url + "/"
        self.software = software
        self.gate = gate
        self.first: FetchResult | None = None

    def address(self, path: str) -> str:
        """`path` under the service's address ("status.php"), or from its root ("/api/…").
        The address is a folder ("/nextcloud" is "/nextcloud/") unless its last part names a
        file ("/index.php")."""
        parts = urlsplit(self.url)
        folder = parts.path
        if not folder.endswith("/"):
            last = folder.rsplit("/", 1)[1]
            folder = folder.rsplit("/", 1)[0] + "/" if "." in last else folder + "/"
        base = parts._replace(path=folder, query="", fragment="").geturl()
        return urljoin(base, path) if path else self.url

    def get(
        self, path: str, accept: str = JSON, missing_ok: bool = False, need_body: bool = True
    ) -> FetchResult:
        url = self.address(path)
        host = urlsplit(url).hostname or ""
        wait = self.gate.waiting(host)
        if wait:
            raise _Stop(UNKNOWN, Issue("probe_rate_limited", params={"seconds": wait}), wait)
        with self.gate.request(host):
            result = self.fetcher.fetch(url, accept=accept)
        if self.first is None:
            self.first = result
        if result.retry_after:
            self.gate.wait_asked(host, result.retry_after)
        error = result.error
        if result.status is None and error is not None:
            if error.code == "resolver_timeout":
                raise _Stop(UNKNOWN, error)
            if error.code in _UNREACHABLE:
                raise _Stop(DOWN, error)
            raise _Stop(FAILED, error)  # insecure or blocked redirect, too many redirects
        status = result.status or 0
        if status == 429:
            seconds = result.retry_after
            if seconds is None:
                raise _Stop(UNKNOWN, Issue("http_status", params={"status": status}))
            raise _Stop(UNKNOWN, Issue("probe_rate_limited", params={"seconds": seconds}), seconds)
        if status in _GATEWAY:
            raise _Stop(DOWN, Issue("probe_gateway", params={"status": status}), result.retry_after)
        if status >= 500:
            raise _Stop(DOWN, Issue("http_status", params={"status": status}))
        if not same_site(self.url, result.url):
            host = urlsplit(result.url).hostname or result.url
            raise _Stop(FAILED, Issue("probe_off_site", params={"value": host}))
        if status in (401, 403):
            issue = Issue("probe_restricted", params={"status": status, "path": _path(url)})
            raise _Stop(RESTRICTED, issue)
        if status >= 400:
            if missing_ok and status in (404, 405):
                return result
            if not self.software:  # a generic check: no software to say it is not
                raise _Stop(FAILED, Issue("http_status", params={"status": status}))
            params = {"status": status, "path": _path(url), "software": self.software}
            raise _Stop(FAILED, Issue("probe_missing", params=params))
        if error is not None and need_body:  # too large, empty, corrupt: not what it sends
            raise _Stop(FAILED, error)
        return result

    def json(self, path: str, missing_ok: bool = False):
        result = self.get(path, JSON, missing_ok)
        if missing_ok and result.status in (404, 405):
            return None
        try:
            return json.loads(result.content or b"")
        except (ValueError, UnicodeDecodeError) as exc:
            raise NotIt(self.not_json(path)) from exc

    def text(self, path: str, accept: str = HTML) -> str:
        return (self.get(path, accept).content or b"").decode("utf-8", "replace")

    def not_json(self, path: str) -> Issue:
        params = {"path": _path(self.address(path)), "software": self.software}
        return Issue("probe_not_json", params=params)

    def lacks(self, path: str, what: str) -> NotIt:
        params = {"path": _path(self.address(path)), "software": self.software, "value": what}
        return NotIt(Issue("probe_unexpected", params=params))


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _dict(data, probe: Probe, path: str, *keys: str) -> dict:
    if not isinstance(data, dict):
        raise NotIt(probe.not_json(path))
    for key in keys:
        if key not in data:
            raise probe.lacks(path, key)
    return data


def _text(value) -> str | None:
    return str(value)[:100] if isinstance(value, str | int | float) and value != "" else None


# The functional checks, one per software (catalogue slug). Each asks what a working install
# answers and a parking page, a proxy error or a broken install does not.


def nextcloud(probe: Probe) -> Found:
    """probes.md "nextcloud" [code] nextcloud/server status.php: `installed`, `maintenance`,
    `needsDbUpgrade`, `versionstring`, `productname` (themable)."""
    data = _dict(probe.json("status.php"), probe, "status.php", "installed", "version")
    if data["installed"] is not True:
        params = {"software": "Nextcloud", "value": "installed: false"}
        raise NotIt(Issue("probe_broken", params=params))
    version = _text(data.get("versionstring")) or _text(data.get("version"))
    found = Found(_text(data.get("productname")) or "Nextcloud", version)
    found.maintenance = data.get("maintenance") is True or data.get("needsDbUpgrade") is True
    return found


# NodeInfo software names per catalogue slug (compared in lower case; forks of Misskey keep
# their own name, probes.md "misskey").
NODEINFO_NAMES = {
    "mastodon": {"mastodon"},
    "peertube": {"peertube"},
    "pixelfed": {"pixelfed"},
    "misskey": {"misskey", "sharkey", "firefish", "iceshrimp", "cherrypick", "foundkey"},
    "friendica": {"friendica"},
    "lemmy": {"lemmy"},
    "mobilizon": {"mobilizon"},
    "funkwhale": {"funkwhale"},
    "writefreely": {"writefreely"},
    "gancio": {"gancio"},
    "pleroma": {"pleroma"},
    "akkoma": {"akkoma"},
    "gotosocial": {"gotosocial"},
}
_NODEINFO_SCHEMA = re.compile(r"^https?://nodeinfo\.diaspora\.software/ns/schema/(\d+(?:\.\d+)*)$")


def nodeinfo(slug: str) -> Callable[[Probe], Found]:
    """probes.md "Shared protocols: NodeInfo" [docs nodeinfo.diaspora.software/protocol]:
    /.well-known/nodeinfo links to the document (highest schema), whose `software.name` and
    `software.version` say what runs. The link must stay on the service's site."""

    def check(probe: Probe) -> Found:
        path = "/.well-known/nodeinfo"
        links = _dict(probe.json(path), probe, path, "links")["links"]
        best: tuple[tuple[int, ...], str] | None = None
        for link in links if isinstance(links, list) else []:
            if not isinstance(link, dict) or not isinstance(link.get("href"), str):
                continue
            match = _NODEINFO_SCHEMA.match(str(link.get("rel", "")))
            if match:
                version = tuple(int(n) for n in match.group(1).split("."))
                if best is None or version > best[0]:
                    best = (version, link["href"])
        if best is None:
            raise probe.lacks(path, "links[].rel …/ns/schema/2.x")
        href = urljoin(probe.address(path), best[1])
        if not same_site(probe.url, href):
            host = urlsplit(href).hostname or href
            raise NotIt(Issue("probe_off_site", params={"value": host}))
        document = _dict(probe.json(href), probe, href, "software")
        software = _dict(document["software"], probe, href, "name")
        name = str(software["name"])[:100]
        if name.lower() not in NODEINFO_NAMES[slug]:
            params = {"value": name, "software": probe.software}
            raise NotIt(Issue("probe_other_software", params=params))
        return Found(name, _text(software.get("version")))

    check.__doc__ = nodeinfo.__doc__
    return check


def matrix(probe: Probe) -> Found:
    """probes.md "Matrix" [docs Matrix client-server API, GET /_matrix/client/versions]: a
    non-empty `versions` list, whatever the homeserver (Synapse, Dendrite, Conduit)."""
    path = "/_matrix/client/versions"
    versions = _dict(probe.json(path), probe, path, "versions")["versions"]
    if not isinstance(versions, list) or not versions:
        raise probe.lacks(path, "versions")
    return Found("Matrix", None)


def etherpad(probe: Probe) -> Found:
    """probes.md "etherpad" [code] ether/etherpad-lite specialpages.ts: /health answers
    {"status": "pass", "releaseId": version}; installs older than /health answer /api with
    {"currentVersion": …} (apicalls.ts), the HTTP API's version, not Etherpad's."""
    health = probe.json("health", missing_ok=True)
    if health is not None:
        data = _dict(health, probe, "health", "status")
        if data["status"] != "pass":
            params = {"software": "Etherpad", "value": f"status: {data['status']}"}
            raise NotIt(Issue("probe_broken", params=params))
        return Found("Etherpad", _text(data.get("releaseId")))
    _dict(probe.json("api"), probe, "api", "currentVersion")
    return Found("Etherpad", None)


def hedgedoc(probe: Probe) -> Found:
    """probes.md "hedgedoc" [code] hedgedoc/hedgedoc lib/web/statusRouter.ts (1.x): /status
    counts notes and users."""
    _dict(probe.json("status"), probe, "status", "onlineNotes", "notesCount")
    return Found("HedgeDoc", None)


def gitea(probe: Probe) -> Found:
    """probes.md "gitea / forgejo" [code] go-gitea/gitea routers/api/v1/api.go: /api/v1/version
    → {"version": …}; Forgejo's reads "9.0.0+gitea-1.22.0"."""
    path = "/api/v1/version"
    version = _text(_dict(probe.json(path), probe, path, "version")["version"])
    return Found("Forgejo" if version and "+gitea" in version else "Gitea", version)


def discourse(probe: Probe) -> Found:
    """Discourse's API documentation (docs.discourse.org, "Site: get site info", GET
    /site.json): the site's `categories`, `post_types` and `notification_types`, answered to
    anonymous visitors (probes.md "discourse" lists /srv/status, whose body is unverified)."""
    _dict(probe.json("/site.json"), probe, "/site.json", "post_types", "notification_types")
    return Found("Discourse", None)


_JITSI_CONFIG = re.compile(r"\bvar\s+config\s*=\s*\{")
_JITSI_HOSTS = re.compile(r"\bhosts\s*:\s*\{")


def jitsi(probe: Probe) -> Found:
    """probes.md "jitsi-meet" [code] jitsi/jitsi-meet config.js: `var config = {` with
    `hosts: {…}`. A static file: it proves the web front, not the video bridge."""
    body = probe.text("config.js", "application/javascript,*/*")
    if not _JITSI_CONFIG.search(body) or not _JITSI_HOSTS.search(body):
        raise probe.lacks("config.js", "var config = { hosts: … }")
    return Found("Jitsi Meet", None)


_CRYPTPAD_VERSION = re.compile(r"ver=([0-9][0-9A-Za-z.\-]*)")


def cryptpad(probe: Probe) -> Found:
    """probes.md "cryptpad" [code] cryptpad/cryptpad lib/http-worker.js: /api/config is
    `define(function(){ return {…}; });` with `requireConf` and `httpUnsafeOrigin`; the
    version is in requireConf.urlArgs (`ver=…`)."""
    body = probe.text("/api/config", "application/javascript,*/*")
    if not body.lstrip().startswith("define(function"):
        raise probe.lacks("/api/config", "define(function(){…})")
    for key in ("requireConf", "httpUnsafeOrigin"):
        if key not in body:
            raise probe.lacks("/api/config", key)
    version = _CRYPTPAD_VERSION.search(body)
    return Found("CryptPad", version.group(1).rstrip("-.") if version else None)


def framadate(probe: Probe) -> Found:
    """probes.md "framadate" [code] framasoft/framadate 1.x: the home page names Framadate and
    links to create_poll.php (themed instances rename it; the link stays)."""
    body = probe.text("")
    if "create_poll.php" not in body and "framadate" not in body.lower():
        raise probe.lacks("", "create_poll.php")
    return Found("Framadate", None)


def lufi(probe: Probe) -> Found:
    """probes.md "lufi" [code] ldidry/lufi lib/Lufi.pm: the upload page names Lufi; instances
    behind LDAP or htpasswd redirect to /login (alive)."""
    result = probe.get("", HTML)
    body = (result.content or b"").decode("utf-8", "replace")
    if "lufi" not in body.lower():
        raise probe.lacks("", "Lufi")
    return Found("Lufi", None)


_PRIVATEBIN_VERSION = re.compile(r"privatebin\.(?:css|js)\?v?=?([0-9][0-9.]*[0-9])")


def privatebin(probe: Probe) -> Found:
    """probes.md "privatebin" [code] PrivateBin/PrivateBin tpl/bootstrap5.php: the page loads
    js/privatebin.js and privatebin.css?<version>."""
    body = probe.text("")
    if "privatebin.js" not in body:
        raise probe.lacks("", "js/privatebin.js")
    version = _PRIVATEBIN_VERSION.search(body)
    return Found("PrivateBin", version.group(1) if version else None)


def ethercalc(probe: Probe) -> Found:
    """probes.md "ethercalc" [code] audreyt/ethercalc src/main.ls: /_exists/<name> answers
    JSON `false` for a sheet that does not exist (and creates nothing)."""
    if probe.json("/_exists/portee-probe") is not False:
        raise probe.lacks("/_exists/portee-probe", "false")
    return Found("EtherCalc", None)


def json_keys(
    path: str, keys: tuple[str, ...], name: str, version: str | None = None, **equal
) -> Callable[[Probe], Found]:
    """A JSON document with these keys (and these values), the version under `version`."""

    def check(probe: Probe) -> Found:
        data = _dict(probe.json(path), probe, path, *keys)
        for key, value in equal.items():
            if data.get(key) != value:
                raise probe.lacks(path, f"{key}: {json.dumps(value)}")
        return Found(name, _text(data.get(version)) if version else None)

    return check


# Slug → check; where each comes from is in its docstring or the comment above it.
CHECKS: dict[str, Callable[[Probe], Found]] = {
    "nextcloud": nextcloud,
    "matrix-synapse": matrix,
    "etherpad": etherpad,
    "hedgedoc": hedgedoc,
    "gitea": gitea,
    "forgejo": gitea,
    "discourse": discourse,
    "jitsi-meet": jitsi,
    "cryptpad": cryptpad,
    "framadate": framadate,
    "lufi": lufi,
    "privatebin": privatebin,
    "ethercalc": ethercalc,
    # probes.md "mattermost" [code] mattermost server api4/system.go: /api/v4/system/ping.
    "mattermost": json_keys("/api/v4/system/ping", ("status",), "Mattermost", status="OK"),
    # probes.md "zulip" [docs] zulip.com/api/get-server-settings.
    "zulip": json_keys(
        "/api/v1/server_settings", ("zulip_version",), "Zulip", "zulip_version", result="success"
    ),
    # probes.md "wallabag" [code] wallabag WallabagRestController.php: /api/info.
    "wallabag": json_keys("/api/info", ("version",), "wallabag", "version", appname="wallabag"),
    # probes.md "bookstack" [code] BookStack StatusController.php: /status.
    "bookstack": json_keys("/status", ("database", "cache", "session"), "BookStack", database=True),
    # probes.md "umap" [code] umap-project/umap umap/views.py: /stats/.
    "umap": json_keys("/stats/", ("version", "maps_count"), "uMap", "version"),
}
for _slug in NODEINFO_NAMES:
    CHECKS.setdefault(_slug, nodeinfo(_slug))


def generic(probe: Probe) -> Found | None:
    """Every other service: its address answers, without a 4xx or 5xx, on its own site (a
    page larger than the cap, or empty, still answered)."""
    probe.get("", HTML, need_body=False)
    return None


def check_service(
    fetcher: Fetcher,
    url: str,
    slug: str | None,
    software_name: str | None = None,
    declared_version: str | None = None,
    gate: Gate | None = None,
    now: datetime | None = None,
    declared_software: str | None = None,
) -> Observation:
    """Check the service at `url` running the catalogue's `slug` (None: generic check only);
    what the server says it runs is compared with what the host declares."""
    now = now or utcnow()
    name = software_name or slug or ""
    probe = Probe(fetcher, url, name, gate or Gate())
    check = CHECKS.get(slug or "", generic)
    observation = Observation(UP, url)
    try:
        found = check(probe)
    except _Stop as stop:
        observation.outcome = stop.outcome
        observation.issues.append(stop.issue)
        observation.retry_after = stop.retry_after
        found = None
    except NotIt as wrong:
        observation.outcome = FAILED
        observation.issues.append(wrong.issue)
        found = None
    first = probe.first
    if first is not None:
        observation.url = first.url
        observation.status = first.status
        if first.first_byte is not None:
            observation.latency_ms = round(first.first_byte * 1000)
        observation.certificate_expires_at = first.certificate_expires_at
    if found is not None:
        observation.software, observation.version = found.software, found.version
        if found.maintenance:
            observation.outcome = MAINTENANCE
            observation.issues.append(Issue("probe_maintenance", params={"software": name}))
    _notes(observation, url, declared_version, now)
    observed = observation.software
    if declared_software and observed and not _same_software(declared_software, observed):
        params = {"expected": declared_software, "value": observed}
        observation.issues.append(Issue("probe_software_differs", params=params))
    return observation


def _same_software(declared: str, observed: str) -> bool:
    """ "Etherpad Lite" is Etherpad, "Matrix Synapse" is Matrix: one name within the other."""
    a = re.sub(r"[^a-z0-9]", "", declared.lower())
    b = re.sub(r"[^a-z0-9]", "", observed.lower())
    return bool(a and b) and (a in b or b in a)


def _notes(observation: Observation, url: str, declared: str | None, now: datetime) -> None:
    """What is worth telling even when the check passed."""
    if urlsplit(url).scheme == "http" or urlsplit(observation.url).scheme == "http":
        observation.issues.append(Issue("probe_plain_http"))
    expires = observation.certificate_expires_at
    if expires is not None:
        days = (expires - now).days
        if days < CERTIFICATE_WARNING_DAYS:
            observation.issues.append(Issue("probe_certificate_expires", params={"days": days}))
    observed = observation.version
    if declared and observed and not _same_version(declared, observed):
        params = {"expected": declared, "value": observed}
        observation.issues.append(Issue("probe_version_differs", params=params))


def _same_version(declared: str, observed: str) -> bool:
    """ "29" matches "29.0.3"; "v1.22" matches "1.22.3" (hosts often write less)."""
    a = declared.strip().lower().removeprefix("v")
    b = observed.strip().lower().removeprefix("v")
    return b == a or b.startswith(a + ".") or b.startswith(a + "+") or a.startswith(b + ".")
