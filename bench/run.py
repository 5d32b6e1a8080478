"""One size, end to end, in this process: generate, serve, import three ways, query three ways.

`SizeBench(size, options).run()` returns the size's numbers (see bench/README.md); the app, the
file server and the federation stay open until `close()`, so the load run can reuse them.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
from sqlmodel import select

from bench import fts, generate
from bench.bulk import bulk_load
from bench.queries import COLD, COLD_PAGE, QUERIES, QUICK, Query
from bench.serve import FileServer
from bench.stats import folder_mb, peak_rss_mb, rss_mb, summary_ms
from directory.feeds.runner import refresh_organization, run_federation_import
from directory.models import Source
from directory.outbound.fetch import Fetcher
from directory.outbound.guard import AddressPolicy
from search.index import OfferIndex

ROOT = Path(__file__).resolve().parent.parent
UNAVAILABLE_MARKERS = ("unavailable for a moment", "momentanément indisponible")
VISIBLE_TIMEOUT = 30.0  # seconds to wait, after the import, for a change to show in search


@dataclass
class Options:
    sizes: list[int] = field(default_factory=lambda: [100, 1000, 10000])
    quick: bool = False
    load: bool = True
    load_size: int = 1000
    load_seconds: int = 30
    idle_seconds: int = 10
    connections: int = 16
    repeat: int = 5  # timed passes over the query mix at most (after one warm-up pass)
    query_budget_s: float = 120.0  # fewer passes when one pass takes long (10,000 hosts)
    full_import_max: int = 2000  # above, all federation files but the last are bulk-loaded
    seed: int = 2024
    workers: int = 8  # the importer's fetching threads
    out: Path = ROOT / "bench" / "results"
    work: Path | None = None  # temporary folder for files, databases, indexes
    keep: bool = False
    profile: str | None = None  # "queries" (extra untimed passes), "imports" (timed!), "all"
    progress: bool = True

    @property
    def queries(self) -> list[Query]:
        return QUICK if self.quick else QUERIES


def make_app(folder: Path, database_url: str | None = None):
    """An app on its own SQLite file (or `database_url`) and index (as tests/support.make_app)."""
    from app import create_app

    return create_app(
        {
            "TESTING": False,
            "DATABASE_URL": database_url or f"sqlite:///{folder / 'portee.sqlite3'}",
            "PORTEE_INDEX_DIR": str(folder / "index"),
            "SECRET_KEY": "bench-secret",
            "PORTEE_FETCH_ALLOW_PRIVATE": True,
            "MAIL_FOLDER": str(folder / "mail"),
            # Pages are timed as rendered, not as served from the anonymous page cache (the
            # load run, a real server, keeps the cache on as in production).
            "PORTEE_PAGE_CACHE_SIZE": 0,
        }
    )


def prepare(app) -> None:
    """What `flask directory init` does: schema at head, catalogue, empty index."""
    from directory.catalog import load_catalog
    from directory.cli import upgrade_database
    from directory.db import get_database

    with app.app_context():
        upgrade_database(app)
        with get_database(app).session_scope() as session:
            load_catalog(session)
            session.commit()
        app.extensions["portee.search"].ensure_index()


class _Progress:
    """click.progressbar over organizations, or nothing."""

    def __init__(self, enabled: bool, length: int, label: str) -> None:
        self.bar = click.progressbar(length=length, label=label) if enabled else None

    def __enter__(self):
        if self.bar:
            self.bar.__enter__()
        return self

    def update(self, _bundle=None) -> None:
        if self.bar:
            self.bar.update(1)

    def __exit__(self, *exc) -> None:
        if self.bar:
            self.bar.__exit__(*exc)


@contextlib.contextmanager
def profiled(enabled: bool, path: Path):
    """Profile the block with pyinstrument (main thread) into `path` (tree and flat views)."""
    if not enabled:
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        path.parent.mkdir(parents=True, exist_ok=True)
        tree = profiler.output_text(unicode=True, time="percent_of_total")
        flat = profiler.output_text(unicode=True, flat=True, time="percent_of_total")
        path.write_text(tree + "\n\n=== flat (self time) ===\n" + flat, encoding="utf-8")


class SizeBench:
    def __init__(
        self, size: int, options: Options, work: Path, database_url: str | None = None
    ) -> None:
        self.size = size
        self.database_url = database_url
        self.options = options
        self.folder = work / f"size-{size}"
        self.server: FileServer | None = None
        self.federation: generate.Federation | None = None
        self.app = None
        self.result: dict = {"organizations": size}

    # -- set-up --------------------------------------------------------------------------------
    def setup(self) -> None:
        hosts = self.folder / "hosts"
        hosts.mkdir(parents=True, exist_ok=True)
        self.server = FileServer(hosts)
        started = time.perf_counter()
        self.federation = generate.generate(
            hosts, self.size, self.server.base_url, seed=self.options.seed
        )
        federation = self.federation
        self.result.update(
            services_listed=len(federation.services),
            files=federation.files,
            stale_organizations=federation.stale,
            federation_files=len(federation.shards),
            expected_offers=federation.expected_offers(),
            generate_s=round(time.perf_counter() - started, 3),
        )
        (self.folder / "site").mkdir(parents=True, exist_ok=True)
        self.app = make_app(self.folder / "site", self.database_url)
        prepare(self.app)

    def profiling(self, what: str) -> bool:
        return self.options.profile in (what, "all")

    @property
    def search(self):
        return self.app.extensions["portee.search"]

    @property
    def database(self):
        from directory.db import get_database

        return get_database(self.app)

    def fetcher(self) -> Fetcher:
        return Fetcher(policy=AddressPolicy(allow_private=True))

    # -- imports -------------------------------------------------------------------------------
    def import_federation(
        self, shards: list[str], label: str, trigger: str, progress: bool | None = None
    ) -> dict:
        """Import these federation files as `flask feeds import` does (batched indexing)."""
        totals = {"sources_tried": 0, "changed": 0, "unchanged": 0, "failed": 0}
        organizations = sum(
            1
            for o in self.federation.organizations
            if generate.shard_of(self.federation, o) in shards
        )
        before = self.server.stats()
        started = time.perf_counter()
        with (
            self.fetcher() as fetcher,
            _Progress(
                self.options.progress if progress is None else progress, organizations, label
            ) as bar,
            self.search.batched(),
        ):
            for shard in shards:
                run = run_federation_import(
                    self.database,
                    fetcher,
                    shard,
                    trigger=trigger,
                    workers=self.options.workers,
                    on_progress=bar.update,
                )
                for key in totals:
                    totals[key] += getattr(run, key)
        elapsed = time.perf_counter() - started
        served = self.server.stats() - before
        return {
            "seconds": round(elapsed, 3),
            "organizations": organizations,
            "organizations_per_s": round(organizations / elapsed, 1),
            **totals,
            "http_200": served.get(200, 0),
            "http_304": served.get(304, 0),
            "http_404": served.get(404, 0),
        }

    def full_offers(self) -> int:
        from search import SearchParams

        return self.search.search(SearchParams(filters={"load": ("full",)}, per_page=1)).total

    def wait_visible(self, before: int, started: float) -> float:
        """Seconds from `started` until search counts one more full offer (waiting at most
        VISIBLE_TIMEOUT from now: the import that should show it has returned)."""
        deadline = time.perf_counter() + VISIBLE_TIMEOUT
        while time.perf_counter() < deadline:
            if self.full_offers() > before:
                return time.perf_counter() - started
            time.sleep(0.02)
        raise RuntimeError(f"the change was not visible in search after {VISIBLE_TIMEOUT} s")

    def organization_id(self, organization: generate.OrganizationFile) -> int:
        with self.database.session_scope() as session:
            source = session.exec(select(Source).where(Source.url == organization.url)).one()
            return source.organization_id

    def measure_imports(self) -> dict:
        federation = self.federation
        options = self.options
        profile_dir = options.out / "profiles"
        imports: dict = {}
        self.result["import"] = imports  # filled as it goes (a failure keeps what was measured)
        bulk = self.size > options.full_import_max and len(federation.shards) > 1
        # In bulk mode the first import and the unchanged re-import are timed on the last
        # federation file only, on top of the bulk-loaded others.
        timed = federation.shards[-1:] if bulk else federation.shards
        with self.app.app_context():
            if bulk:
                imports["bulk_load"] = bulk_load(self.database, federation, federation.shards[:-1])
                started = time.perf_counter()
                self.search.rebuild()
                imports["bulk_load"]["index_rebuild_s"] = round(time.perf_counter() - started, 3)
            with profiled(self.profiling("imports"), profile_dir / f"{self.size}-import-first.txt"):
                imports["first"] = self.import_federation(timed, "First import", "bench-first")
            with profiled(
                self.profiling("imports"), profile_dir / f"{self.size}-import-unchanged.txt"
            ):
                imports["unchanged"] = self.import_federation(
                    timed, "Unchanged re-import", "bench-unchanged"
                )
            offered = list(federation.offered())
            # One host says a service is full; its federation file is imported again.
            org_a, service_a = offered[len(offered) // 2]
            before = self.full_offers()
            generate.set_load(service_a, "FULL")
            started = time.perf_counter()
            shard = generate.shard_of(federation, org_a)
            change = self.import_federation([shard], "Re-import with one change", "bench-change")
            change["visible_s"] = round(self.wait_visible(before, started), 3)
            imports["one_change_reimport"] = change
            # Another host presses "refresh now" after saying a service is full.
            org_b, service_b = next(
                (o, s) for o, s in reversed(offered) if o is not org_a and s is not service_a
            )
            organization_id = self.organization_id(org_b)
            before = self.full_offers()
            generate.set_load(service_b, "FULL")
            started = time.perf_counter()
            with self.fetcher() as fetcher:
                refresh_organization(self.database, fetcher, organization_id, trigger="bench")
            refreshed = time.perf_counter() - started
            imports["one_change_refresh"] = {
                "seconds": round(refreshed, 3),
                "visible_s": round(self.wait_visible(before, started), 3),
            }
            if not bulk:  # (bulk mode timed the live index's rebuild already)
                # `flask search rebuild`'s work, into a spare folder (the live index stays as
                # imports left it, segments and all, for the queries).
                spare = self.folder / "rebuild"
                started = time.perf_counter()
                rebuilt = OfferIndex(spare / "index").rebuild(
                    self.database.session_scope, self.search.database_id()
                )
                imports["rebuild"] = {
                    "seconds": round(time.perf_counter() - started, 3),
                    "offers": rebuilt,
                }
                shutil.rmtree(spare, ignore_errors=True)
            index = self.search.index.open()
            self.result.update(
                import_mode="bulk+importer" if bulk else "importer",
                offers_indexed=index.doc_count(),
                index_segments=len(index._segments()),
                database_mb=folder_mb_glob(self.folder / "site", "portee.sqlite3*"),
                index_mb=folder_mb(self.folder / "site" / "index"),
            )
        self.result["import"] = imports
        return imports

    # -- queries -------------------------------------------------------------------------------
    def measure_queries(self) -> dict:
        options = self.options
        queries = options.queries
        per_page = self.app.config["PORTEE_PAGE_SIZE"]
        params = [q.params(per_page) for q in queries]
        search = self.search
        client = self.app.test_client()
        search_samples: dict[int, list[float]] = {i: [] for i in range(len(queries))}
        page_samples: dict[int, list[float]] = {i: [] for i in range(len(queries))}
        totals: dict[int, int] = {}
        with self.app.app_context():
            rss_before = rss_mb()
            warm_started = time.perf_counter()
            for index, p in enumerate(params):  # warm-up pass, not timed
                totals[index] = search.search(p).total
                client.get(queries[index].url(), follow_redirects=True)
            warm_s = time.perf_counter() - warm_started
            passes = max(1, min(options.repeat, int(options.query_budget_s // max(warm_s, 1e-3))))
            with _Progress(options.progress, passes * len(queries), "Queries") as bar:
                for _ in range(passes):
                    for index, p in enumerate(params):
                        started = time.perf_counter()
                        search.search(p)
                        search_samples[index].append(time.perf_counter() - started)
                        url = queries[index].url()
                        started = time.perf_counter()
                        # (a filter phrase redirects to its filters: both requests count)
                        response = client.get(url, follow_redirects=True)
                        body = response.get_data(as_text=True)
                        page_samples[index].append(time.perf_counter() - started)
                        if response.status_code != 200 or any(
                            m in body for m in UNAVAILABLE_MARKERS
                        ):
                            raise RuntimeError(f"{url}: {response.status_code}")
                        bar.update()
            cold_samples = self.measure_cold(per_page)
            page_cold_samples = self.measure_page_cold(client)
            profile_dir = options.out / "profiles"
            # Profiles come from extra passes, after the timed ones.
            if self.profiling("queries"):
                with profiled(True, profile_dir / f"{self.size}-search.txt"):
                    for p in params:
                        search.search(p)
                with profiled(True, profile_dir / f"{self.size}-page.txt"):
                    for q in queries:
                        client.get(q.url(), follow_redirects=True)
            rss_after = rss_mb()

        floor_path = self.folder / "fts5.sqlite3"
        with self.database.session_scope() as session:
            rows, build_s = fts.build(floor_path, session)
        floor = fts.Floor(floor_path)
        textual = [i for i, q in enumerate(queries) if q.text]
        floor_samples: dict[int, list[float]] = {i: [] for i in textual}
        floor_totals = {}
        try:
            for index in textual:  # warm-up
                floor_totals[index] = floor.search(queries[index], per_page)[1]
            for _ in range(passes):
                for index in textual:
                    started = time.perf_counter()
                    floor.search(queries[index], per_page)
                    floor_samples[index].append(time.perf_counter() - started)
        finally:
            floor.close()

        def flat(samples: dict[int, list[float]], only=None) -> list[float]:
            return [s for i, values in samples.items() if only is None or i in only for s in values]

        search_all = summary_ms(flat(search_samples))
        page_all = summary_ms(flat(page_samples))
        search_textual = summary_ms(flat(search_samples, set(textual)))
        floor_all = summary_ms(flat(floor_samples))
        per_query = []
        for index, query in enumerate(queries):
            per_query.append(
                {
                    "query": query.label,
                    "kind": query.kind,
                    "results": totals[index],
                    "search_p50_ms": summary_ms(search_samples[index])["p50_ms"],
                    "page_p50_ms": summary_ms(page_samples[index])["p50_ms"],
                    **(
                        {
                            "fts5_p50_ms": summary_ms(floor_samples[index])["p50_ms"],
                            "fts5_results": floor_totals[index],
                        }
                        if index in floor_samples
                        else {}
                    ),
                }
            )
        self.result.update(
            queries=len(queries),
            passes=passes,
            search=search_all,
            page=page_all,
            search_textual=search_textual,
            search_cold=summary_ms(cold_samples),
            page_cold=summary_ms(page_cold_samples),
            fts5={**floor_all, "rows": rows, "build_s": round(build_s, 3)},
            ratio_fts5={
                "p50": round(search_textual["p50_ms"] / floor_all["p50_ms"], 2),
                "p95": round(search_textual["p95_ms"] / floor_all["p95_ms"], 2),
            },
            per_query=per_query,
        )
        self.result["memory"] = {
            "rss_before_queries_mb": rss_before,
            "rss_after_queries_mb": rss_after,
            "bench_process_peak_mb": peak_rss_mb(),
            **self.probe_worker_rss(),
        }
        return self.result

    def measure_cold(self, per_page: int) -> list[float]:
        """Each cold query (words never asked before in this process) once, right after an
        index change (one host's offers indexed again) and one query of the mix, which pays for
        the new snapshot as the first query after a change does."""
        search = self.search
        organization_id = self.organization_id(self.federation.organizations[0])
        warm = self.options.queries[0].params(per_page)
        cold = COLD[:8] if self.options.quick else COLD
        samples = []
        for query in cold:
            search.reindex_organizations({organization_id})
            search.search(warm)
            started = time.perf_counter()
            search.search(query.params(per_page))
            samples.append(time.perf_counter() - started)
        return samples

    def measure_page_cold(self, client) -> list[float]:
        """The same through the results page, with other never-asked words (`COLD_PAGE`):
        each page once, right after an index change and one page of the mix."""
        search = self.search
        organization_id = self.organization_id(self.federation.organizations[0])
        warm = self.options.queries[0].url()
        cold = COLD_PAGE[:8] if self.options.quick else COLD_PAGE
        samples = []
        for query in cold:
            search.reindex_organizations({organization_id})
            client.get(warm, follow_redirects=True)
            started = time.perf_counter()
            response = client.get(query.url(), follow_redirects=True)
            body = response.get_data(as_text=True)
            samples.append(time.perf_counter() - started)
            if response.status_code != 200 or any(m in body for m in UNAVAILABLE_MARKERS):
                raise RuntimeError(f"{query.url()}: {response.status_code}")
        return samples

    def probe_worker_rss(self) -> dict:
        """RSS of a fresh process that only serves the query mix's pages on this site: once
        started (index read), and after serving (its peak: `serving_process_peak_mb`)."""
        site = self.folder / "site"
        command = [sys.executable, "-m", "bench.probe", str(site)]
        if self.options.quick:
            command.append("--quick")
        output = subprocess.run(
            command, cwd=str(ROOT), capture_output=True, text=True, timeout=600, check=True
        ).stdout
        measured = json.loads(output.strip().splitlines()[-1])
        return {
            "worker_started_rss_mb": measured["started_rss_mb"],
            "worker_served_rss_mb": measured["rss_mb"],
            "serving_process_peak_mb": measured["peak_rss_mb"],
        }

    # -- all -----------------------------------------------------------------------------------
    def run(self) -> dict:
        started = time.perf_counter()
        self.setup()
        self.measure_imports()
        self.measure_queries()
        self.result["wall_s"] = round(time.perf_counter() - started, 1)
        return self.result

    def close(self) -> None:
        if self.app is not None:
            self.database.engine.dispose()
        if self.server is not None:
            self.server.stop()


def folder_mb_glob(folder: Path, pattern: str) -> float:
    return round(sum(f.stat().st_size for f in folder.glob(pattern)) / 2**20, 2)
