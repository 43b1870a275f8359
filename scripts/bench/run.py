#!/usr/bin/env python3
"""Runs every benchmark of achievement-graph against its peers and writes the report.

    python3 scripts/bench/run.py                         # 10k and 100k entities, 5 rounds of 10 s
    python3 scripts/bench/run.py --sizes 10k,100k,1m     # adds 1M entities (import takes minutes)
    python3 scripts/bench/run.py --quick --skip-search   # smoke pass: 10k, 2 rounds of 3 s

Steps, from the repository root:

1. `cargo build --release --locked --bin achievement-graph --example ceiling`, and `npm ci`
   in scripts/bench/yoga when its node_modules is missing.
2. Search (workload 4): `AG_BENCH_SIZES=... cargo bench --locked --bench search` at
   --search-sizes (10k, 100k and 1M by default: the first 1M run builds its data in
   minutes, later runs reuse it), which writes target/bench/search.json (skipped with
   --skip-search).
3. Per size: `achievement-graph generate` and `import` into target/bench-data/http/<size>/
   (reused when present), then
   - startup (workload 6): cold start to the first answered query with the index present
     and with it rebuilt, index build throughput, peak memory;
   - HTTP load (workloads 1-3), ROUNDS rounds, each running every server of a workload
     one after the other (alternating): Point on the static ceiling (examples/ceiling.rs
     serving a captured real answer), ours with its response cache, ours without it and
     graphql-yoga; Nested on ours (both) and graphql-yoga. Each timed run is wrk on
     loopback (`taskset -c 1 wrk -t1 -c32 -dDs --latency -s scripts/bench/wrk/post.lua`)
     against a server pinned to core 0, after a warm-up run; wrk checks every answer and
     the run fails on any non-200, `errors`, missing `data` or unexpected result;
   - write-to-searchable (workload 5) on a scratch copy of the database: a mutation, then
     the search that must find it.
4. The bundled dataset served on a fresh database: RSS after 1000 mixed requests, then
   write-to-searchable on it; then what a request the cache has not seen costs
   (workload 7): `{ __typename }`, every statistic's Point lookup and the search box's
   request (top 10 with highlights, 20 rotating queries), each against the static
   ceiling serving our first answer, ours with and without the response cache
   (skipped with --skip-fixed; run alone with --only-fixed, which keeps the rest of the
   last target/bench/http.json).
5. What the mixed-script analyzer costs (workload 8), against the release binary of
   --base-commit (the last commit before it, built from `git archive` into
   target/bench-base): binary size, start on the bundled graph, memory, the first Chinese
   query (jieba's dictionary loads then), index build throughput on the 10k English
   dataset and on a Chinese one (sentences of tests/fixtures/chinese.json), and search
   latency with the cache off (skipped with --skip-analysis; run alone with
   --only-analysis).
6. target/bench/http.json (every raw number), then scripts/bench/report.py writes
   BENCHMARKS.md and docs/bench/*.png.

Before timed runs, a correctness pass checks answers against the SQLite database and
compares ours with graphql-yoga (scripts/bench/yoga/compare.py). Only loopback is used;
every wait is bounded, and every process started here is stopped on exit, even on
failure or Ctrl-C. Python 3.11 standard library (matplotlib for the plots, in report.py).
"""
import argparse
import datetime
import http.client
import json
import os
import random
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINARY = "target/release/achievement-graph"
CEILING = "target/release/examples/ceiling"
YOGA_DIR = "scripts/bench/yoga"
WRK_SCRIPT = "scripts/bench/wrk/post.lua"
DATA = "target/bench-data/http"
OUT = "target/bench/http.json"
SEED = 1
TOKEN = "bench-secret"
# The write workload is run again with this request timeout when writes time out.
RAISED_TIMEOUT_MS = 600_000
SERVER_CPU = 0
CLIENT_CPU = 1
# The default log filter of the binary, set explicitly so a RUST_LOG in the caller's
# environment does not change what is measured.
RUST_LOG = "info,tantivy=warn,sqlx=warn"

POINT_QUERY = ("query Point($slug: String!) { statistic(slug: $slug) { slug label value unit qualifier period "
               "version source { start end excerpt } } }")
NESTED_QUERY = ("query Nested { events(first: 50) { nodes { slug name startDate city { slug name "
                "achievements(first: 20) { nodes { slug title rank } } } } } }")
SEARCH_QUERY = "query Search($q: String!) { search(query: $q, first: 10) { totalCount edges { node { __typename } } } }"
RENAME_MUTATION = "mutation Rename($id: ID!, $n: String!) { updateCity(id: $id, patch: { name: $n }) { id name } }"
FIND_QUERY = ("query Find($q: String!) { search(query: $q, types: [CITY], first: 10) "
              "{ edges { node { ... on City { slug name } } } } }")
# What a good answer holds (a null result would not): checked by wrk on every answer.
POINT_EXPECT = '"statistic":{"slug":"'
NESTED_EXPECT = '"events":{"nodes":[{"slug":"'
TYPENAME_QUERY = "{ __typename }"
# The search box's request: the top 10 with highlights and the count, as the explorer asks.
HIGHLIGHT_QUERY = ("query Highlighted($q: String!) { search(query: $q, first: 10) { totalCount edges { node { "
                   "__typename ... on Achievement { slug title } ... on City { slug name } ... on Event { slug name } "
                   "... on Statistic { slug label } ... on Organization { slug name } ... on Document { slug title } } "
                   "highlights { field snippet ranges { start end } } } } }")
HIGHLIGHT_WORDS = ["gold medals", "skiing festival", "sculpture park", "high-speed trains", "film festival",
                   "automobile", "friendship cities", "asian winter games", "volkswagen", "japan", "railway vehicles",
                   "expo", "changchun", "athletes", "ice and snow", "culture", "sendai", "records", "foreign affairs",
                   "opening up"]
# The search box's Chinese queries (workload 8): words inside longer words, whole names,
# traditional characters, a quoted phrase, mixed scripts and pinyin.
CHINESE_WORDS = ["汽车", "电影", "长春", "长春电影制片厂", "中国第一汽车集团有限公司", "長春", "\"位于长春\"", "一汽 大众",
                 "大众 Volkswagen", "dianying", "changchun dianying", "qiche", "摇篮", "合资", "集团"]
# The last commit before the mixed-script analyzer (src/search/analysis/): workload 8
# measures what the analyzer costs against it.
BASE_COMMIT = "db291ad"
BASE_DIR = "target/bench-base"
BASE_BINARY = "target/bench-base/target/release/achievement-graph"
SEARCH_WORDS = ["festival", "city", "international", "exhibition", "changchun", "film", "skiing", "expo", "trade",
                "friendship"]

PROCESSES = []  # every process started and not yet stopped


class BenchError(Exception):
    """A benchmark cannot go on (a wrong answer, a server that does not start...)."""


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------- processes

def spawn(argv, log_path, cpu=None, env=None, cwd=None):
    """Starts a process in its own process group, output to `log_path`."""
    if cpu is not None and PIN:
        argv = ["taskset", "-c", str(cpu)] + list(argv)
    out = open(log_path, "wb")
    try:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                   cwd=cwd, start_new_session=True)
    finally:
        out.close()
    PROCESSES.append(process)
    return process


def stop(process, timeout=15):
    """Stops a process and its group: SIGTERM, then SIGKILL."""
    if process is None:
        return
    try:
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log(f"process {process.pid} ignored SIGTERM for {timeout} s: killing it")
        try:
            os.killpg(process.pid, signal.SIGKILL)  # whatever is left of its group
        except (ProcessLookupError, PermissionError):
            pass
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    finally:
        if process in PROCESSES:
            PROCESSES.remove(process)


def stop_all():
    for process in list(PROCESSES):
        stop(process, timeout=5)


def on_signal(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def run(argv, timeout, env=None, cwd=None, capture=False):
    """Runs a command to completion in its own process group, bounded by `timeout` s."""
    process = subprocess.Popen(argv, env=env, cwd=cwd, start_new_session=True, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE if capture else None,
                               stderr=subprocess.STDOUT if capture else None, text=capture)
    PROCESSES.append(process)
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(process, timeout=5)
        raise BenchError(f"`{shlex.join(argv)}` did not finish within {timeout} s")
    finally:
        stop(process, timeout=5)
    if process.returncode != 0:
        detail = f":\n{out[-3000:]}" if capture and out else ""
        raise BenchError(f"`{shlex.join(argv)}` failed with exit code {process.returncode}{detail}")
    return out


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def proc_status(pid):
    """Returns /proc/PID/status memory fields in MiB."""
    fields = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem"):
                    fields[key] = int(value.split()[0]) / 1024
    except FileNotFoundError:
        pass
    return fields


# ---------------------------------------------------------------- HTTP

def post_raw(url, body, token=None, timeout=30):
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.read()


def post_many(server, lines, timeout=30):
    """POSTs each body in turn on one keep-alive connection; fails on any bad answer."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        for line in lines:
            connection.request("POST", "/graphql", body=line.encode(), headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            raw = response.read()
            if response.status != 200 or b'"errors"' in raw or b'"data"' not in raw:
                raise BenchError(f"{server.name}: bad answer (HTTP {response.status}): {raw[:300]!r}")
    finally:
        connection.close()


def gql(url, query, variables=None, token=None, timeout=30):
    """Runs a GraphQL request; returns `data`, or raises on any error."""
    body = json.dumps({"query": query, "variables": variables or {}}, separators=(",", ":")).encode()
    try:
        status, raw = post_raw(url, body, token=token, timeout=timeout)
    except urllib.error.HTTPError as error:
        raise BenchError(f"HTTP {error.code}: {error.read()[:500].decode(errors='replace')}")
    answer = json.loads(raw)
    if status != 200 or answer.get("errors") or "data" not in answer:
        raise BenchError(f"{url}: bad answer (HTTP {status}): {raw[:500]!r}")
    return answer["data"]


def get_text(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode()


def wait_ready(url, process, log_path, timeout):
    """Waits until `url` answers a trivial query."""
    deadline = time.monotonic() + timeout
    body = b'{"query":"{ __typename }"}'
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{log_path} : the server exited with {process.returncode}:\n{tail(log_path)}")
        try:
            status, raw = post_raw(url, body, timeout=5)
            if status == 200 and b'"data"' in raw:
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.05)
    raise BenchError(f"{url} did not answer within {timeout} s:\n{tail(log_path)}")


def tail(path, lines=30):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


def metrics(base):
    """Parses /metrics into {(name, labels): value}."""
    out = {}
    for line in get_text(f"{base}/metrics").splitlines():
        if not line or line.startswith("#"):
            continue
        match = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)', line)
        if match:
            try:
                out[(match.group(1), match.group(2) or "")] = float(match.group(3))
            except ValueError:
                pass
    return out


def metric_sum(snapshot, name_pattern, label_pattern=None):
    """Sums the series whose name matches `name_pattern` (a regex), or None if none does."""
    values = [value for (name, labels), value in snapshot.items()
              if re.search(name_pattern, name) and (label_pattern is None or re.search(label_pattern, labels))]
    return sum(values) if values else None


def delta(before, after, name_pattern, label_pattern=None):
    a, b = metric_sum(before, name_pattern, label_pattern), metric_sum(after, name_pattern, label_pattern)
    return None if a is None or b is None else b - a


STORE_QUERIES = r"store_queries(_total)?$"
GRAPHQL_REQUESTS = r"graphql_requests(_total)?$"
CACHE_LOOKUPS = r"response_cache_lookups(_total)?$"


# ---------------------------------------------------------------- servers

class Server:
    def __init__(self, name, label, process, port, log_path):
        self.name, self.label, self.process, self.port, self.log_path = name, label, process, port, log_path
        self.base = f"http://127.0.0.1:{port}"
        self.url = f"{self.base}/graphql"


def ours_argv(db, index_dir, port, cache_mb=None, extra=(), binary=None):
    argv = [binary or BINARY, "serve", "--listen", f"127.0.0.1:{port}", "--database-url", f"sqlite://{db}",
            "--index-dir", str(index_dir), "--log-format", "json", *extra]
    if cache_mb is not None and HAS_CACHE_FLAG:
        argv += ["--response-cache-mb", str(cache_mb)]
    return argv


def ours_env(tokens=False):
    env = dict(os.environ, RUST_LOG=RUST_LOG)
    for key in list(env):
        if key.startswith("AG_"):
            del env[key]  # only the flags given here configure the server
    if tokens:
        env["AG_TOKENS"] = f"bench={TOKEN}"
    return env


def start_ours(name, label, db, index_dir, log_path, cache_mb=None, tokens=False, timeout=3600, extra=(),
               binary=None):
    port = free_port()
    process = spawn(ours_argv(db, index_dir, port, cache_mb, extra, binary), log_path, cpu=SERVER_CPU,
                    env=ours_env(tokens))
    server = Server(name, label, process, port, log_path)
    wait_ready(server.url, process, log_path, timeout)
    return server


def start_ceiling(body_file, log_path):
    port = free_port()
    process = spawn([CEILING, "--body", str(body_file), "--listen", f"127.0.0.1:{port}"], log_path, cpu=SERVER_CPU)
    server = Server("ceiling", "static ceiling (bare axum)", process, port, log_path)
    wait_ready(server.url, process, log_path, 30)
    return server


def start_yoga(db, log_path, timeout=1800):
    port = free_port()
    env = dict(os.environ, NODE_ENV="production")
    process = spawn(["node", f"{YOGA_DIR}/server.mjs", "--db", str(db), "--port", str(port)], log_path,
                    cpu=SERVER_CPU, env=env)
    deadline = time.monotonic() + timeout
    while "listening on" not in Path(log_path).read_text(errors="replace"):
        if process.poll() is not None:
            raise BenchError(f"the yoga server exited with {process.returncode}:\n{tail(log_path)}")
        if time.monotonic() > deadline:
            raise BenchError(f"the yoga server did not start within {timeout} s:\n{tail(log_path)}")
        time.sleep(0.05)
    server = Server("yoga", "graphql-yoga (Node)", process, port, log_path)
    wait_ready(server.url, process, log_path, 60)
    return server


# ---------------------------------------------------------------- wrk

def wrk(server, bodies, expect, seconds, connections, record_commands=None):
    """One wrk run against `server`; returns its parsed result, or raises on any bad answer."""
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s", "-s", WRK_SCRIPT,
            server.url, "--", str(bodies), expect]
    if PIN:
        argv = ["taskset", "-c", str(CLIENT_CPU)] + argv
    if record_commands is not None:
        shown = [a if not a.startswith("http://") else "http://127.0.0.1:PORT/graphql" for a in argv]
        record_commands.add(shlex.join(shown))
    out = run(argv, timeout=seconds + 60, capture=True)
    line = next((l for l in out.splitlines() if l.startswith("WRK_RESULT ")), None)
    if line is None:
        raise BenchError(f"wrk printed no result against {server.name}:\n{out[-2000:]}")
    result = json.loads(line[len("WRK_RESULT "):])
    errors = result["socket_errors"]
    bad = {key: result[key] for key in ("non200", "with_errors", "without_data", "unexpected") if result[key]}
    bad.update({f"socket_{key}": value for key, value in errors.items() if value})
    if bad or result["requests"] == 0:
        raise BenchError(f"wrk against {server.name} ({server.label}) saw bad answers {bad}: "
                         f"{result.get('first_bad', '')[:300]}")
    return result


# ---------------------------------------------------------------- data

def parse_size(text):
    text = text.strip().lower()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([km]?)", text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text} (use 10k, 100k, 1m or a number)")
    return int(float(match.group(1)) * {"": 1, "k": 1000, "m": 1_000_000}[match.group(2)])


def size_name(n):
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def connect_ro(db):
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)


def counts(db):
    with connect_ro(db) as conn:
        return {table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in ("documents", "cities", "organizations", "events", "lists", "achievements",
                              "statistics")}


def prepare(entities, directory, timings):
    """Generates and imports the dataset of `entities` once; returns (dataset, db)."""
    directory.mkdir(parents=True, exist_ok=True)
    dataset, db, marker = directory / "dataset.json", directory / "graph.db", directory / "imported.json"
    if not dataset.exists():
        log(f"generating {entities} entities (seed {SEED}) into {dataset}")
        started = time.monotonic()
        partial = directory / "dataset.json.partial"
        run([BINARY, "generate", "--entities", str(entities), "--seed", str(SEED), "--out", str(partial)], 3600)
        partial.rename(dataset)
        timings["generate_s"] = time.monotonic() - started
    stamp = {"dataset_bytes": dataset.stat().st_size, "seed": SEED, "entities": entities}
    current = json.loads(marker.read_text()) if marker.exists() else None
    if current is None or any(current.get(k) != v for k, v in stamp.items()) or not db.exists():
        for path in directory.glob("graph.db*"):
            path.unlink()
        for name in ("index", "index-b", "index-c", "index-cold", "write"):
            shutil.rmtree(directory / name, ignore_errors=True)
        marker.unlink(missing_ok=True)
        log(f"importing {dataset} into {db}")
        started = time.monotonic()
        run([BINARY, "import", str(dataset), "--database-url", f"sqlite://{db}", "--index-dir",
             str(directory / "index")], 4 * 3600)
        timings["import_s"] = time.monotonic() - started
        log(f"imported in {timings['import_s']:.1f} s")
        marker.write_text(json.dumps(stamp))
    return dataset, db


def ensure_index(db, index_dir, directory, timings):
    """Builds the index in `index_dir` by starting a server once, when it is missing."""
    if index_dir.exists() and any(index_dir.iterdir()):
        return
    log(f"building the index in {index_dir} (first start)")
    started = time.monotonic()
    server = start_ours("build", "build", db, index_dir, directory / "logs" / "first-build.log")
    timings["first_index_build_s"] = time.monotonic() - started
    stop(server.process)


def point_samples(db, limit=5000):
    with connect_ro(db) as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM statistics ORDER BY id")]
    if not ids:
        raise BenchError(f"{db} has no statistics")
    rng = random.Random(42)
    return rng.sample(ids, min(limit, len(ids)))


def body(query, variables=None):
    payload = {"query": query}
    if variables is not None:
        payload["variables"] = variables
    return json.dumps(payload, separators=(",", ":"))


def write_bodies(path, lines):
    path.write_text("".join(line + "\n" for line in lines))
    return path


# ---------------------------------------------------------------- correctness

def check_point(url, db, slugs):
    """Checks Point answers against the database: label, value, unit, the excerpt."""
    with connect_ro(db) as conn:
        for slug in slugs:
            row = conn.execute("SELECT label, value, unit, period, source_document, source_start, source_end "
                               "FROM statistics WHERE id = ?", (slug,)).fetchone()
            data = gql(url, POINT_QUERY, {"slug": slug})["statistic"]
            if data is None:
                raise BenchError(f"{url}: statistic {slug} not found")
            label, value, unit, period, document, start, end = row
            if (data["slug"], data["label"], data["unit"], data["period"]) != (slug, label, unit, period) \
                    or float(data["value"]) != float(value):
                raise BenchError(f"{url}: statistic {slug} differs from the database: {data} vs {row}")
            text = conn.execute("SELECT text FROM documents WHERE id = ?", (document,)).fetchone()[0]
            if data["source"]["excerpt"] != text[start:end] or (data["source"]["start"], data["source"]["end"]) != (
                    start, end):
                raise BenchError(f"{url}: statistic {slug}: the excerpt differs from the document")


def check_nested(url, db):
    """Checks a Nested answer against the database: the first 50 events, their cities."""
    data = gql(url, NESTED_QUERY)["events"]["nodes"]
    with connect_ro(db) as conn:
        rows = conn.execute("SELECT e.id, e.name, c.id, c.name FROM events e LEFT JOIN cities c ON c.id = e.city_id "
                            "ORDER BY e.seq LIMIT 50").fetchall()
        if [(e["slug"], e["name"]) for e in data] != [(r[0], r[1]) for r in rows]:
            raise BenchError(f"{url}: Nested events differ from the database")
        achievements = 0
        for event, row in zip(data, rows):
            city = event["city"]
            got = (city["slug"], city["name"]) if city else (None, None)
            if got != (row[2], row[3]):
                raise BenchError(f"{url}: event {row[0]}: city differs from the database")
            if city:
                nodes = city["achievements"]["nodes"]
                linked = conn.execute("SELECT COUNT(*) FROM achievement_cities WHERE city_id = ?",
                                      (city["slug"],)).fetchone()[0]
                if len(nodes) != min(20, linked):
                    raise BenchError(f"{url}: city {city['slug']}: {len(nodes)} achievements, expected "
                                     f"{min(20, linked)}")
                achievements += len(nodes)
    return {"events": len(data), "achievements": achievements}


def same_answers(a, b, bodies):
    """Checks two servers give the same parsed answers (numbers compared as numbers)."""
    for line in bodies:
        answers = []
        for server in (a, b):
            status, raw = post_raw(server.url, line.encode())
            answers.append(json.loads(raw))
        if answers[0] != answers[1]:
            raise BenchError(f"{a.name} and {b.name} answer {line[:120]} differently:\n"
                             f"{json.dumps(answers[0])[:400]}\n{json.dumps(answers[1])[:400]}")


def compare_with_yoga(ours, yoga, db, samples):
    script = Path(YOGA_DIR) / "compare.py"
    if not script.exists():
        log(f"{script} is missing: comparing answers here only")
        return None
    argv = [sys.executable, str(script), "--ours", ours.url, "--peer", yoga.url, "--db", str(db), "--samples",
            str(samples)]
    out = run(argv, timeout=600, capture=True)
    return out.strip().splitlines()[-1] if out.strip() else "ok"


# ---------------------------------------------------------------- workloads

def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def percentile(values, q):
    values = sorted(values)
    if not values:
        return None
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def distribution(values):
    return {"median": median(values), "p90": percentile(values, 0.9), "worst": max(values) if values else None,
            "best": min(values) if values else None, "n": len(values)}


def queries_per_request_probe(server, line, repeats=5):
    """Store queries for one request: the counter before and after, the least of a few tries
    (the indexer's background polling can add one now and then)."""
    seen = []
    for _ in range(repeats):
        before = metrics(server.base)
        if metric_sum(before, STORE_QUERIES) is None:
            return None
        post_raw(server.url, line.encode())
        after = metrics(server.base)
        seen.append(delta(before, after, STORE_QUERIES))
    return min(seen)


def timed_run(server, bodies, expect, args, commands, ours):
    """A warm-up, then the timed run; for our servers, store queries and cache lookups per request."""
    wrk(server, bodies, expect, args.warmup, args.connections)
    before = metrics(server.base) if ours else None
    result = wrk(server, bodies, expect, args.duration, args.connections, commands)
    if ours:
        after = metrics(server.base)
        requests = delta(before, after, GRAPHQL_REQUESTS)
        queries = delta(before, after, STORE_QUERIES)
        result["server_requests"] = requests
        result["store_queries"] = queries
        result["queries_per_request"] = queries / requests if queries is not None and requests else None
        result["cache"] = {result_label: delta(before, after, CACHE_LOOKUPS, f'result="{result_label}"')
                           for result_label in ("hit", "miss", "stale")}
    return result


def load_workloads(size, directory, db, args, commands, notes):
    """Workloads 1-3: Point (ceiling, ours cached/uncached, yoga), Nested (ours, yoga)."""
    logs = directory / "logs"
    slugs = point_samples(db)
    if len(slugs) < 1000:
        notes.append(f"{size}: only {len(slugs)} distinct statistics for Point (fewer than 1000)")
    point_bodies = write_bodies(directory / "point-bodies.jsonl", [body(POINT_QUERY, {"slug": s}) for s in slugs])
    nested_line = body(NESTED_QUERY)
    nested_bodies = write_bodies(directory / "nested-bodies.jsonl", [nested_line])
    index, index_b, index_c = directory / "index", directory / "index-b", directory / "index-c"
    for copy in (index_b, index_c):
        if not copy.exists():
            shutil.copytree(index, copy)
    servers = {}
    out = {"point_slugs": len(slugs), "point": {"runs": []}, "nested": {"runs": []}, "checks": {}}
    try:
        servers["ours_cached"] = start_ours("ours_cached", "ours, response cache on (default)", db, index,
                                            logs / "ours-cached.log")
        if HAS_CACHE_FLAG:
            servers["ours_uncached"] = start_ours("ours_uncached", "ours, response cache off (--response-cache-mb 0)",
                                                  db, index_b, logs / "ours-uncached.log", cache_mb=0)
        else:
            servers["ours_cached"].label = "ours (this build has no response cache flag)"
        if HAS_CACHE_FLAG and HAS_FAST_PATH_FLAG:
            # The same server with compiled plans off: what the plans are worth, in the same run.
            servers["ours_engine"] = start_ours(
                "ours_engine", "ours, fast path off (--fast-path false), response cache off", db, index_c,
                logs / "ours-engine.log", cache_mb=0, extra=("--fast-path", "false"))
        ours = [s for s in (servers.get("ours_cached"), servers.get("ours_engine"), servers.get("ours_uncached")) if s]
        # The ceiling serves a real Point answer of ours, byte for byte.
        status, captured = post_raw(ours[-1].url, point_bodies.read_text().splitlines()[0].encode())
        if status != 200 or b'"errors"' in captured or POINT_EXPECT.encode() not in captured:
            raise BenchError(f"cannot capture a Point answer for the ceiling: {captured[:300]!r}")
        ceiling_body = directory / "ceiling-body.json"
        ceiling_body.write_bytes(captured)
        out["ceiling_body_bytes"] = len(captured)
        servers["ceiling"] = start_ceiling(ceiling_body, logs / "ceiling.log")
        if YOGA:
            log(f"{size}: starting graphql-yoga")
            servers["yoga"] = start_yoga(db, logs / "yoga.log")

        # Correctness before anything is timed.
        sample = slugs[:25]
        for server in ours + ([servers["yoga"]] if "yoga" in servers else []):
            check_point(server.url, db, sample)
            out["checks"][server.name] = check_nested(server.url, db)
        status, raw = post_raw(servers["ceiling"].url, b"{}")
        if raw != captured:
            raise BenchError("the ceiling does not serve the captured answer")
        if "yoga" in servers:
            lines = point_bodies.read_text().splitlines()[:50] + [nested_line]
            for server in ours:
                same_answers(server, servers["yoga"], lines)
            out["checks"]["compare_py"] = compare_with_yoga(ours[-1], servers["yoga"], db, 50)
        for server in ours:
            out["checks"][f"{server.name}_queries_per_point"] = queries_per_request_probe(
                server, point_bodies.read_text().splitlines()[1])
            out["checks"][f"{server.name}_queries_per_nested"] = queries_per_request_probe(server, nested_line)
        log(f"{size}: correctness checks passed {out['checks']}")
        # The cached server is measured in its steady state: every distinct request answered once.
        if HAS_CACHE_FLAG:
            post_many(servers["ours_cached"], point_bodies.read_text().splitlines() + [nested_line])

        point_order = [n for n in ("ceiling", "ours_cached", "ours_uncached", "ours_engine", "yoga") if n in servers]
        nested_order = [n for n in ("ours_cached", "ours_uncached", "ours_engine", "yoga") if n in servers]
        for round_number in range(1, args.rounds + 1):
            for name in point_order:
                server = servers[name]
                result = timed_run(server, point_bodies, POINT_EXPECT, args, commands, name.startswith("ours"))
                result.update(round=round_number, target=name, label=server.label)
                out["point"]["runs"].append(result)
                log(f"{size} round {round_number} Point {name}: {result['rps']:.0f} req/s, "
                    f"p50 {result['latency_us']['p50'] / 1000:.2f} ms")
            for name in nested_order:
                server = servers[name]
                result = timed_run(server, nested_bodies, NESTED_EXPECT, args, commands, name.startswith("ours"))
                result.update(round=round_number, target=name, label=server.label)
                out["nested"]["runs"].append(result)
                qpr = result.get("queries_per_request")
                log(f"{size} round {round_number} Nested {name}: {result['rps']:.0f} req/s, "
                    f"p50 {result['latency_us']['p50'] / 1000:.2f} ms"
                    + (f", {qpr:.2f} store queries/request" if qpr is not None else ""))
        out["memory_after_load"] = {name: proc_status(server.process.pid) for name, server in servers.items()}
        out["labels"] = {name: server.label for name, server in servers.items()}
    finally:
        for server in servers.values():
            stop(server.process)
    summarize_load(out)
    return out


def summarize_load(out):
    pairs = {
        "point": [("ours_cached", "ceiling"), ("ours_uncached", "ceiling"), ("ours_engine", "ceiling"),
                  ("ours_cached", "yoga"), ("ours_uncached", "yoga"), ("ours_engine", "yoga")],
        "nested": [("ours_cached", "yoga"), ("ours_uncached", "yoga"), ("ours_engine", "yoga"),
                   ("ours_uncached", "ours_engine")],
    }
    for workload, wanted in pairs.items():
        runs = out[workload]["runs"]
        by_round = {}
        for result in runs:
            by_round.setdefault(result["round"], {})[result["target"]] = result
        targets = sorted({r["target"] for r in runs})
        summary = {"median_rps": {}, "median_p50_ms": {}, "median_p99_ms": {}, "ratios": {}}
        for target in targets:
            mine = [r for r in runs if r["target"] == target]
            summary["median_rps"][target] = median([r["rps"] for r in mine])
            summary["median_p50_ms"][target] = median([r["latency_us"]["p50"] / 1000 for r in mine])
            summary["median_p99_ms"][target] = median([r["latency_us"]["p99"] / 1000 for r in mine])
            qpr = [r.get("queries_per_request") for r in mine if r.get("queries_per_request") is not None]
            if qpr:
                summary.setdefault("median_queries_per_request", {})[target] = median(qpr)
        for ours, peer in wanted:
            per_round = [rounds[ours]["rps"] / rounds[peer]["rps"] for _, rounds in sorted(by_round.items())
                         if ours in rounds and peer in rounds]
            if per_round:
                summary["ratios"][f"{ours}/{peer}"] = {"per_round": per_round, "median": median(per_round)}
        out[workload].update(summary)


def startup_workload(size, directory, db, dataset, args):
    """Workload 6: cold start to the first Point answer, index present and rebuilt; build rate."""
    logs = directory / "logs"
    slug = point_samples(db, limit=1)[0]
    line = body(POINT_QUERY, {"slug": slug}).encode()
    out = {"present_ms": [], "rebuilt_ms": [], "build_s_from_log": [], "rebuilt_hwm_mb": [], "present_hwm_mb": []}

    def cold_start(index_dir, log_path):
        port = free_port()
        url = f"http://127.0.0.1:{port}/graphql"
        deadline = time.monotonic() + 4 * 3600
        started = time.perf_counter()
        # Not pinned: nothing else runs during a cold start, and a rebuild reads the graph
        # on one core while it indexes on the other (the target is a two-core build).
        process = spawn(ours_argv(db, index_dir, port), log_path, env=ours_env())
        try:
            while True:
                try:
                    status, raw = post_raw(url, line, timeout=10)
                    if status == 200 and POINT_EXPECT.encode() in raw and b'"errors"' not in raw:
                        took = (time.perf_counter() - started) * 1000
                        break
                    raise BenchError(f"cold start: bad first answer {raw[:300]!r}")
                except (urllib.error.URLError, ConnectionError) as error:
                    if isinstance(error, urllib.error.HTTPError):
                        raise BenchError(f"cold start: HTTP {error.code}")
                if process.poll() is not None:
                    raise BenchError(f"cold start: the server exited:\n{tail(log_path)}")
                if time.monotonic() > deadline:
                    raise BenchError("cold start: no answer within 4 h")
                time.sleep(0.005)
            hwm = proc_status(process.pid).get("VmHWM")
        finally:
            stop(process)
        return took, hwm

    for attempt in range(args.cold_runs):
        cold = directory / "index-cold"
        shutil.rmtree(cold, ignore_errors=True)
        log_path = logs / f"cold-rebuilt-{attempt + 1}.log"
        took, hwm = cold_start(cold, log_path)
        out["rebuilt_ms"].append(took)
        out["rebuilt_hwm_mb"].append(hwm)
        built = build_seconds(log_path)
        if built is not None:
            out["build_s_from_log"].append(built)
        took_present, hwm_present = cold_start(directory / "index", logs / f"cold-present-{attempt + 1}.log")
        out["present_ms"].append(took_present)
        out["present_hwm_mb"].append(hwm_present)
        log(f"{size} cold start: index rebuilt {took:.0f} ms (build {built if built is None else round(built, 3)} s "
            f"from the log), index present {took_present:.0f} ms")
    shutil.rmtree(directory / "index-cold", ignore_errors=True)
    megabytes = dataset.stat().st_size / 1e6
    out["dataset_mb"] = megabytes
    out["median_present_ms"] = median(out["present_ms"])
    out["median_rebuilt_ms"] = median(out["rebuilt_ms"])
    if out["build_s_from_log"]:
        out["build_s"] = median(out["build_s_from_log"])
        out["build_method"] = ("server log: from `rebuilding the search index` to `search index rebuilt` "
                               "(reading the graph from the store + indexing + commit)")
    else:
        out["build_s"] = (out["median_rebuilt_ms"] - out["median_present_ms"]) / 1000
        out["build_method"] = "cold start with the index rebuilt minus cold start with it present"
    out["build_mb_per_s"] = megabytes / out["build_s"] if out["build_s"] and out["build_s"] > 0 else None
    return out


def build_seconds(log_path):
    """The index build time from the server's JSON log lines, if both are there."""
    begun = ended = None
    for text in Path(log_path).read_text(errors="replace").splitlines():
        try:
            line = json.loads(text)
        except ValueError:
            continue
        message = (line.get("fields") or {}).get("message", "")
        if message.startswith("rebuilding the search index"):
            begun = parse_time(line.get("timestamp"))
        elif message.startswith("search index rebuilt"):
            ended = parse_time(line.get("timestamp"))
    return (ended - begun).total_seconds() if begun and ended else None


def parse_time(text):
    if not text:
        return None
    match = re.match(r"(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", text)
    if not match:
        return None
    fraction = (match.group(2) or ".0")[:7]
    zone = "+00:00" if match.group(3) == "Z" else match.group(3)
    return datetime.datetime.fromisoformat(match.group(1) + fraction + zone)


def write_workload(size, directory, db, args, extra=()):
    """Workload 5: a mutation, then the search that finds it, on a scratch copy of the data.
    Bounded: stops after --writes writes or --write-budget seconds, whichever comes first;
    a failure is recorded (and fails the run at its end) without stopping other workloads."""
    scratch = directory / "write"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    for path in directory.glob("graph.db*"):
        shutil.copy2(path, scratch / path.name)
    shutil.copytree(directory / "index", scratch / "index")
    with connect_ro(db) as conn:
        city_slug, city_name = conn.execute("SELECT id, name FROM cities ORDER BY seq LIMIT 1").fetchone()
    server = None
    mutation_ms, search_ms, total_ms, polls = [], [], [], []
    try:
        log_name = "write.log" if not extra else "write-raised-timeout.log"
        server = start_ours("write", "ours", scratch / "graph.db", scratch / "index", directory / "logs" / log_name,
                            tokens=True, extra=extra)
        city_id = gql(server.url, "query($s: String!) { city(slug: $s) { id } }", {"s": city_slug})["city"]["id"]
        before = metrics(server.base)
        rng = random.Random(7)
        budget_end = time.monotonic() + args.write_budget
        for n in range(args.writes):
            if n > 0 and time.monotonic() > budget_end:
                log(f"{size} write-to-searchable: the {args.write_budget} s budget is spent after {n} writes")
                break
            word = "bw" + "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(10))
            name = f"{city_name} {word}"
            started = time.perf_counter()
            data = gql(server.url, RENAME_MUTATION, {"id": city_id, "n": name}, token=TOKEN, timeout=600)
            if data["updateCity"]["name"] != name:
                raise BenchError(f"the mutation answered {data}")
            acknowledged = time.perf_counter()
            tries = 0
            while True:
                tries += 1
                edges = gql(server.url, FIND_QUERY, {"q": word})["search"]["edges"]
                if any(e["node"].get("slug") == city_slug and e["node"].get("name") == name for e in edges):
                    break
                if time.perf_counter() - acknowledged > 10:
                    raise BenchError(f"the search did not find `{word}` within 10 s of the mutation's answer")
                time.sleep(0.001)
            done = time.perf_counter()
            mutation_ms.append((acknowledged - started) * 1000)
            search_ms.append((done - acknowledged) * 1000)
            total_ms.append((done - started) * 1000)
            polls.append(tries)
        after = metrics(server.base)
        commits = delta(before, after, r"index_commit_duration_seconds_count$")
        commit_sum = delta(before, after, r"index_commit_duration_seconds_sum$")
    except (BenchError, OSError) as error:
        log(f"{size} write-to-searchable FAILED after {len(total_ms)} writes: {error}")
        return {"failed": str(error), "writes": len(total_ms), "raw_total_ms": total_ms,
                "total_ms": distribution(total_ms) if total_ms else None}
    finally:
        if server:
            stop(server.process)
        shutil.rmtree(scratch, ignore_errors=True)
    out = {"writes": len(total_ms), "total_ms": distribution(total_ms), "mutation_ms": distribution(mutation_ms),
           "search_ms": distribution(search_ms), "found_on_first_search": sum(1 for p in polls if p == 1),
           "raw_total_ms": total_ms, "index_commits": commits,
           "index_commit_mean_ms": commit_sum / commits * 1000 if commits else None}
    log(f"{size} write-to-searchable: median {out['total_ms']['median']:.1f} ms, p90 {out['total_ms']['p90']:.1f} ms, "
        f"worst {out['total_ms']['worst']:.1f} ms; found on the first search {out['found_on_first_search']}/"
        f"{out['writes']}")
    return out


def bundled_workload(args):
    """The bundled dataset on a fresh database: RSS after 1000 mixed requests."""
    directory = Path(DATA) / "bundled"
    shutil.rmtree(directory, ignore_errors=True)
    (directory / "logs").mkdir(parents=True)
    server = None
    try:
        server = start_ours("bundled", "ours", directory / "graph.db", directory / "index",
                            directory / "logs" / "bundled.log", timeout=300)
        started_rss = proc_status(server.process.pid)
        slugs = point_samples(directory / "graph.db")
        lines = []
        for n in range(args.mixed_requests):
            kind = n % 3
            if kind == 0:
                lines.append(body(POINT_QUERY, {"slug": slugs[n % len(slugs)]}))
            elif kind == 1:
                lines.append(body(NESTED_QUERY))
            else:
                lines.append(body(SEARCH_QUERY, {"q": SEARCH_WORDS[n % len(SEARCH_WORDS)]}))
        post_many(server, lines)
        memory = proc_status(server.process.pid)
        out = {"requests": len(lines), "distinct_statistics": len(slugs), "at_start": started_rss,
               "after_requests": memory, "rss_mb": memory.get("VmRSS"), "hwm_mb": memory.get("VmHWM")}
        stop(server.process)
        server = None
        # Write to searchable on the bundled graph too: the cost that does not grow with it.
        out["write"] = write_workload("bundled", directory, directory / "graph.db", args)
    finally:
        if server:
            stop(server.process)
        shutil.rmtree(directory, ignore_errors=True)
    log(f"bundled dataset: RSS {out['rss_mb']:.1f} MiB after {out['requests']} mixed requests "
        f"(peak {out['hwm_mb']:.1f} MiB)")
    return out


def fixed_cost_workload(args, commands):
    """Workload 7: what a request costs the cache has not seen, on the bundled graph, against the
    static ceiling: `{ __typename }` (the stack alone), every statistic's Point lookup in turn,
    and the search box's request (top 10 with highlights) over 20 rotating queries."""
    directory = Path(DATA) / "fixed"
    shutil.rmtree(directory, ignore_errors=True)
    logs = directory / "logs"
    logs.mkdir(parents=True)
    servers = {}
    out = {}
    try:
        cached = start_ours("ours_cached", "ours, response cache on (default)", directory / "graph.db",
                            directory / "index", logs / "ours-cached.log", timeout=300)
        servers["ours_cached"] = cached
        stop(cached.process)  # the first start imported the bundled graph; the second server shares it
        shutil.copytree(directory / "index", directory / "index-b")
        servers["ours_cached"] = start_ours("ours_cached", "ours, response cache on (default)",
                                            directory / "graph.db", directory / "index", logs / "ours-cached.log")
        servers["ours_uncached"] = start_ours("ours_uncached", "ours, response cache off (--response-cache-mb 0)",
                                              directory / "graph.db", directory / "index-b",
                                              logs / "ours-uncached.log", cache_mb=0)
        slugs = point_samples(directory / "graph.db")
        workloads = {
            "typename": ([body(TYPENAME_QUERY)], '"__typename":"Query"'),
            "point": ([body(POINT_QUERY, {"slug": slug}) for slug in slugs], POINT_EXPECT),
            "search": ([body(HIGHLIGHT_QUERY, {"q": q}) for q in HIGHLIGHT_WORDS], '"highlights":['),
        }
        for workload, (lines, expect) in workloads.items():
            bodies = write_bodies(directory / f"{workload}-bodies.jsonl", lines)
            status, captured = post_raw(servers["ours_uncached"].url, lines[0].encode())
            if status != 200 or b'"errors"' in captured or expect.encode() not in captured:
                raise BenchError(f"cannot capture a {workload} answer for the ceiling: {captured[:300]!r}")
            ceiling_body = directory / f"{workload}-ceiling-body.json"
            ceiling_body.write_bytes(captured)
            ceiling = start_ceiling(ceiling_body, logs / f"ceiling-{workload}.log")
            post_many(servers["ours_cached"], lines)
            runs = []
            try:
                for round_number in range(1, args.rounds + 1):
                    for name, server in (("ceiling", ceiling), ("ours_cached", servers["ours_cached"]),
                                         ("ours_uncached", servers["ours_uncached"])):
                        result = timed_run(server, bodies, expect, args, commands, name.startswith("ours"))
                        result.update(round=round_number, target=name, label=server.label)
                        runs.append(result)
                        log(f"bundled round {round_number} {workload} {name}: {result['rps']:.0f} req/s, "
                            f"p50 {result['latency_us']['p50'] / 1000:.2f} ms")
            finally:
                stop(ceiling.process)
            entry = {"requests": len(lines), "runs": runs, "median_rps": {}, "ratios": {}}
            for target in ("ceiling", "ours_cached", "ours_uncached"):
                entry["median_rps"][target] = median([r["rps"] for r in runs if r["target"] == target])
            by_round = {}
            for result in runs:
                by_round.setdefault(result["round"], {})[result["target"]] = result
            for ours in ("ours_cached", "ours_uncached"):
                per_round = [rounds[ours]["rps"] / rounds["ceiling"]["rps"] for _, rounds in sorted(by_round.items())]
                entry["ratios"][f"{ours}/ceiling"] = {"per_round": per_round, "median": median(per_round)}
            out[workload] = entry
    finally:
        for server in servers.values():
            stop(server.process)
    return out


# ---------------------------------------------------------------- the analyzer's cost

def build_base(commit, timings):
    """The release binary of `commit` (the last one before the mixed-script analyzer), built
    from `git archive` in target/bench-base with a target directory of its own."""
    resolved = run(["git", "rev-parse", commit], timeout=60, capture=True).strip()
    stamp = Path(BASE_DIR) / "commit"
    if Path(BASE_BINARY).exists() and stamp.exists() and stamp.read_text().strip() == resolved:
        return resolved
    source = Path(BASE_DIR) / "src"
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir(parents=True)
    archive = Path(BASE_DIR) / "src.tar"
    run(["git", "archive", "--format=tar", "-o", str(archive), resolved], timeout=300)
    run(["tar", "-xf", str(archive), "-C", str(source)], timeout=300)
    archive.unlink()
    build = ["cargo", "build", "--release", "--locked", "--bin", "achievement-graph"]
    log(f"building the base {resolved[:12]}: {shlex.join(build)} (in {source})")
    started = time.monotonic()
    run(build, timeout=3600, cwd=source, env=dict(os.environ, CARGO_TARGET_DIR=str(ROOT / BASE_DIR / "target")))
    timings["base_build_s"] = time.monotonic() - started
    stamp.write_text(resolved)
    return resolved


def chinese_dataset(path, documents, seed=SEED):
    """A dataset of Chinese text: `documents` documents of 24 sentences each, drawn (seeded)
    from the sentences of tests/fixtures/chinese.json, with three organizations per document
    whose sources are spans of it. Only for measuring: the bundled graph stays the article."""
    fixture = json.loads((ROOT / "tests/fixtures/chinese.json").read_text())
    text = fixture["documents"][0]["text"]
    sentences = [piece + "。" for piece in text.split("。") if piece]
    rng = random.Random(seed)
    dataset = {"format": fixture["format"], "documents": [], "countries": fixture["countries"],
               "cities": fixture["cities"], "organizations": []}
    for n in range(documents):
        body_text = "".join(rng.choice(sentences) for _ in range(24))
        document = f"zh-document-{n}"
        dataset["documents"].append({"id": document, "title": f"Chinese text {n}", "publisher": None,
                                     "publishedOn": None, "text": body_text})
        for organization in fixture["organizations"]:
            excerpt = organization["source"]["excerpt"]
            start = body_text.find(excerpt)
            if start < 0:
                continue
            dataset["organizations"].append({**organization, "id": f"{organization['id']}-{n}", "source": {
                "document": document, "start": start, "end": start + len(excerpt), "excerpt": excerpt}})
    path.write_text(json.dumps(dataset, ensure_ascii=False))


def first_answer(binary, db, index_dir, log_path, line, expect):
    """Starts a server; returns (ms from spawning it to the first good answer to `line`, the
    server), the server still running."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/graphql"
    started = time.perf_counter()
    process = spawn(ours_argv(db, index_dir, port, binary=binary), log_path, cpu=SERVER_CPU, env=ours_env())
    deadline = time.monotonic() + 600
    while True:
        try:
            status, raw = post_raw(url, line, timeout=10)
            if status == 200 and expect.encode() in raw and b'"errors"' not in raw:
                took = (time.perf_counter() - started) * 1000
                return took, Server("analysis", binary, process, port, log_path)
            raise BenchError(f"start: bad first answer {raw[:300]!r}")
        except (urllib.error.URLError, ConnectionError) as error:
            if isinstance(error, urllib.error.HTTPError):
                raise BenchError(f"start: HTTP {error.code}")
        if process.poll() is not None:
            raise BenchError(f"start: the server exited:\n{tail(log_path)}")
        if time.monotonic() > deadline:
            raise BenchError("start: no answer within 600 s")
        time.sleep(0.005)


def timed_post(server, line):
    """Milliseconds one request takes, end to end over a fresh connection."""
    started = time.perf_counter()
    status, raw = post_raw(server.url, line)
    if status != 200 or b'"errors"' in raw:
        raise BenchError(f"bad answer: {raw[:300]!r}")
    return (time.perf_counter() - started) * 1000


def analysis_workload(args, commands):
    """Workload 8: what the mixed-script analyzer (jieba, pinyin, traditional folding) costs,
    against the base commit's binary built alongside: binary size, start, memory, the first
    Chinese text (the dictionary loads then), index build throughput on English and Chinese
    text, and search latency (cache off) on each."""
    directory = Path(DATA) / "analysis"
    logs = directory / "logs"
    shutil.rmtree(directory, ignore_errors=True)
    logs.mkdir(parents=True)
    timings = {}
    base_commit = build_base(args.base_commit, timings)
    binaries = {"ours": BINARY, "base": BASE_BINARY}
    out = {"base_commit": base_commit, "timings": timings,
           "binary_bytes": {name: Path(path).stat().st_size for name, path in binaries.items()}}
    point = body(POINT_QUERY, {"slug": "team-china-gold-medals"}).encode()
    chinese_line = body(HIGHLIGHT_QUERY, {"q": "长春"}).encode()

    # Start on the bundled graph with its index present, alternating, and memory once started.
    bundled = directory / "bundled"
    bundled.mkdir()
    _, first = first_answer(BINARY, bundled / "graph.db", bundled / "index-ours", logs / "bundled-first.log", point,
                            POINT_EXPECT)
    stop(first.process)
    first_ms, dictionary = [], []
    runs = {name: {"start_ms": [], "rss_mb": []} for name in binaries}
    for attempt in range(args.cold_runs + 2):
        for name, binary in binaries.items():
            took, server = first_answer(binary, bundled / "graph.db", bundled / f"index-{name}",
                                        logs / f"start-{name}-{attempt}.log", point, POINT_EXPECT)
            try:
                if attempt == 0:
                    continue  # the first start of each builds its index
                runs[name]["start_ms"].append(took)
                runs[name]["rss_mb"].append(proc_status(server.process.pid).get("VmRSS"))
                if name == "ours":
                    # The first Chinese query loads jieba's dictionary; the next does not.
                    first_ms.append(timed_post(server, chinese_line))
                    after = proc_status(server.process.pid).get("VmRSS")
                    second = timed_post(server, chinese_line)
                    dictionary.append({"first_ms": first_ms[-1], "second_ms": second,
                                       "rss_after_mb": after, "rss_before_mb": runs[name]["rss_mb"][-1]})
            finally:
                stop(server.process)
    out["start"] = {name: {"median_start_ms": median(r["start_ms"]), "median_rss_mb": median(r["rss_mb"]), **r}
                    for name, r in runs.items()}
    out["first_chinese"] = {
        "runs": dictionary,
        "median_first_ms": median([d["first_ms"] for d in dictionary]),
        "median_second_ms": median([d["second_ms"] for d in dictionary]),
        "median_rss_growth_mb": median([d["rss_after_mb"] - d["rss_before_mb"] for d in dictionary
                                        if d["rss_after_mb"] and d["rss_before_mb"]]),
    }
    log(f"analysis: start {out['start']['ours']['median_start_ms']:.0f} ms (base "
        f"{out['start']['base']['median_start_ms']:.0f} ms), first Chinese search "
        f"{out['first_chinese']['median_first_ms']:.0f} ms")

    # Index build throughput: the 10k English dataset of the HTTP runs and a Chinese one.
    english = Path(DATA) / "10k"
    dataset, db = prepare(10_000, english, {})
    chinese = directory / "chinese"
    chinese.mkdir()
    chinese_json = chinese / "dataset.json"
    chinese_dataset(chinese_json, 2_500)
    run([BINARY, "import", str(chinese_json), "--database-url", f"sqlite://{chinese / 'graph.db'}", "--index-dir",
         str(chinese / "index-import")], 3600)
    shutil.rmtree(chinese / "index-import", ignore_errors=True)
    out["build"] = {}
    for text, (json_path, graph) in {"english": (dataset, db), "chinese": (chinese_json, chinese / "graph.db")}.items():
        entry = {"dataset_mb": json_path.stat().st_size / 1e6, "runs": {name: [] for name in binaries}}
        for attempt in range(args.cold_runs):
            for name, binary in binaries.items():
                index_dir = directory / f"index-{text}-{name}"
                shutil.rmtree(index_dir, ignore_errors=True)
                log_path = logs / f"build-{text}-{name}-{attempt}.log"
                _, server = first_answer(binary, graph, index_dir, log_path, b'{"query":"{ __typename }"}',
                                         '"__typename"')
                stop(server.process)
                entry["runs"][name].append(build_seconds(log_path))
        for name in binaries:
            seconds = median(entry["runs"][name])
            entry[name] = {"median_s": seconds, "mb_per_s": entry["dataset_mb"] / seconds if seconds else None}
        out["build"][text] = entry
        log(f"analysis: {text} index build {entry['ours']['mb_per_s']:.1f} MB/s (base "
            f"{entry['base']['mb_per_s']:.1f} MB/s)")

    # Search latency, cache off: English words on the English graph, Chinese on the Chinese one.
    workloads = {
        "english": (db, [body(HIGHLIGHT_QUERY, {"q": q}) for q in HIGHLIGHT_WORDS]),
        "chinese": (chinese / "graph.db", [body(HIGHLIGHT_QUERY, {"q": q}) for q in CHINESE_WORDS]),
    }
    out["search"] = {}
    for text, (graph, lines) in workloads.items():
        bodies = write_bodies(directory / f"{text}-bodies.jsonl", lines)
        servers = {}
        try:
            for name, binary in binaries.items():
                index_dir = directory / f"index-{text}-{name}"
                servers[name] = start_ours(name, binary, graph, index_dir, logs / f"search-{text}-{name}.log",
                                           cache_mb=0, binary=binary)
            results = []
            for round_number in range(1, args.rounds + 1):
                for name, server in servers.items():
                    result = timed_run(server, bodies, '"totalCount":', args, commands, True)
                    result.update(round=round_number, target=name)
                    results.append(result)
            entry = {"queries": [json.loads(line)["variables"]["q"] for line in lines], "runs": results}
            for name in binaries:
                mine = [r for r in results if r["target"] == name]
                entry[name] = {"median_rps": median([r["rps"] for r in mine]),
                               "median_p50_ms": median([r["latency_us"]["p50"] / 1000 for r in mine]),
                               "median_p99_ms": median([r["latency_us"]["p99"] / 1000 for r in mine])}
            out["search"][text] = entry
            log(f"analysis: {text} search {entry['ours']['median_rps']:.0f} req/s (base "
                f"{entry['base']['median_rps']:.0f} req/s)")
        finally:
            for server in servers.values():
                stop(server.process)
    return out


# ---------------------------------------------------------------- setup

def machine():
    model = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": model, "nproc": os.cpu_count(), "kernel": os.uname().release,
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}


def version(argv, pattern=r"(\d+\.\d+(?:\.\d+)?)"):
    """The first version number a command prints."""
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(pattern, out.stdout + out.stderr)
    return match.group(1) if match else None


def git():
    def git_out(*argv):
        try:
            return subprocess.run(["git", *argv], capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""
    return {"commit": git_out("rev-parse", "HEAD"), "dirty": bool(git_out("status", "--porcelain", "--untracked-files=no"))}


def ensure_wrk():
    if shutil.which("wrk"):
        return
    log("wrk is missing: installing it with apt-get")
    run(["apt-get", "install", "-y", "wrk"], timeout=600)
    if not shutil.which("wrk"):
        raise BenchError("wrk is not installed and could not be installed (apt-get install -y wrk)")


def main():
    global PIN, HAS_CACHE_FLAG, HAS_FAST_PATH_FLAG, YOGA, YOGA_DIR
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10k,100k", help="entity counts, comma-separated (10k,100k,1m)")
    parser.add_argument("--search-sizes", default="10k,100k,1m",
                        help="entity counts for the in-process search bench (its data is cached per size)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per workload (medians over them)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per timed wrk run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of wrk before each timed run (not counted)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--writes", type=int, default=50, help="mutations in the write-to-searchable workload")
    parser.add_argument("--write-budget", type=int, default=120,
                        help="seconds after which the write workload stops early (slow writes at large sizes)")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold starts of each kind per size")
    parser.add_argument("--mixed-requests", type=int, default=1000, help="requests before the bundled RSS reading")
    parser.add_argument("--quick", action="store_true", help="smoke pass: 10k, 2 rounds of 3 s (not a result)")
    parser.add_argument("--skip-search", action="store_true", help="do not run `cargo bench --bench search`")
    parser.add_argument("--skip-fixed", action="store_true",
                        help="do not run workload 7 (typename, point and search on the bundled graph)")
    parser.add_argument("--only-fixed", action="store_true",
                        help="run workload 7 alone (with --skip-search implied); the report keeps the rest from "
                             "the last target/bench/http.json")
    parser.add_argument("--skip-analysis", action="store_true",
                        help="do not run workload 8 (what the mixed-script analyzer costs, against --base-commit)")
    parser.add_argument("--only-analysis", action="store_true",
                        help="run workload 8 alone; the report keeps the rest from the last target/bench/http.json")
    parser.add_argument("--base-commit", default=BASE_COMMIT,
                        help="the commit workload 8 compares against (built into target/bench-base)")
    parser.add_argument("--skip-yoga", action="store_true", help="run without the graphql-yoga peer")
    parser.add_argument("--yoga-dir", default=YOGA_DIR, help="where server.mjs and compare.py are (relative paths)")
    parser.add_argument("--no-build", action="store_true", help="use the binaries already built")
    parser.add_argument("--no-report", action="store_true", help="write target/bench/http.json only")
    args = parser.parse_args()
    argv_shown = shlex.join(["python3", "scripts/bench/run.py", *sys.argv[1:]])
    if args.quick:
        args.sizes, args.rounds, args.duration, args.warmup = "10k", 2, 3, 1
        args.search_sizes = "10k"
        args.writes, args.cold_runs, args.mixed_requests = 10, 2, 300
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    YOGA_DIR = args.yoga_dir
    early_notes = []
    if args.rounds < 5 and not args.quick:
        early_notes.append(f"only {args.rounds} rounds (fewer than 5): the medians are not results")
    os.chdir(ROOT)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    PIN = bool(shutil.which("taskset")) and (os.cpu_count() or 1) >= 2
    if not PIN:
        log("fewer than 2 CPUs or no taskset: processes are not pinned (numbers are less stable)")
    started = datetime.datetime.now(datetime.timezone.utc)
    report = {
        "format": 1,
        "started": started.isoformat(timespec="seconds"),
        "command": argv_shown,
        "options": {k: v for k, v in vars(args).items()},
        "quick": args.quick,
        "machine": machine(),
        "git": git(),
        "pinning": f"servers on CPU {SERVER_CPU}, wrk on CPU {CLIENT_CPU}" if PIN else "none",
        "seed": SEED,
        "queries": {"point": POINT_QUERY, "nested": NESTED_QUERY, "search": SEARCH_QUERY, "write": RENAME_MUTATION,
                    "find": FIND_QUERY, "typename": TYPENAME_QUERY, "highlighted": HIGHLIGHT_QUERY},
        "load_start": os.getloadavg()[0],
        "sizes": {},
        "notes": early_notes,
        "commands": [],
    }
    commands = set()
    failures = []
    try:
        ensure_wrk()
        report["versions"] = {"wrk": version(["wrk", "-v"]), "node": version(["node", "--version"]),
                              "rustc": version(["rustc", "--version"]), "python": sys.version.split()[0]}
        if not args.no_build:
            build = ["cargo", "build", "--release", "--locked", "--bin", "achievement-graph", "--example", "ceiling"]
            log(shlex.join(build))
            run(build, timeout=3600)
        for path in (BINARY, CEILING):
            if not Path(path).exists():
                raise BenchError(f"{path} is missing: run cargo build --release --bin achievement-graph --example ceiling")
        help_text = run([BINARY, "serve", "--help"], timeout=30, capture=True)
        HAS_CACHE_FLAG = "--response-cache-mb" in help_text
        HAS_FAST_PATH_FLAG = "--fast-path" in help_text
        if not HAS_CACHE_FLAG:
            report["notes"].append("this build has no --response-cache-mb: ours ran once, with its defaults")
        YOGA = not args.skip_yoga
        if YOGA:
            if not (Path(YOGA_DIR) / "server.mjs").exists():
                raise BenchError(f"{YOGA_DIR}/server.mjs is missing: the graphql-yoga peer is required "
                                 "(or pass --skip-yoga, and the report says it was skipped)")
            if not (Path(YOGA_DIR) / "node_modules").exists():
                log(f"npm ci in {YOGA_DIR}")
                run(["npm", "ci", "--no-audit", "--no-fund"], timeout=1800, cwd=YOGA_DIR)
            report["versions"]["graphql-yoga"] = yoga_version()
        else:
            report["notes"].append("graphql-yoga was skipped (--skip-yoga): no peer ratios for Point and Nested")

        if args.only_fixed or args.only_analysis:
            sizes = []
            report["search"] = {"ran": False, "note": "--only-fixed: the search bench did not run"}
        elif not args.skip_search:
            search_sizes = [parse_size(s) for s in args.search_sizes.split(",") if s.strip()]
            env = dict(os.environ, AG_BENCH_SIZES=",".join(str(n) for n in search_sizes))
            log(f"AG_BENCH_SIZES={env['AG_BENCH_SIZES']} cargo bench --locked --bench search")
            run(["cargo", "bench", "--locked", "--bench", "search"], timeout=6 * 3600, env=env)
            report["search"] = {"ran": True,
                                "command": f"AG_BENCH_SIZES={env['AG_BENCH_SIZES']} cargo bench --locked --bench search"}
        else:
            report["search"] = {"ran": False, "note": "--skip-search: target/bench/search.json is from an earlier run "
                                                      "if present"}

        for entities in sizes:
            name = size_name(entities)
            directory = Path(DATA) / name
            (directory / "logs").mkdir(parents=True, exist_ok=True)
            timings = {}
            log(f"== {name} ({entities} entities)")
            dataset, db = prepare(entities, directory, timings)
            ensure_index(db, directory / "index", directory, timings)
            entry = {"entities": entities, "dataset_mb": dataset.stat().st_size / 1e6,
                     "db_mb": sum(p.stat().st_size for p in directory.glob("graph.db*")) / 1e6,
                     "index_mb": sum(p.stat().st_size for p in (directory / "index").rglob("*") if p.is_file()) / 1e6,
                     "counts": counts(db), "prepare": timings}
            report["sizes"][name] = entry
            entry["startup"] = startup_workload(name, directory, db, dataset, args)
            entry.update(load_workloads(name, directory, db, args, commands, report["notes"]))
            entry["write"] = write_workload(name, directory, db, args)
            if entry["write"].get("failed"):
                report["notes"].append(f"{name}: write-to-searchable failed: {entry['write']['failed']}")
                failures.append(f"{name} write-to-searchable")
                if "TIMEOUT" in entry["write"]["failed"]:
                    # How long the writes really take, past the default request timeout (10 s).
                    log(f"{name} write-to-searchable: again with --request-timeout-ms {RAISED_TIMEOUT_MS}")
                    raised = write_workload(name, directory, db, args,
                                            extra=("--request-timeout-ms", str(RAISED_TIMEOUT_MS)))
                    raised["flags"] = f"--request-timeout-ms {RAISED_TIMEOUT_MS}"
                    entry["write_raised_timeout"] = raised
            save(report, commands)
        if args.only_fixed or args.only_analysis:
            # Workload 7 or 8 alone: everything else stays as the last full run recorded it.
            previous = json.loads(Path(OUT).read_text()) if Path(OUT).exists() else {}
            key, number = ("fixed_cost", 7) if args.only_fixed else ("analysis", 8)
            measured = fixed_cost_workload(args, commands) if args.only_fixed else analysis_workload(args, commands)
            note = (f"workload {number} comes from a separate run ({report['started']}, commit "
                    f"{report['git']['commit'][:12]}): {argv_shown}")
            report = {**previous, key: measured, "notes": [*previous.get("notes", []), note]} if previous else {
                **report, key: measured}
            commands.update(previous.get("commands", []))
        else:
            report["bundled"] = bundled_workload(args)
            if not args.skip_fixed:
                report["fixed_cost"] = fixed_cost_workload(args, commands)
            if not args.skip_analysis:
                report["analysis"] = analysis_workload(args, commands)
        report["load_end"] = os.getloadavg()[0]
        report["finished"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        report["elapsed_s"] = (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds()
        save(report, commands)
        Path("target/bench/http-failed.json").unlink(missing_ok=True)
        log(f"wrote {OUT} ({report['elapsed_s'] / 60:.1f} min)")
    except BenchError as error:
        report["failed"] = str(error)
        save(report, commands, name="target/bench/http-failed.json")
        log(f"FAILED: {error}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        stop_all()
    code = 0
    if not args.no_report:
        argv = [sys.executable, "scripts/bench/report.py"]
        log(shlex.join(["python3", "scripts/bench/report.py"]))
        code = subprocess.run(argv, timeout=600).returncode
    if failures:
        log(f"FAILED workloads (recorded in {OUT} and BENCHMARKS.md): {', '.join(failures)}")
        return 1
    return code


def yoga_version():
    try:
        package = json.loads((Path(YOGA_DIR) / "node_modules" / "graphql-yoga" / "package.json").read_text())
        return package.get("version")
    except (OSError, ValueError):
        return None


def save(report, commands, name=OUT):
    report["commands"] = sorted(commands)
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    Path(name).write_text(json.dumps(report, indent=2) + "\n")


PIN = True
HAS_CACHE_FLAG = False
HAS_FAST_PATH_FLAG = False
YOGA = False

if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        stop_all()
