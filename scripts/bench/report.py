#!/usr/bin/env python3
"""Writes BENCHMARKS.md and docs/bench/*.png from the benchmark results.

    python3 scripts/bench/report.py

Reads target/bench/http.json (written by scripts/bench/run.py) and, when present,
target/bench/search.json (written by `cargo bench --bench search`). Every figure in
BENCHMARKS.md comes from those files; run.py calls this script at its end. Needs
matplotlib (`pip install matplotlib==3.9.2`).
"""
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HTTP = ROOT / "target/bench/http.json"
SEARCH = ROOT / "target/bench/search.json"
OUT = ROOT / "BENCHMARKS.md"
PLOTS = ROOT / "docs/bench"

# The targets of the benchmark issues (the latest: "speed without the cache").
POINT_OVER_CEILING = {"ours_cached": 0.7, "ours_uncached": 0.3, "ours_engine": 0.3}
NESTED_OVER_YOGA = 5.0
NESTED_QUERIES = 3  # one store round trip per nesting level: events, their cities, the cities' achievements
WRITE_MEDIAN_MS = 10.0
COLD_PRESENT_MS = 300.0
BUILD_MB_S = 20.0
BUILD_RSS_MIB = 150.0  # peak RSS while the index is rebuilt at 100k
BUNDLED_RSS_MB = 50.0
SEARCH_FTS5 = 3.0
SEARCH_PG = 10.0
SEARCH_TARGET_SIZES = (100_000, 1_000_000)

COLORS = {"ceiling": "#9e9e9e", "ours_cached": "#1f77b4", "ours_uncached": "#6baed6", "ours_engine": "#9ecae1", "yoga": "#e377c2",
          "fts5": "#ff7f0e", "pg": "#2ca02c", "fts5_full": "#fdbe85", "pg_full": "#a1d99b", "ours": "#1f77b4"}


def fmt(value, digits=1, unit=""):
    if value is None:
        return "n/a"
    if isinstance(value, float):
        text = f"{value:,.{digits}f}"
    else:
        text = f"{value:,}"
    return text + unit


def ratio(value):
    return "n/a" if value is None else f"{value:.2f}x"


def verdict(ok):
    if ok is None:
        return "n/a"
    return "met" if ok else "**missed**"


def at_least(value, target):
    return None if value is None else value >= target


def below(value, target):
    return None if value is None else value < target


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def sizes_of(http):
    return sorted(http.get("sizes", {}).items(), key=lambda item: item[1]["entities"])


# ---------------------------------------------------------------- sections

def point_section(http, labels):
    rows = []
    for name, size in sizes_of(http):
        point = size.get("point", {})
        rps = point.get("median_rps", {})
        p50 = point.get("median_p50_ms", {})
        ratios = point.get("ratios", {})
        for ours in ("ours_cached", "ours_uncached", "ours_engine"):
            if ours not in rps:
                continue
            label = labels.get(ours, ours)
            hits = sum((r.get("cache") or {}).get("hit") or 0 for r in point.get("runs", []) if r["target"] == ours)
            lookups = sum(sum(v or 0 for v in (r.get("cache") or {}).values()) for r in point.get("runs", [])
                          if r["target"] == ours)
            if lookups:
                label += f"; {100 * hits / lookups:.1f}% cache hits"
            for peer, target in (("ceiling", POINT_OVER_CEILING[ours]), ("yoga", None)):
                if peer not in rps:
                    continue
                r = ratios.get(f"{ours}/{peer}", {}).get("median")
                rows.append([name, label, labels.get(peer, peer), fmt(rps[ours], 0),
                             fmt(p50.get(ours), 2), fmt(rps[peer], 0), fmt(p50.get(peer), 2), ratio(r),
                             f">= {target}x" if target else "-", verdict(at_least(r, target)) if target else "-"])
    header = ["size", "ours", "peer", "ours req/s", "ours p50 ms", "peer req/s", "peer p50 ms", "ours / peer",
              "target", "result"]
    return table(header, rows) if rows else "_not run_"


def nested_section(http, labels):
    rows = []
    for name, size in sizes_of(http):
        nested = size.get("nested", {})
        rps = nested.get("median_rps", {})
        p50 = nested.get("median_p50_ms", {})
        ratios = nested.get("ratios", {})
        checks = size.get("checks", {})
        load_qpr = nested.get("median_queries_per_request", {})
        for ours in ("ours_cached", "ours_uncached", "ours_engine"):
            if ours not in rps:
                continue
            probe = checks.get(f"{ours}_queries_per_nested")
            r = ratios.get(f"{ours}/yoga", {}).get("median")
            # Round trips are judged where the request really runs: without the response cache.
            queries = probe if probe is not None else load_qpr.get(ours)
            queries_ok = None if queries is None or ours == "ours_cached" else queries <= NESTED_QUERIES
            ok = at_least(r, NESTED_OVER_YOGA)
            if queries_ok is not None and ok is not None:
                ok = ok and queries_ok
            rows.append([name, labels.get(ours, ours), fmt(rps[ours], 0), fmt(p50.get(ours), 2),
                         fmt(rps.get("yoga"), 0), fmt(p50.get("yoga"), 2), ratio(r),
                         fmt(probe, 0) if probe is not None else "n/a", fmt(load_qpr.get(ours), 2),
                         f">= {NESTED_OVER_YOGA}x" + ("" if ours == "ours_cached" else f", <= {NESTED_QUERIES} queries"),
                         verdict(ok)])
    header = ["size", "ours", "ours req/s", "ours p50 ms", "yoga req/s", "yoga p50 ms", "ours / yoga",
              "store queries, one request", "store queries / request under load", "target", "result"]
    return table(header, rows) if rows else "_not run_"


def search_section(search):
    if search is None:
        return "_target/bench/search.json is missing: run `cargo bench --bench search`._", []
    rows, medians = [], []
    for size in sorted(search.get("sizes", []), key=lambda s: s.get("entities", 0)):
        n = size.get("entities")
        ratios = size.get("ratios", {})
        judged = n in SEARCH_TARGET_SIZES
        for engine, key_plain, key_full, target in (("SQLite FTS5", "fts5_over_ours_plain", "fts5_over_ours_full",
                                                     SEARCH_FTS5),
                                                    ("PostgreSQL", "pg_over_ours_plain", "pg_over_ours_full",
                                                     SEARCH_PG)):
            plain, full = ratios.get(key_plain), ratios.get(key_full)
            if plain is None and full is None:
                continue
            result = (f"plain {verdict(at_least(plain, target))}, full {verdict(at_least(full, target))}"
                      if judged else "-")
            rows.append([fmt(n), engine, ratio(plain), ratio(full), f">= {target}x" if judged else f"({target}x at 100k+)",
                         result])
        median = size.get("median") or {}
        if median:
            medians.append([fmt(n)] + [f"{k}: {fmt(v, 3) if isinstance(v, (int, float)) else v}"
                                       for k, v in sorted(median.items())])
        overlap = size.get("overlap")
        if overlap:
            medians.append([fmt(n), "overlap " + json.dumps(overlap, sort_keys=True)])
    header = ["entities", "peer", "peer time / ours (plain)", "peer time / ours (full: highlights, facets)", "target",
              "result"]
    text = table(header, rows) if rows else "_search.json has no ratios_"
    if medians:
        text += "\n\nMedians and result overlap as written by the bench:\n\n" + "\n".join(
            "- " + ", ".join(str(cell) for cell in row) for row in medians)
    return text, rows


def write_runs(size):
    """The write workload's runs of a size: with defaults, and again with a raised timeout."""
    return [w for w in (size.get("write"), size.get("write_raised_timeout")) if w]


def write_sizes(http):
    """The sizes the write workload ran at: the bundled dataset first, then each size."""
    bundled = http.get("bundled") or {}
    return ([("bundled (144)", bundled)] if bundled.get("write") else []) + list(sizes_of(http))


def write_section(http):
    rows = []
    for name, size in write_sizes(http):
        for write in write_runs(size):
            shown = name + (f" (`{write['flags']}`)" if write.get("flags") else "")
            if write.get("failed"):
                rows.append([shown, write.get("writes", 0), "failed", "", "", "", "", "",
                             f"< {WRITE_MEDIAN_MS:.0f} ms", f"**failed**: {write['failed'][:200]}"])
                continue
            total = write["total_ms"]
            rows.append([shown, write["writes"], fmt(total["median"], 1), fmt(total["p90"], 1),
                         fmt(total["worst"], 1), fmt(write["mutation_ms"]["median"], 1),
                         fmt(write["search_ms"]["median"], 1), f"{write['found_on_first_search']}/{write['writes']}",
                         f"< {WRITE_MEDIAN_MS:.0f} ms", verdict(below(total["median"], WRITE_MEDIAN_MS))])
    header = ["size", "writes", "median ms", "p90 ms", "worst ms", "mutation median ms", "search median ms",
              "found by the first search", "target (median)", "result"]
    return table(header, rows) if rows else "_not run_"


def startup_section(http):
    rows = []
    for name, size in sizes_of(http):
        startup = size.get("startup")
        if not startup:
            continue
        memory = (size.get("memory_after_load") or {}).get("ours_cached", {})
        rebuilt_hwm = max([m for m in startup.get("rebuilt_hwm_mb", []) if m] or [0]) or None
        judged = name == "100k"
        rows.append([name, fmt(startup["dataset_mb"], 1), fmt(startup["median_present_ms"], 0),
                     verdict(below(startup["median_present_ms"], COLD_PRESENT_MS)),
                     fmt(startup["median_rebuilt_ms"], 0), fmt(startup.get("build_s"), 2),
                     fmt(startup.get("build_mb_per_s"), 1), verdict(at_least(startup.get("build_mb_per_s"), BUILD_MB_S)),
                     fmt(memory.get("VmHWM"), 0), fmt(memory.get("RssAnon"), 0), fmt(memory.get("RssFile"), 0),
                     fmt(rebuilt_hwm, 0),
                     verdict(below(rebuilt_hwm, BUILD_RSS_MIB)) if judged else "-"])
    header = ["size", "dataset MB", f"cold start, index present, ms (< {COLD_PRESENT_MS:.0f})", "result",
              "cold start, index rebuilt, ms", "index build s", f"index build MB/s (>= {BUILD_MB_S:.0f})", "result",
              "peak RSS after load MiB", "anon MiB", "file MiB",
              f"peak RSS while rebuilding MiB (< {BUILD_RSS_MIB:.0f} at 100k)", "result"]
    return table(header, rows) if rows else "_not run_"


def analysis_section(http):
    """Workload 8: what the mixed-script analyzer costs, against the base commit's binary."""
    a = http.get("analysis")
    if not a:
        return "_workload 8 did not run (--skip-analysis)_"
    mb = lambda n: fmt(n / 2**20, 1)
    size, start = a["binary_bytes"], a["start"]
    first = a["first_chinese"]
    rows = [
        ["release binary, MiB", mb(size["base"]), mb(size["ours"]), f"+{mb(size['ours'] - size['base'])}"],
        ["start on the bundled graph (index present) to the first answer, ms",
         fmt(start["base"]["median_start_ms"], 0), fmt(start["ours"]["median_start_ms"], 0),
         f"{start['ours']['median_start_ms'] - start['base']['median_start_ms']:+.0f}"],
        ["RSS once started, MiB", fmt(start["base"]["median_rss_mb"], 1), fmt(start["ours"]["median_rss_mb"], 1),
         f"{start['ours']['median_rss_mb'] - start['base']['median_rss_mb']:+.1f}"],
        ["the first Chinese query after start (jieba's dictionary loads), ms", "-", fmt(first["median_first_ms"], 0),
         f"the next: {fmt(first['median_second_ms'], 1)} ms"],
        ["RSS after the first Chinese query, growth, MiB", "-", fmt(first["median_rss_growth_mb"], 1), ""],
    ]
    for text, entry in a["build"].items():
        rows.append([f"index build, {text} text ({fmt(entry['dataset_mb'], 1)} MB dataset), MB/s",
                     fmt(entry["base"]["mb_per_s"], 1), fmt(entry["ours"]["mb_per_s"], 1),
                     f"{entry['ours']['mb_per_s'] / entry['base']['mb_per_s']:.2f}x"])
    for text, entry in a["search"].items():
        rows.append([f"search box, {text} queries, cache off: req/s (p50 / p99 ms)",
                     f"{fmt(entry['base']['median_rps'], 0)} ({fmt(entry['base']['median_p50_ms'], 2)} / "
                     f"{fmt(entry['base']['median_p99_ms'], 2)})",
                     f"{fmt(entry['ours']['median_rps'], 0)} ({fmt(entry['ours']['median_p50_ms'], 2)} / "
                     f"{fmt(entry['ours']['median_p99_ms'], 2)})",
                     f"{entry['ours']['median_rps'] / entry['base']['median_rps']:.2f}x"])
    header = [" ", f"base `{a['base_commit'][:12]}`", "ours", "change"]
    queries = ", ".join(f"`{q}`" for q in a["search"].get("chinese", {}).get("queries", []))
    return table(header, rows) + "\n\nChinese queries: " + queries + "."


def bundled_section(http):
    bundled = http.get("bundled")
    if not bundled:
        return "_not run_"
    return table(["requests", "RSS MiB", "peak RSS MiB", "RSS at start MiB", "target", "result"],
                 [[bundled["requests"], fmt(bundled["rss_mb"], 1), fmt(bundled["hwm_mb"], 1),
                   fmt((bundled.get("at_start") or {}).get("VmRSS"), 1), f"< {BUNDLED_RSS_MB:.0f} MB",
                   verdict(below(bundled["rss_mb"], BUNDLED_RSS_MB))]])


FIXED_TARGETS = {
    "typename": {"ours_cached": 0.6, "ours_uncached": 0.5},
    "point": {"ours_cached": 0.7, "ours_uncached": 0.3},
    "search": {"ours_uncached": 0.1},
}
FIXED_NAMES = {"typename": "`{ __typename }`", "point": "Point, every statistic in turn",
               "search": "search box: top 10 with highlights, 20 queries"}


def fixed_section(http):
    fixed = http.get("fixed_cost")
    if not fixed:
        return "_not run_"
    rows = []
    for workload, entry in fixed.items():
        ceiling = entry["median_rps"]["ceiling"]
        for ours, label in (("ours_cached", "response cache on"), ("ours_uncached", "response cache off")):
            value = entry["ratios"][f"{ours}/ceiling"]["median"]
            target = FIXED_TARGETS.get(workload, {}).get(ours)
            rows.append([FIXED_NAMES.get(workload, workload), label, fmt(entry["median_rps"][ours], 0),
                         fmt(ceiling, 0), ratio(value), f">= {target}x" if target else "-",
                         verdict(at_least(value, target)) if target else "-"])
    return table(["request", "ours", "ours req/s", "ceiling req/s", "ours / ceiling", "target", "result"], rows)


# ---------------------------------------------------------------- plots

def plots(http, search):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is missing (pip install matplotlib==3.9.2): no plots", file=sys.stderr)
        return []
    PLOTS.mkdir(parents=True, exist_ok=True)
    for name in ("point", "nested", "search", "write", "startup"):
        (PLOTS / f"{name}.png").unlink(missing_ok=True)  # none left from an earlier run
    made = []
    sizes = sizes_of(http)
    labels = {}
    for _, size in sizes:
        labels.update(size.get("labels", {}))
    labels.setdefault("yoga", "graphql-yoga (Node)")
    quick = "\n(quick smoke run: not a result)" if http.get("quick") else ""

    def bars(ax, groups, series, ylabel, value_format="{:,.0f}"):
        """Grouped bars: one group per entry of `groups`, one bar per series (key, label, values).
        Log scale when the values span more than 30x, so small bars stay visible."""
        width = 0.8 / max(1, len(series))
        values_all = [v for _, _, values in series for v in values if v]
        for i, (key, label, values) in enumerate(series):
            xs = [x + (i - (len(series) - 1) / 2) * width for x in range(len(groups))]
            drawn = ax.bar(xs, [v or 0 for v in values], width, label=label, color=COLORS.get(key))
            for rect, value in zip(drawn, values):
                if value is not None:
                    ax.annotate(value_format.format(value), (rect.get_x() + rect.get_width() / 2, rect.get_height()),
                                ha="center", va="bottom", fontsize=7, xytext=(0, 2), textcoords="offset points")
        ax.set_xticks(range(len(groups)), groups)
        ax.set_ylabel(ylabel)
        if values_all and max(values_all) / min(values_all) > 30:
            ax.set_yscale("log")
            ax.set_ylim(bottom=10 ** math.floor(math.log10(min(values_all))), top=max(values_all) * 3)
        elif values_all:
            ax.set_ylim(bottom=0, top=max(values_all) * 1.3)
        ax.grid(axis="y", alpha=0.3)

    def target_line(ax, value, text, color="red"):
        ax.axhline(value, color=color, linestyle="--", linewidth=1, label=text)
        bottom, top = ax.get_ylim()
        if value * 1.3 > top:
            ax.set_ylim(bottom, value * (3 if ax.get_yscale() == "log" else 1.3))

    def save(fig, name):
        fig.tight_layout()
        path = PLOTS / f"{name}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        made.append(path)

    groups = [f"{name} entities" for name, _ in sizes]
    for workload, title, order in (("point", "Point lookup by slug: requests/s (higher is better)",
                                    ("ceiling", "ours_cached", "ours_uncached", "ours_engine", "yoga")),
                                   ("nested", "Nested list (50 events, their cities, up to 20 achievements each): requests/s "
                                              "(higher is better)", ("ours_cached", "ours_uncached", "ours_engine", "yoga"))):
        present = [k for k in order if any(k in s.get(workload, {}).get("median_rps", {}) for _, s in sizes)]
        if not present:
            continue
        series = [(k, labels.get(k, k), [s.get(workload, {}).get("median_rps", {}).get(k) for _, s in sizes])
                  for k in present]
        fig, ax = plt.subplots(figsize=(9, 5))
        bars(ax, groups, series, "requests/s (median of the rounds)")
        ax.legend(fontsize=8)
        ax.set_title(title + quick, fontsize=10)
        save(fig, workload)

    if search and search.get("sizes"):
        entries = sorted(search["sizes"], key=lambda s: s.get("entities", 0))
        keys = [("fts5_over_ours_plain", "SQLite FTS5 time / ours (plain)", "fts5"),
                ("pg_over_ours_plain", "PostgreSQL time / ours (plain)", "pg"),
                ("fts5_over_ours_full", "SQLite FTS5 time / ours (full)", "fts5_full"),
                ("pg_over_ours_full", "PostgreSQL time / ours (full)", "pg_full")]
        keys = [k for k in keys if any(e.get("ratios", {}).get(k[0]) is not None for e in entries)]
        if keys:
            fig, ax = plt.subplots(figsize=(9, 5))
            bars(ax, [f"{e.get('entities'):,} entities" for e in entries],
                 [(color, label, [e.get("ratios", {}).get(key) for e in entries]) for key, label, color in keys],
                 "peer time / our time (higher: we are faster)", value_format="{:.1f}x")
            target_line(ax, SEARCH_FTS5, f"target vs FTS5: {SEARCH_FTS5:g}x (100k, 1M)", COLORS["fts5"])
            target_line(ax, SEARCH_PG, f"target vs PostgreSQL: {SEARCH_PG:g}x (100k, 1M)", COLORS["pg"])
            ax.legend(fontsize=8)
            ax.set_title("Search: how many times faster than SQLite FTS5 and PostgreSQL" + quick, fontsize=10)
            save(fig, "search")

    writes = [(n + (" (raised timeout)" if w.get("flags") else ""), w) for n, s in write_sizes(http)
              for w in write_runs(s)
              if w.get("total_ms") and not w.get("failed")]
    if writes:
        fig, ax = plt.subplots(figsize=(8, 5))
        bars(ax, [f"{n} entities" for n, _ in writes],
             [("ours", "median", [w["total_ms"]["median"] for _, w in writes]),
              ("ours_uncached", "p90", [w["total_ms"]["p90"] for _, w in writes]),
              ("ceiling", "worst", [w["total_ms"]["worst"] for _, w in writes])],
             "ms from sending the mutation to the search finding it", value_format="{:,.1f}")
        target_line(ax, WRITE_MEDIAN_MS, f"target: median < {WRITE_MEDIAN_MS:g} ms")
        ax.legend(fontsize=8)
        ax.set_title("Write to searchable: a mutation, then the search that finds it (lower is better)" + quick,
                     fontsize=10)
        save(fig, "write")

    starts = [(n, s) for n, s in sizes if s.get("startup")]
    if starts:
        start_groups = [f"{n} entities" for n, _ in starts]
        fig, axes = plt.subplots(1, 3, figsize=(15, 5))
        bars(axes[0], start_groups,
             [("ours_cached", "index present", [s["startup"]["median_present_ms"] for _, s in starts]),
              ("ours_uncached", "index rebuilt at start", [s["startup"]["median_rebuilt_ms"] for _, s in starts])],
             "ms from spawn to the first answer")
        target_line(axes[0], COLD_PRESENT_MS, f"target (index present): {COLD_PRESENT_MS:g} ms")
        axes[0].legend(fontsize=8)
        axes[0].set_title("Cold start to the first answer (lower is better)", fontsize=10)
        bars(axes[1], start_groups,
             [("ours", "index build", [s["startup"].get("build_mb_per_s") for _, s in starts])],
             "MB of dataset JSON per second", value_format="{:.1f}")
        target_line(axes[1], BUILD_MB_S, f"target: {BUILD_MB_S:g} MB/s")
        axes[1].legend(fontsize=8)
        axes[1].set_title("Index build throughput (higher is better)", fontsize=10)
        memory_groups = start_groups[:]
        ours_peak = [(s.get("memory_after_load") or {}).get("ours_cached", {}).get("VmHWM") for _, s in starts]
        yoga_peak = [(s.get("memory_after_load") or {}).get("yoga", {}).get("VmHWM") for _, s in starts]
        bundled = http.get("bundled") or {}
        if bundled.get("rss_mb"):
            memory_groups.append("bundled dataset")
            ours_peak.append(bundled["rss_mb"])
            yoga_peak.append(None)
        memory = [("ours_cached", "ours (peak after load; bundled: RSS after mixed requests)", ours_peak)]
        if any(yoga_peak):
            memory.append(("yoga", "graphql-yoga (peak after load)", yoga_peak))
        bars(axes[2], memory_groups, memory, "MiB")
        if bundled.get("rss_mb"):
            target_line(axes[2], BUNDLED_RSS_MB, f"target (bundled): {BUNDLED_RSS_MB:g} MB")
        axes[2].legend(fontsize=8)
        axes[2].set_title("Memory (lower is better)", fontsize=10)
        fig.suptitle("Startup, index build and memory" + quick.replace("\n", " "), fontsize=11)
        save(fig, "startup")
    return made


# ---------------------------------------------------------------- main

def main():
    if not HTTP.exists():
        sys.exit(f"{HTTP.relative_to(ROOT)} is missing: run python3 scripts/bench/run.py first")
    http = json.loads(HTTP.read_text())
    search = json.loads(SEARCH.read_text()) if SEARCH.exists() else None
    labels = {}
    for _, size in sizes_of(http):
        labels.update(size.get("labels", {}))
    labels.setdefault("ceiling", "static ceiling (bare axum)")
    labels.setdefault("yoga", "graphql-yoga (Node)")
    made = plots(http, search)
    machine = http.get("machine", {})
    git = http.get("git", {})
    options = http.get("options", {})
    versions = http.get("versions", {})
    search_text, _ = search_section(search)
    commit = (git.get("commit") or "unknown")[:12] + (" (with uncommitted changes)" if git.get("dirty") else "")
    lines = [
        "# Benchmarks",
        "",
        "Generated by `scripts/bench/report.py` from `target/bench/http.json` and `target/bench/search.json`; "
        "do not edit by hand.",
        "",
    ]
    if http.get("quick"):
        lines += ["> **Quick smoke run** (`--quick`: 10k entities, 2 rounds of 3 s): checks the harness end to end; "
                  "its numbers are not results.", ""]
    if http.get("failed"):
        lines += [f"> **The run failed:** {http['failed']}", ""]
    lines += [
        "## Machine and run",
        "",
        f"- CPU: {machine.get('cpu', 'unknown')}, {machine.get('nproc', '?')} CPUs, "
        f"{machine.get('memory_gib', '?')} GiB, Linux {machine.get('kernel', '?')}",
        f"- Date: {http.get('started', '?')} (took {fmt((http.get('elapsed_s') or 0) / 60, 1)} min)",
        f"- Commit: `{commit}`",
        f"- Pinning: {http.get('pinning', 'none')}; wrk {options.get('connections', 32)} connections, 1 thread, "
        f"{options.get('rounds')} alternating rounds of {options.get('duration')} s after a {options.get('warmup')} s "
        "warm-up each; figures are medians over the rounds, ratios the median of the per-round ratios",
        f"- Versions: {', '.join(f'{k} {v}' for k, v in versions.items() if v)}",
        f"- Load average (1 min) when the run started / ended: {fmt(http.get('load_start'), 2)} / "
        f"{fmt(http.get('load_end'), 2)} (other work on the machine makes the figures noisier)",
        f"- Datasets: `achievement-graph generate --entities N --seed {http.get('seed', 1)}`, imported into SQLite",
        "",
        "## Reproduce",
        "",
        "One command reproduces every figure and plot here (from the repository root; needs wrk, Node 20, "
        "Python 3.11 with matplotlib):",
        "",
        "```sh",
        http.get("command", "python3 scripts/bench/run.py"),
        "```",
        "",
        "It runs, in order:",
        "",
        "```sh",
        "cargo build --release --locked --bin achievement-graph --example ceiling",
        "(cd scripts/bench/yoga && npm ci)   # when node_modules is missing",
        (http.get("search") or {}).get("command") or "AG_BENCH_SIZES=10000,100000 cargo bench --locked --bench search",
        "target/release/achievement-graph generate --entities N --seed 1 --out target/bench-data/http/SIZE/dataset.json",
        "target/release/achievement-graph import target/bench-data/http/SIZE/dataset.json \\",
        "    --database-url sqlite://target/bench-data/http/SIZE/graph.db --index-dir target/bench-data/http/SIZE/index",
        "taskset -c 0 target/release/achievement-graph serve --listen 127.0.0.1:PORT \\",
        "    --database-url sqlite://target/bench-data/http/SIZE/graph.db --index-dir target/bench-data/http/SIZE/index "
        "[--response-cache-mb 0]",
        "taskset -c 0 target/release/examples/ceiling --body target/bench-data/http/SIZE/ceiling-body.json "
        "--listen 127.0.0.1:PORT",
        "taskset -c 0 node scripts/bench/yoga/server.mjs --db target/bench-data/http/SIZE/graph.db --port PORT",
    ]
    lines += http.get("commands", [])
    lines += ["python3 scripts/bench/report.py", "```", ""]
    # Search rows of sizes the run did not cover (1M: minutes of data build) come from a
    # separate run of the same bench, merged into search.json by size.
    separate = (search or {}).get("command") or ""
    in_run = (http.get("search") or {}).get("command") or ""
    if separate and separate.replace(" --locked", "") != in_run.replace(" --locked", ""):
        lines += [f"Search rows of sizes this run does not cover come from a separate run of the same bench, "
                  f"merged into `target/bench/search.json` by size: `{separate}`, then "
                  "`python3 scripts/bench/report.py`.", ""]
    lines += [
        "Request bodies are byte-identical for every server: `target/bench-data/http/SIZE/point-bodies.jsonl` "
        "(" + ", ".join(f"{n}: {s.get('point_slugs')} distinct statistics" for n, s in sizes_of(http)) + ") and "
        "`nested-bodies.jsonl`. The queries:",
        "",
        "```graphql",
        (http.get("queries") or {}).get("point", ""),
        (http.get("queries") or {}).get("nested", ""),
        "```",
        "",
        "Every timed run fails on any non-200 answer, any `errors`, a missing `data` or an answer without the "
        "expected result (checked by `scripts/bench/wrk/post.lua` on every response); before the timed runs, answers "
        "are checked against the SQLite database and ours are compared with graphql-yoga's.",
        "",
        "## 1-2. Point lookup by slug, against the static ceiling and graphql-yoga",
        "",
        "The ceiling is `examples/ceiling.rs`: a bare axum handler answering the same bytes as our Point answer "
        "without any GraphQL work. Ours runs twice: with its response cache (the default: a repeated request is "
        "answered from memory; primed with every distinct request before the timed runs, its hit rate is shown) and "
        "with `--response-cache-mb 0` (every request parsed, validated and run against the store).",
        "",
        point_section(http, labels),
        "",
        "![Point](docs/bench/point.png)" if (PLOTS / "point.png").exists() else "",
        "",
        "## 3. Nested list: 50 events, each with its city and the city's achievements",
        "",
        f"DataLoader on. Store queries per request come from `/metrics` (`store_queries`): \"one request\" is the "
        f"counter's increase for a single request (least of 5), \"under load\" the increase over a timed run divided "
        f"by the requests. The target is at most {NESTED_QUERIES} queries (one per nesting level), judged without "
        "the response cache.",
        "",
        nested_section(http, labels),
        "",
        "![Nested](docs/bench/nested.png)" if (PLOTS / "nested.png").exists() else "",
        "",
        "## 4. Search, against SQLite FTS5 and PostgreSQL full-text search",
        "",
        "In process (criterion, `benches/search.rs`): the same queries through our index and through each peer over "
        "the same data. Ratios are the peer's median time over ours. "
        f"Targets: >= {SEARCH_FTS5}x FTS5 and >= {SEARCH_PG}x PostgreSQL at 100k and 1M entities.",
        "",
        search_text,
        "",
        "![Search](docs/bench/search.png)" if (PLOTS / "search.png").exists() else "",
        "",
        "## 5. Write to searchable",
        "",
        "One server (response cache on), a scratch copy of the database: rename a city with a word never seen "
        "before (`updateCity`, with a token), then search for the word until the city is found with its new name. "
        "Time from sending the mutation to the answer of the search that finds it.",
        "",
        write_section(http),
        "",
        "![Write](docs/bench/write.png)" if (PLOTS / "write.png").exists() else "",
        "",
        "## 6. Cold start, index build, memory",
        "",
        "Cold start: from spawning the server to the first answered Point query (polled every 5 ms), with the index "
        "present (warm page cache) and with the index directory deleted (rebuilt from the database at start); "
        "the server is not pinned here, so a rebuild has both cores. "
        "Index build: dataset JSON size (10^6 bytes) over the build time, taken from "
        + "; ".join(sorted({s["startup"]["build_method"] for _, s in sizes_of(http) if s.get("startup")}) or ["n/a"])
        + ". Peak memory: `VmHWM` of the server with the response cache after all its load runs (anonymous and "
        "file-backed parts of its RSS at that point), and while the index is rebuilt at start.",
        "",
        startup_section(http),
        "",
        "The bundled dataset served from a fresh database (first start imports it), RSS after "
        f"{(http.get('bundled') or {}).get('requests', 1000)} mixed requests (Point, Nested, search):",
        "",
        bundled_section(http),
        "",
        "![Startup](docs/bench/startup.png)" if (PLOTS / "startup.png").exists() else "",
        "",
    ]
    lines += [
        "## 7. The bundled graph: what a request the cache has not seen costs",
        "",
        "Ours (response cache on, primed with every distinct request; and off) against the static ceiling serving "
        "our first answer of each workload byte for byte, on the bundled graph (137 entities). "
        "`{ __typename }` measures the HTTP and GraphQL stack alone.",
        "",
        fixed_section(http),
        "",
    ]
    lines += [
        "## 8. What the mixed-script analyzer costs",
        "",
        "Chinese segmentation (jieba-rs with its embedded dictionary), pinyin, traditional-to-simplified folding, "
        "synonyms and split words, measured against the release binary of the last commit before them, built "
        "alongside from the same sources. Start: from spawning the server to the first answered Point query on the "
        "bundled graph with its index present (medians of alternating runs). The dictionary is loaded on the first "
        "Chinese text a process sees, not at start. Index build: dataset JSON size over the rebuild time from the "
        "server log, on the 10k English dataset and on a Chinese one (2,500 documents of 24 sentences drawn from "
        "`tests/fixtures/chinese.json`, with 7,500 organizations citing them); the base commit indexes each Han run "
        "as one word. Search: the search box's request (top 10 with highlights) with the response cache off, "
        "English words on the English graph and Chinese queries on the Chinese one, pinned as in workloads 1-3.",
        "",
        analysis_section(http),
        "",
    ]
    if http.get("notes"):
        lines += ["## Notes", ""] + [f"- {note}" for note in http["notes"]] + [""]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)} and {len(made)} plots in {PLOTS.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
