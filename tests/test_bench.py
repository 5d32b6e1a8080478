"""The benchmark's smoke test: the generator, then `python -m bench --quick` in-process.

No timing is asserted (this machine's speed is not the point): the report has every expected
key and every number in it is positive (counters of errors may be zero).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# bench/ is not an installed package (the app's packages are): import it from the repository.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import generate  # noqa: E402
from bench.__main__ import run_benchmark  # noqa: E402
from bench.probe_run import run_probe_bench  # noqa: E402
from bench.run import Options  # noqa: E402
from directory.feeds.chatonsinfos import parse_properties  # noqa: E402

# Counters that may legitimately be zero in a healthy run.
MAY_BE_ZERO = {
    "unchanged", "http_200", "http_304", "http_404", "errors", "non_2xx", "socket_errors",
    "unavailable", "results", "fts5_results", "changed", "failed",
}  # fmt: skip


def test_generator_writes_a_parsable_federation(tmp_path):
    federation = generate.generate(tmp_path, 30, "http://127.0.0.1:9", seed=7)
    again = generate.generate(tmp_path / "again", 30, "http://127.0.0.1:9", seed=7)
    assert [o.name for o in federation.organizations] == [o.name for o in again.organizations]
    assert len(federation.shards) == 1 and federation.stale >= 1
    assert 4 * 30 <= len(federation.services) <= 14 * 30
    for organization in federation.organizations:
        if organization.stale:
            assert not organization.path.exists()
            continue
        parsed = parse_properties(organization.path.read_bytes(), organization.url, "organization")
        assert len(parsed.record.subs) == len(organization.services)
        for service in organization.services:
            if service.written:
                parse_properties(service.path.read_bytes(), service.url, "service")
    # The host's edit the benchmark times: the file says FULL afterwards.
    service = next(s for _o, s in federation.offered())
    generate.set_load(service, "FULL")
    assert "service.registration.load" in service.path.read_text()
    assert service.load == "FULL"


def _numbers(value, path=""):
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _numbers(item, f"{path}[{index}]")


def test_quick_benchmark_reports_every_number(tmp_path):
    out = tmp_path / "results"
    options = Options(
        sizes=[50], quick=True, load=False, repeat=1, out=out, work=tmp_path / "work",
        progress=False,
    )  # fmt: skip
    report = run_benchmark(options)
    written = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(report))
    size = written["sizes"]["50"]
    for key in ("offers_indexed", "import", "search", "page", "fts5", "ratio_fts5", "memory",
                "per_query", "database_mb", "index_mb"):  # fmt: skip
        assert key in size, key
    assert set(size["import"]) >= {"first", "unchanged", "one_change_reimport",
                                   "one_change_refresh", "rebuild"}  # fmt: skip
    assert size["search_cold"]["samples"] == 8  # cold queries, each once after an index change
    assert size["page_cold"]["samples"] == 8  # (other words, through the page)
    for layer in ("search", "search_cold", "page", "page_cold", "fts5"):
        assert set(size[layer]) >= {"p50_ms", "p95_ms", "p99_ms"}
    assert size["import"]["unchanged"]["http_304"] > 0  # conditional GET worked
    assert size["import"]["one_change_reimport"]["changed"] >= 1
    assert set(written["targets"]) >= {
        "search_p50_ms",
        "search_cold_p95_ms",
        "page_p95_ms",
        "ratio_fts5_p50",
    }
    numbers = list(_numbers(written))
    assert len(numbers) > 50
    for path, value in numbers:
        name = path.rsplit(".", 1)[-1]
        if name in MAY_BE_ZERO:
            assert value >= 0, path
        else:
            assert value > 0, path


def test_quick_probe_run_finds_each_kind_of_service_as_it_is(tmp_path):
    """`python -m bench.probe_run --quick`: 120 services on the farm (working installs, parking
    pages, 500s, 502s, slow, silent, dead ports), all checked, each found as what it is."""
    report = run_probe_bench(120, tmp_path, seed=7, idle_seconds=1.0, quick=True, progress=False)
    run = report["run"]
    assert run["due"] > 100 and run["checked"] == run["due"] and run["left"] == 0
    assert run["compared"]["compared"] == run["checked"]
    assert run["compared"]["unexpected"] == []
    assert set(run["outcomes"]) == {"up", "failed", "down"}
    assert report["search_page"]["during"]["pages"] > 0
    assert report["search_page"]["during"]["errors"] == 0
