"""One probe run (`flask probes run`, every 5 minutes from cron or a systemd timer): check each
offered service that is due, politely, within a time budget, and keep what was found.

Politeness: at most `concurrency` requests at a time in all, and `per_host` per host name;
each check starts after a random pause counted from the run's start (jitter), so the services
of a run are not all asked in the same second of each interval; a host's `Retry-After` (429,
503) holds every service on that host until then; a service that keeps failing is checked less
often (BACKOFF: 5 min, then 15 min, then every hour), and normally again at its first success.

The pause is counted from the run's start, not slept before every request: a worker sleeping
before each request would hold its slot idle, and 10,000 services could not be checked within
one interval (measured by `python -m bench.probe_run`: 3.8 checks/s with 8 workers and a 2 s
jitter, so 10,000 services would have needed 44 minutes).

A run never outlasts its interval: no request starts after `budget` seconds, and each request
ends by the Fetcher's deadline; the services left over stay due for the next run.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from sqlmodel import Session, select

from directory.db import Database
from directory.feeds.issues import Issue
from directory.membership import OPEN_STATES
from directory.models import Application, Organization, ProbeState, Service, Software
from directory.outbound.fetch import Fetcher
from directory.outbound.guard import AddressPolicy, Refused, canonical_url
from directory.probes import history
from directory.probes.checks import UNKNOWN, Gate, Observation, check_service
from directory.timeutil import utcnow
from directory.vocabulary import ENDED_SERVICE_STATUSES

BACKOFF = (timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
# A service due a few seconds after the timer fires is checked in this run, not the next.
DUE_SLACK = timedelta(seconds=30)
# probes.md, principle 5: read at most 256 KiB, 10 seconds per request.
MAX_BYTES = 256 * 1024
# Checks written per transaction, and at least this often (seconds).
WRITE_BATCH = 100
WRITE_EVERY = 1.0


@dataclass(frozen=True)
class ProbeSettings:
    interval: float = 300.0
    concurrency: int = 32
    per_host: int = 2
    jitter: float = 2.0
    deadline: float = 10.0
    raw_days: int = 7

    @property
    def budget(self) -> float:
        """Seconds after which no request starts: the last ones end within the interval."""
        return max(self.interval - self.deadline - self.jitter - 5.0, self.interval / 2)

    @classmethod
    def from_config(cls, config) -> ProbeSettings:
        return cls(
            interval=float(config["PORTEE_PROBE_INTERVAL_SECONDS"]),
            concurrency=int(config["PORTEE_PROBE_CONCURRENCY"]),
            per_host=int(config["PORTEE_PROBE_PER_HOST"]),
            jitter=float(config["PORTEE_PROBE_JITTER_SECONDS"]),
            deadline=float(config["PORTEE_PROBE_DEADLINE_SECONDS"]),
            raw_days=int(config["PORTEE_PROBE_RAW_DAYS"]),
        )


def probe_fetcher(config, settings: ProbeSettings) -> Fetcher:
    """The guarded Fetcher with the probes' caps (private addresses only with
    PORTEE_FETCH_ALLOW_PRIVATE, as for every fetch)."""
    return Fetcher(
        policy=AddressPolicy.from_config(config), max_bytes=MAX_BYTES, deadline=settings.deadline
    )


class OutOfTime(Exception):
    """The run's budget is spent: this check is left for the next run."""


class PoliteGate(Gate):
    def __init__(
        self,
        settings: ProbeSettings,
        ends_at: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.ends_at = ends_at
        self.sleep = sleep
        self._all = threading.BoundedSemaphore(settings.concurrency)
        self._hosts: dict[str, threading.BoundedSemaphore] = {}
        self._asked: dict[str, float] = {}
        self._lock = threading.Lock()

    def _host(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            if host not in self._hosts:
                self._hosts[host] = threading.BoundedSemaphore(self.settings.per_host)
            return self._hosts[host]

    def start_check(self, started: float) -> None:
        """Wait until a random moment within `jitter` seconds of the run's start (`started`,
        monotonic): the first checks of a run are spread, the later ones never wait."""
        if self.settings.jitter > 0:
            pause = started + random.uniform(0, self.settings.jitter) - time.monotonic()
            if pause > 0:
                self.sleep(pause)

    @contextlib.contextmanager
    def request(self, host: str) -> Iterator[None]:
        with self._host(host), self._all:
            if time.monotonic() > self.ends_at:
                raise OutOfTime
            yield

    def wait_asked(self, host: str, seconds: int) -> None:
        with self._lock:
            self._asked[host] = max(self._asked.get(host, 0.0), time.monotonic() + seconds)

    def waiting(self, host: str) -> int | None:
        with self._lock:
            left = self._asked.get(host, 0.0) - time.monotonic()
        return int(left) + 1 if left > 0 else None


@dataclass(frozen=True)
class Due:
    service_id: int
    name: str
    url: str
    slug: str | None
    software: str | None
    declared_version: str | None
    declared_software: str | None = None


# A candidate is probed from the day it applies, while its application is open (not once it is
# withdrawn or rejected), so the moderators see the results before they vote.
_applying = (Organization.membership == "candidate") & (
    select(Application.id)
    .where(
        Application.organization_id == Organization.id,
        Application.state.in_(OPEN_STATES),
    )
    .exists()
)


def _watched(session: Session, *columns):
    """Offered services (not retired, not ended, with an address) of a member organization or
    of a candidate whose application is open: what the probes check; rows of `columns`. The
    enddate and the address's form are read in Python (`_fetchable`)."""
    return session.exec(
        select(*columns)
        .join(Organization, Organization.id == Service.organization_id)
        .outerjoin(ProbeState, ProbeState.service_id == Service.id)
        .outerjoin(Software, Software.id == Service.software_id)
        .where(
            Service.retired_at.is_(None),
            Service.website.is_not(None),
            Service.status.not_in(ENDED_SERVICE_STATUSES),
            (Organization.membership == "member") | _applying,
        )
    ).all()


def _fetchable(enddate: date | None, website: str, today: date) -> str | None:
    """The address a check asks, or None: the service has ended, or its address cannot be
    fetched (not http(s), malformed; the importer already told its host)."""
    if enddate is not None and enddate < today:
        return None
    try:
        return canonical_url(website)
    except Refused:
        return None


def watched_ids(session: Session, now: datetime) -> set[int]:
    """The services the probes check, due now or later (an outage of any other service is
    closed as no longer checked: directory/probes/outages.py)."""
    today = now.date()
    rows = _watched(session, Service.id, Service.enddate, Service.website)
    return {service_id for service_id, *address in rows if _fetchable(*address, today)}


def due_services(session: Session, now: datetime) -> list[Due]:
    """The watched services (`_watched`) whose next check is due, the longest waiting first."""
    rows = _watched(session, Service, ProbeState.next_check_at, Software)
    today = now.date()
    due = []
    for service, next_check_at, software in rows:
        if next_check_at is not None and next_check_at > now + DUE_SLACK:
            continue
        url = _fetchable(service.enddate, service.website, today)
        if url is None:
            continue
        slug = software.slug if software else None
        name = software.name.get("en") if software else None
        due.append(
            (
                next_check_at or datetime.min.replace(tzinfo=now.tzinfo),
                Due(
                    service.id,
                    service.name,
                    url,
                    slug,
                    name or service.software_declared,
                    service.software_version,
                    service.software_declared,
                ),
            )
        )
    due.sort(key=lambda pair: (pair[0], pair[1].service_id))
    return [item for _when, item in due]


def next_check(state: ProbeState, observation: Observation, now: datetime, interval: float):
    """Update the failure count and the time of the next check."""
    if observation.outcome == UNKNOWN:
        wait = timedelta(seconds=interval)
    elif observation.available:
        state.consecutive_failures = 0
        wait = timedelta(seconds=interval)
    else:
        state.consecutive_failures += 1
        step = BACKOFF[min(state.consecutive_failures, len(BACKOFF)) - 1]
        wait = max(step, timedelta(seconds=interval))
    if observation.retry_after:
        wait = max(wait, timedelta(seconds=observation.retry_after))
    state.next_check_at = now + wait


def keep(session: Session, item: Due, observation: Observation, now: datetime, interval: float):
    history.record(session, item.service_id, observation, now)
    state = session.get(ProbeState, item.service_id) or ProbeState(service_id=item.service_id)
    state.last_checked_at = now
    state.last_outcome = observation.outcome
    if observation.software:
        state.observed_software = observation.software[:100]
        state.observed_version = (observation.version or "")[:100] or None
    if observation.status is not None:
        state.certificate_expires_at = observation.certificate_expires_at
    next_check(state, observation, now, interval)
    session.add(state)


@dataclass
class RunSummary:
    due: int = 0
    checked: int = 0
    left: int = 0  # not checked: the time budget was spent
    outcomes: Counter = field(default_factory=Counter)
    folded: int = 0
    seconds: float = 0.0
    # (service name, address, outcome, issue) of every check that did not find it available
    problems: list[tuple[str, str, str, Issue | None]] = field(default_factory=list)


def run_probes(
    database: Database,
    fetcher: Fetcher,
    settings: ProbeSettings,
    *,
    clock: Callable[[], datetime] = utcnow,
    on_start: Callable[[int], None] | None = None,
    on_progress: Callable[[], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> RunSummary:
    started = time.monotonic()
    summary = RunSummary()
    with database.session_scope() as session:
        due = due_services(session, clock())
    summary.due = len(due)
    if on_start is not None:
        on_start(len(due))
    gate = PoliteGate(settings, started + settings.budget, sleep)

    def work(item: Due) -> tuple[Due, Observation | None]:
        gate.start_check(started)
        if time.monotonic() > gate.ends_at:
            return item, None
        try:
            observation = check_service(
                fetcher,
                item.url,
                item.slug,
                item.software,
                item.declared_version,
                gate,
                clock(),
                declared_software=item.declared_software,
            )
        except OutOfTime:
            return item, None
        return item, observation

    # What was found is written in batches: one transaction per check made the writing, in
    # this one thread, slower than 32 workers' checks (measured at 10,000 services).
    found: list[tuple[Due, Observation, datetime]] = []
    written_at = time.monotonic()

    def write() -> None:
        nonlocal written_at
        if found:
            with database.session_scope() as session:
                for item, observation, when in found:
                    keep(session, item, observation, when, settings.interval)
                session.commit()
            found.clear()
        written_at = time.monotonic()

    with ThreadPoolExecutor(max_workers=max(1, settings.concurrency)) as pool:
        futures = [pool.submit(work, item) for item in due]
        for future in as_completed(futures):
            item, observation = future.result()
            if observation is None:
                summary.left += 1
            else:
                found.append((item, observation, clock()))
                if len(found) >= WRITE_BATCH or time.monotonic() - written_at > WRITE_EVERY:
                    write()
                summary.checked += 1
                summary.outcomes[observation.outcome] += 1
                if not observation.available:
                    issue = observation.issues[0] if observation.issues else None
                    summary.problems.append((item.name, item.url, observation.outcome, issue))
            if on_progress is not None:
                on_progress()
    write()
    with database.session_scope() as session:
        summary.folded = history.fold(session, clock(), settings.raw_days)
        session.commit()
    summary.problems.sort(key=lambda problem: (urlsplit(problem[1]).hostname or "", problem[1]))
    summary.seconds = time.monotonic() - started
    return summary
