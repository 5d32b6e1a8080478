"""`python -m bench`: the benchmark in one run; prints tables and writes JSON (bench/README.md)."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from bench.run import ROOT, Options, SizeBench
from bench.stats import machine

TARGETS = {
    "search_p50_ms": 10.0,
    "search_p95_ms": 30.0,
    "search_cold_p95_ms": 30.0,
    "ratio_fts5_p50": 3.0,
    "page_p95_ms": 50.0,
    "load_rps": 300.0,
    "load_errors": 0,
    "unchanged_reimport_1000_s": 10.0,
    "worker_rss_mb": 150.0,
}


def run_benchmark(options: Options) -> dict:
    """Every size, then the load run; returns the report (also written under options.out)."""
    started = time.perf_counter()
    report: dict = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "options": {
            "sizes": options.sizes,
            "quick": options.quick,
            "load": options.load,
            "load_size": options.load_size,
            "repeat": options.repeat,
            "query_budget_s": options.query_budget_s,
            "full_import_max": options.full_import_max,
            "seed": options.seed,
            "queries": len(options.queries),
            "profile": options.profile,
        },
        "sizes": {},
    }
    work = Path(options.work or tempfile.mkdtemp(prefix="portee-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    sizes = list(options.sizes)
    if options.load and options.load_size not in sizes:
        sizes.append(options.load_size)  # built for the load run only
    try:
        for size in sorted(sizes):
            click.echo(f"\n== {size} organizations ==")
            bench = SizeBench(size, options, work)
            try:
                result = bench.run()
                if size in options.sizes:
                    report["sizes"][str(size)] = result
                    echo_size(result)
                if options.load and size == options.load_size:
                    from bench.load import run_load

                    click.echo(f"\n== Load: gunicorn, {size} organizations ==")
                    report["load"] = run_load(bench, options)
                    echo_load(report["load"])
                    from bench.load import run_cached_load

                    click.echo(f"\n== Load through nginx's cache, {size} organizations ==")
                    report["cached_load"] = run_cached_load(bench, options)
                    click.echo(_cached_line(report["cached_load"]))
            except Exception as exc:
                if options.quick:  # the smoke test wants the failure itself
                    raise
                # One size failing must not lose the others: say what failed and go on.
                click.echo(f"Size {size} failed: {exc!r}", err=True)
                report.setdefault("failures", {})[str(size)] = {
                    "error": repr(exc),
                    "partial": bench.result,
                }
            finally:
                bench.close()
                if not options.keep:
                    shutil.rmtree(bench.folder, ignore_errors=True)
            write_report(report, options.out, quiet=True)  # what is measured so far
    finally:
        if not options.keep and options.work is None:
            shutil.rmtree(work, ignore_errors=True)
    report["wall_s"] = round(time.perf_counter() - started, 1)
    report["targets"] = check_targets(report)
    write_report(report, options.out)
    return report


def check_targets(report: dict) -> dict:
    """Each target: the measured value, the limit, met or not (at the largest size measured)."""
    sizes = report["sizes"]
    if not sizes:
        return {}
    largest = str(max(int(s) for s in sizes))
    big = sizes[largest]
    checks = {
        "search_p50_ms": (big["search"]["p50_ms"], "<="),
        "search_p95_ms": (big["search"]["p95_ms"], "<="),
        "search_cold_p95_ms": (big["search_cold"]["p95_ms"], "<="),
        "ratio_fts5_p50": (big["ratio_fts5"]["p50"], "<="),
        "page_p95_ms": (big["page"]["p95_ms"], "<="),
    }
    # Re-import of unchanged hosts, per 1,000 (measured at 1,000 when that size ran).
    base = sizes.get("1000", big)
    unchanged = base["import"]["unchanged"]
    checks["unchanged_reimport_1000_s"] = (
        round(unchanged["seconds"] * 1000 / unchanged["organizations"], 2),
        "<=",
    )
    load = report.get("load")
    if load:
        importing = load["importing"]
        checks["load_rps"] = (importing["requests_per_s"], ">=")
        checks["load_errors"] = (importing["errors"], "<=")
        checks["worker_rss_mb"] = (load["worker_peak_rss_mb"], "<=")
    else:
        checks["worker_rss_mb"] = (big["memory"]["serving_process_peak_mb"], "<=")
    targets = {}
    for name, (value, op) in checks.items():
        limit = TARGETS[name]
        met = value <= limit if op == "<=" else value >= limit
        targets[name] = {"value": value, "target": f"{op} {limit}", "met": met}
    targets["measured_at_organizations"] = int(largest)
    return targets


def write_report(report: dict, out: Path, quiet: bool = False) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    stamp = report["started_at"].replace(":", "").replace("-", "")[:15]
    path = out / f"bench-{stamp}.json"
    text = json.dumps(report, indent=2, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    (out / "latest.json").write_text(text, encoding="utf-8")
    if not quiet:
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        click.echo(f"\nWritten {shown}")
    return path


def _table(headers: list[str], rows: list[list]) -> str:
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append(
            "  ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def echo_size(result: dict) -> None:
    imports = result["import"]
    click.echo(
        f"{result['organizations']} organizations, {result['offers_indexed']} offers indexed, "
        f"{result['files']} files ({result['stale_organizations']} stale hosts); "
        f"first import {imports['first']['seconds']} s, unchanged re-import "
        f"{imports['unchanged']['seconds']} s ({imports['unchanged']['http_304']}× 304), "
        f"one change visible after {imports['one_change_reimport']['visible_s']} s "
        f"(re-import) / {imports['one_change_refresh']['visible_s']} s (refresh); "
        f"search p50 {result['search']['p50_ms']} ms p95 {result['search']['p95_ms']} ms, "
        f"cold p95 {result['search_cold']['p95_ms']} ms (page {result['page_cold']['p95_ms']} ms), "
        f"page p95 {result['page']['p95_ms']} ms, FTS5 p50 {result['fts5']['p50_ms']} ms "
        f"(×{result['ratio_fts5']['p50']})"
    )


def echo_load(load: dict) -> None:
    for phase in ("idle", "importing"):
        data = load[phase]
        click.echo(
            f"{phase}: {data['requests_per_s']} req/s, p50 {data['p50_ms']} ms, "
            f"p95 {data['p95_ms']} ms, p99 {data['p99_ms']} ms, {data['errors']} errors"
        )


def _cached_line(cached: dict) -> str:
    if "skipped" in cached:
        return f"Through nginx: skipped ({cached['skipped']})"
    return (
        f"Through nginx (deploy/nginx/portee.conf, gunicorn {cached['workers']} workers, "
        f"{cached['connections']} connections, {cached['organizations']} organizations): "
        f"{cached['requests_per_s']} req/s over {cached['seconds']} s, p50 {cached['p50_ms']} ms, "
        f"p95 {cached['p95_ms']} ms, {cached['errors']} errors, "
        f"{cached['cache_share']:.1%} served from nginx's cache"
    )


def summary_tables(report: dict) -> str:
    sizes = report["sizes"]
    out = []
    rows = []
    for size, r in sizes.items():
        i = r["import"]
        rows.append(
            [
                size,
                r["offers_indexed"],
                r["files"],
                i["first"]["seconds"],
                i["first"]["failed"],
                i["unchanged"]["seconds"],
                i["unchanged"]["http_304"],
                i["one_change_reimport"]["visible_s"],
                i["one_change_refresh"]["visible_s"],
                r["database_mb"],
                r["index_mb"],
            ]
        )
    out.append("Import (seconds)")
    out.append(
        _table(
            ["orgs", "offers", "files", "first", "failed", "unchanged", "304s",
             "1 change", "refresh 1", "db MB", "index MB"],
            rows,
        )
    )  # fmt: skip
    rows = []
    for size, r in sizes.items():
        s, p, f = r["search"], r["page"], r["fts5"]
        rows.append(
            [
                size,
                r["queries"],
                s["p50_ms"], s["p95_ms"], s["p99_ms"],
                r["search_cold"]["p50_ms"], r["search_cold"]["p95_ms"],
                p["p50_ms"], p["p95_ms"], p["p99_ms"], r["page_cold"]["p95_ms"],
                f["p50_ms"], f["p95_ms"],
                r["search_textual"]["p50_ms"],
                f"×{r['ratio_fts5']['p50']}",
                f"×{r['ratio_fts5']['p95']}",
                r["memory"]["worker_started_rss_mb"],
                r["memory"]["worker_served_rss_mb"],
                r["memory"]["serving_process_peak_mb"],
            ]
        )  # fmt: skip
    out.append("\nQueries (milliseconds; ratio = Portée search on textual queries / FTS5)")
    out.append(
        _table(
            ["orgs", "queries", "search p50", "p95", "p99", "cold p50", "cold p95",
             "page p50", "p95", "p99", "cold p95",
             "FTS5 p50", "p95", "text p50", "ratio p50", "ratio p95", "RSS started",
             "served", "peak MB"],
            rows,
        )
    )  # fmt: skip
    load = report.get("load")
    if load:
        rows = []
        for phase in ("idle", "importing"):
            d = load[phase]
            rows.append(
                [phase, d["seconds"], d["requests"], d["requests_per_s"], d["p50_ms"],
                 d["p95_ms"], d["p99_ms"], d["non_2xx"], d["socket_errors"], d["unavailable"]]
            )  # fmt: skip
        out.append(
            f"\nLoad ({load['tool']}, gunicorn {load['workers']} workers, "
            f"{load['connections']} connections, {load['organizations']} organizations; "
            f"{load['import_rounds']} imports during the run, worker peak RSS "
            f"{load['worker_peak_rss_mb']} MB)"
        )
        out.append(
            _table(
                ["phase", "s", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "non-2xx",
                 "socket err", "unavailable"],
                rows,
            )
        )  # fmt: skip
    cached = report.get("cached_load")
    if cached:
        out.append("\n" + _cached_line(cached))
    targets = report.get("targets") or {}
    if targets:
        rows = [
            [name, t["value"], t["target"], "met" if t["met"] else "MISSED"]
            for name, t in targets.items()
            if isinstance(t, dict)
        ]
        out.append(f"\nTargets (at {targets['measured_at_organizations']} organizations)")
        out.append(_table(["target", "measured", "aim", ""], rows))
    for size, failure in (report.get("failures") or {}).items():
        out.append(f"\nSize {size} FAILED: {failure['error']}")
    m = report["machine"]
    out.append(
        f"\nMachine: {m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gb']} GB RAM, "
        f"Python {m['python']}; load average at start {m['load_average_at_start']}; "
        f"wall time {report['wall_s']} s"
    )
    return "\n".join(out)


def _sizes(_ctx, _param, value: str) -> list[int]:
    try:
        sizes = [int(v.replace("_", "")) for v in value.split(",") if v.strip()]
    except ValueError as exc:
        raise click.BadParameter("comma-separated numbers, e.g. 100,1000,10000") from exc
    if not sizes or min(sizes) < 2:
        raise click.BadParameter("each size must be at least 2 organizations")
    return sizes


@click.command()
@click.option(
    "--sizes",
    default="100,1000,10000",
    callback=_sizes,
    show_default=True,
    help="Numbers of organizations, comma-separated.",
)
@click.option(
    "--quick",
    is_flag=True,
    help="CI smoke: 50 organizations, a quarter of the queries, one pass, no load run.",
)
@click.option("--no-load", "no_load", is_flag=True, help="Skip the gunicorn load run.")
@click.option(
    "--load-size", default=1000, show_default=True, help="Organizations in the load run's database."
)
@click.option(
    "--load-seconds", default=30, show_default=True, help="Length of the load run while importing."
)
@click.option(
    "--repeat", default=5, show_default=True, help="Timed passes over the query mix, at most."
)
@click.option(
    "--query-budget",
    default=120.0,
    show_default=True,
    help="Seconds of query passes per size; fewer passes when one is slow.",
)
@click.option(
    "--full-import-max",
    default=2000,
    show_default=True,
    help="Larger sizes are bulk-loaded but for their last federation file.",
)
@click.option("--seed", default=2024, show_default=True, help="Seed of the generator.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=ROOT / "bench" / "results",
    show_default=True,
    help="Where the JSON report goes.",
)
@click.option(
    "--work",
    type=click.Path(path_type=Path),
    default=None,
    help="Working folder (default: a temporary one, removed at the end).",
)
@click.option("--keep", is_flag=True, help="Keep the generated files, databases and indexes.")
@click.option(
    "--profile",
    type=click.Choice(["queries", "imports", "all"]),
    default=None,
    help="Profile with pyinstrument into OUT/profiles/: queries (extra untimed "
    "passes) or imports (the timed ones: about 30 % slower then).",
)
def main(sizes, quick, no_load, load_size, load_seconds, repeat, query_budget, full_import_max,
         seed, out, work, keep, profile) -> None:  # fmt: skip
    """Benchmark Portée's search and importer at scale, against SQLite FTS5."""
    options = Options(
        sizes=[50] if quick else sizes,
        quick=quick,
        load=not (quick or no_load),
        load_size=load_size,
        load_seconds=load_seconds,
        repeat=1 if quick else repeat,
        query_budget_s=query_budget,
        full_import_max=full_import_max,
        seed=seed,
        out=out,
        work=work,
        keep=keep,
        profile=profile,
    )
    report = run_benchmark(options)
    click.echo("\n" + summary_tables(report))


if __name__ == "__main__":
    main()
