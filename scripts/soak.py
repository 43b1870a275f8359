#!/usr/bin/env python3
"""A soak run: two replicas of achievement-graph on one PostgreSQL database, under a
steady mix of reads, searches, writes and subscriptions, for a given time, on loopback.

    python3 scripts/soak.py                      # 30 minutes, target/release/achievement-graph
    python3 scripts/soak.py --minutes 3 --sample-seconds 20     # a short pass
    python3 scripts/soak.py --binary target/debug/achievement-graph

What runs:
- two servers (replicas A and B) on a fresh PostgreSQL database made for the run
  (`--postgres`, default postgres://postgres@127.0.0.1:5432; dropped at the end unless
  --keep), each with its own index directory under target/soak/;
- readers: graph queries of many shapes (entities by slug, nested lists, pages), half of
  them with arguments that vary, so most miss the response cache;
- searchers: queries drawn from the graph's own words, in ones, twos and threes, with
  typos and filters, with highlights;
- a writer: creates a document with a word of its own on one replica, alternating, then
  updates and deletes older ones, so the graph's size stays level;
- subscribers: a graphql-transport-ws subscription to `changes` on each replica. Every
  write must reach the other replica's subscribers; the time from the write's answer on
  one replica to the change on the other is the replica's lag.

Every `--sample-seconds` (60) it samples, per replica: RSS and open file descriptors (from
/proc), index segments (the .idx files in its directory), and the latency percentiles
of each kind of request since the last sample. It prints a table and writes every sample
to target/soak/report.json.

It fails (exit 1) on any error (a non-200, an `errors` entry, a write not seen by the other
replica's subscribers, a server that exits), on a replica lag above `--max-lag` seconds
(1), and on growth that does not level off: over the samples after the first quarter of
the run, RSS may not rise by more than 10% + 16 MiB from the first half to the second,
file descriptors by more than 8, nor segments by more than 16.

Python 3.11 standard library and `websockets` (pip install websockets==15.0.1); psql for
the database.
"""
import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from websockets.sync.client import connect as ws_connect

ROOT = Path(__file__).resolve().parent.parent
TOKEN_NAME, TOKEN = "soak", "soak-secret"
OUT = ROOT / "target" / "soak"


# --- servers -------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(url, sql):
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True, capture_output=True, text=True)


class Replica:
    def __init__(self, name, binary, database_url, directory):
        self.name = name
        self.port = free_port()
        self.index_dir = directory / f"index-{name}"
        self.log_path = directory / f"{name}.log"
        env = dict(os.environ, AG_TOKENS=f"{TOKEN_NAME}={TOKEN}", RUST_LOG="warn,achievement_graph=info",
                   AG_POLL_INTERVAL_MS="200")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [str(binary), "--listen", f"127.0.0.1:{self.port}", "--database-url", database_url,
             "--index-dir", str(self.index_dir)],
            env=env, stdout=subprocess.DEVNULL, stderr=self.log, start_new_session=True)
        deadline = time.time() + 120
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"replica {name} exited ({self.process.returncode}): see {self.log_path}")
            try:
                status, _ = request(self.port, "GET", "/readyz")
                if status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise SystemExit(f"replica {name} is not ready after 120 s: see {self.log_path}")
            time.sleep(0.1)

    def rss_mib(self):
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def fds(self):
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))

    def segments(self):
        return sum(1 for p in self.index_dir.glob("*.idx"))

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# --- HTTP ---------------------------------------------------------------------------

def request(port, method, path, body=None, headers=None, connection=None):
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        if own:
            connection.close()


class Client:
    """A keep-alive connection to one replica, reopened after an error."""

    def __init__(self, port):
        self.port = port
        self.connection = None

    def graphql(self, query, variables=None, token=False):
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {TOKEN}"
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            status, raw = request(self.port, "POST", "/graphql", body, headers, self.connection)
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = None
            raise
        answer = json.loads(raw) if raw else {}
        if status != 200 or answer.get("errors") or "data" not in answer:
            raise RuntimeError(f"{status} {raw[:300]!r} for {query[:80]!r} {json.dumps(variables)[:200]}")
        return answer["data"]


# --- the mix ------------------------------------------------------------------------

class Stats:
    """Latencies and errors per kind, since the last sample; lags; thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = {}
        self.errors = []
        self.lags = []
        self.counts = {}

    def record(self, kind, seconds):
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            self.counts[kind] = self.counts.get(kind, 0) + 1

    def error(self, text):
        with self.lock:
            self.errors.append(f"{time.strftime('%H:%M:%S')} {text}")
        print(f"ERROR {text}", file=sys.stderr, flush=True)

    def lag(self, seconds):
        with self.lock:
            self.lags.append(seconds)

    def take(self):
        with self.lock:
            latencies, self.latencies = self.latencies, {}
            lags, self.lags = self.lags, []
            return latencies, lags


def timed(stats, kind, call):
    started = time.perf_counter()
    try:
        result = call()
    except Exception as error:  # noqa: BLE001 - every failure is a finding
        stats.error(f"{kind}: {error}")
        return None
    stats.record(kind, time.perf_counter() - started)
    return result


READS = [
    ("{ achievements { nodes { rank title cities { name } statistics { value unit } } } }", lambda r, g: {}),
    ("query($slug: String!) { city(slug: $slug) { name country { name } achievements { nodes { title } } events { name } } }",
     lambda r, g: {"slug": r.choice(g["cities"])}),
    ("query($slug: String!) { statistic(slug: $slug) { label value unit stated { text } source { excerpt } } }",
     lambda r, g: {"slug": r.choice(g["statistics"])}),
    ("query($slug: String!) { event(slug: $slug) { name startDate city { name } statistics { value } } }",
     lambda r, g: {"slug": r.choice(g["events"])}),
    ("query($first: Int!) { organizations(first: $first) { nodes { name slug } pageInfo { endCursor } } }",
     lambda r, g: {"first": r.randint(1, 40)}),
    ("query($first: Int!) { statistics(first: $first) { totalCount nodes { label value achievement { title } } } }",
     lambda r, g: {"first": r.randint(1, 60)}),
    ("{ countries { name cities { name } } }", lambda r, g: {}),
]

SEARCH = """query($q: String!, $types: [SearchType!], $first: Int!) {
  search(query: $q, types: $types, first: $first) {
    totalCount suggestions
    edges { highlights { field snippet ranges { start end } } node { __typename } } } }"""

TYPES = [None, ["CITY"], ["ACHIEVEMENT", "EVENT"], ["STATISTIC"], ["ORGANIZATION"], ["DOCUMENT"]]


def graph_names(client):
    data = client.graphql("""{ cities(first: 100) { nodes { slug name } } events(first: 100) { nodes { slug name } }
        statistics(first: 100) { nodes { slug label } } achievements { nodes { title } }
        organizations(first: 100) { nodes { name } } }""")
    nodes = {key: value["nodes"] for key, value in data.items()}
    words = set()
    for text in [c["name"] for c in nodes["cities"]] + [e["name"] for e in nodes["events"]] + \
            [a["title"] for a in nodes["achievements"]] + [o["name"] for o in nodes["organizations"]] + \
            [s["label"] for s in nodes["statistics"]]:
        words.update(w.strip("().,'\"").lower() for w in text.split() if len(w) > 3)
    return {"cities": [c["slug"] for c in nodes["cities"]], "events": [e["slug"] for e in nodes["events"]],
            "statistics": [s["slug"] for s in nodes["statistics"]], "words": sorted(w for w in words if w.isalpha())}


def typo(r, word):
    if len(word) < 5:
        return word
    i = r.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def reader(stop, stats, clients, graph, seed, pause):
    r = random.Random(seed)
    while not stop.is_set():
        query, variables = r.choice(READS)
        client = r.choice(clients)
        timed(stats, "read", lambda: client.graphql(query, variables(r, graph)))
        stop.wait(pause)


def searcher(stop, stats, clients, graph, seed, pause):
    r = random.Random(seed)
    words = graph["words"]
    while not stop.is_set():
        q = " ".join(r.sample(words, r.choice([1, 1, 2, 3])))
        if r.random() < 0.2:
            q = typo(r, q)
        variables = {"q": q, "types": r.choice(TYPES), "first": r.choice([5, 10, 20])}
        client = r.choice(clients)
        timed(stats, "search", lambda: client.graphql(SEARCH, variables))
        stop.wait(pause)


SUBSCRIBE = "subscription { changes(types: [DOCUMENT]) { kind type id generation } }"


class Subscriber(threading.Thread):
    """A graphql-transport-ws subscription to one replica's changes; records when each
    document id was last seen, per kind."""

    def __init__(self, replica, stats, stop):
        super().__init__(daemon=True)
        self.replica, self.stats, self.stop = replica, stats, stop
        self.seen = {}
        self.cond = threading.Condition()
        self.ready = threading.Event()

    def run(self):
        url = f"ws://127.0.0.1:{self.replica.port}/graphql/ws"
        try:
            with ws_connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:
                ws.send(json.dumps({"type": "connection_init", "payload": {}}))
                ack = json.loads(ws.recv(timeout=10))
                if ack.get("type") != "connection_ack":
                    raise RuntimeError(f"no ack: {ack}")
                ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
                self.ready.set()
                while not self.stop.is_set():
                    try:
                        message = json.loads(ws.recv(timeout=1))
                    except TimeoutError:
                        continue
                    if message.get("type") == "ping":
                        ws.send(json.dumps({"type": "pong"}))
                        continue
                    if message.get("type") != "next" or message.get("payload", {}).get("errors"):
                        raise RuntimeError(f"subscription on {self.replica.name}: {message}")
                    change = message["payload"]["data"]["changes"]
                    with self.cond:
                        self.seen[(change["kind"], change["id"])] = time.perf_counter()
                        self.cond.notify_all()
        except Exception as error:  # noqa: BLE001
            if not self.stop.is_set():
                self.stats.error(f"subscriber on {self.replica.name}: {error!r}")
        finally:
            self.ready.set()

    def wait_for(self, key, timeout):
        deadline = time.perf_counter() + timeout
        with self.cond:
            while key not in self.seen:
                left = deadline - time.perf_counter()
                if left <= 0:
                    return None
                self.cond.wait(left)
            return self.seen.pop(key)


CREATE = """mutation($title: String!, $text: String!) {
  createDocument(input: { title: $title, text: $text }) { id version } }"""
UPDATE = """mutation($id: ID!, $text: String!, $v: Int!) {
  updateDocument(id: $id, patch: { text: $text }, expectedVersion: $v) { id version } }"""
DELETE = "mutation($id: ID!) { deleteDocument(id: $id) }"


def writer(stop, stats, replicas, clients, subscribers, pause, max_lag):
    """Writes on A and B in turn; each write must reach the other replica's subscriber."""
    n = 0
    live = []  # (replica index, id, version)
    while not stop.is_set():
        n += 1
        side = n % 2
        other = 1 - side
        client = clients[side]
        if len(live) >= 20 and n % 3 == 0:
            _, doc, _ = live.pop(0)
            kind, call = "DELETED", lambda: client.graphql(DELETE, {"id": doc}, token=True)
            result = timed(stats, "write", call)
            key = ("DELETED", doc) if result is not None else None
        elif live and n % 3 == 1:
            i = random.randrange(len(live))
            _, doc, version = live[i]
            call = lambda: client.graphql(UPDATE, {"id": doc, "text": f"revised soak{n} text", "v": version},  # noqa: E731
                                          token=True)
            result = timed(stats, "write", call)
            key = None
            if result is not None:
                live[i] = (side, doc, result["updateDocument"]["version"])
                key = ("UPDATED", doc)
        else:
            word = f"soakword{n}"
            call = lambda: client.graphql(CREATE, {"title": f"Soak {word}", "text": f"{word} written by the soak run"},  # noqa: E731
                                          token=True)
            result = timed(stats, "write", call)
            key = None
            if result is not None:
                doc = result["createDocument"]["id"]
                live.append((side, doc, result["createDocument"]["version"]))
                key = ("CREATED", doc)
        if key is not None:
            acknowledged = time.perf_counter()
            seen = subscribers[other].wait_for(key, timeout=max(10.0, max_lag * 5))
            subscribers[side].wait_for(key, timeout=10.0)
            if seen is None:
                stats.error(f"{key} written on {replicas[side].name} never reached {replicas[other].name}'s subscriber")
            else:
                lag = max(0.0, seen - acknowledged)
                stats.lag(lag)
                if lag > max_lag:
                    stats.error(f"replica {replicas[other].name} fell {lag:.3f} s behind on {key}")
        stop.wait(pause)


# --- sampling and verdict -----------------------------------------------------------

def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def sample(replicas, stats, started):
    latencies, lags = stats.take()
    row = {"minute": round((time.time() - started) / 60, 2), "replicas": {}, "latency_ms": {}, "requests": {}}
    for replica in replicas:
        if replica.process.poll() is not None:
            stats.error(f"replica {replica.name} exited ({replica.process.returncode})")
            continue
        row["replicas"][replica.name] = {"rss_mib": round(replica.rss_mib(), 1), "fds": replica.fds(),
                                         "segments": replica.segments()}
    for kind, values in sorted(latencies.items()):
        row["requests"][kind] = len(values)
        row["latency_ms"][kind] = {f"p{p}": round(percentile(values, p) * 1000, 2) for p in (50, 95, 99)}
    row["lag_ms"] = {"max": round(max(lags) * 1000, 1) if lags else None,
                     "p50": round(statistics.median(lags) * 1000, 1) if lags else None, "n": len(lags)}
    row["errors"] = len(stats.errors)
    return row


def print_row(row):
    parts = [f"{row['minute']:6.1f} min"]
    for name, r in row["replicas"].items():
        parts.append(f"{name}: rss {r['rss_mib']:.0f} MiB fds {r['fds']} seg {r['segments']}")
    for kind, l in row["latency_ms"].items():
        parts.append(f"{kind} n={row['requests'][kind]} p50 {l['p50']} p99 {l['p99']} ms")
    parts.append(f"lag max {row['lag_ms']['max']} ms")
    parts.append(f"errors {row['errors']}")
    print(" | ".join(parts), flush=True)


def growth(samples):
    """Problems with growth over the samples after the first quarter."""
    problems = []
    steady = samples[max(1, len(samples) // 4):]
    if len(steady) < 2:
        return ["too few samples to judge growth: run longer or sample more often"]
    half = len(steady) // 2
    first, second = steady[:half] or steady[:1], steady[half:]
    for name in steady[0]["replicas"]:
        def series(part, key):
            return [s["replicas"][name][key] for s in part if name in s["replicas"]]
        rss_a, rss_b = max(series(first, "rss_mib")), max(series(second, "rss_mib"))
        if rss_b > rss_a * 1.10 + 16:
            problems.append(f"{name}: RSS still rising, {rss_a:.0f} MiB -> {rss_b:.0f} MiB")
        fds_a, fds_b = max(series(first, "fds")), max(series(second, "fds"))
        if fds_b > fds_a + 8:
            problems.append(f"{name}: file descriptors still rising, {fds_a} -> {fds_b}")
        seg_a, seg_b = max(series(first, "segments")), max(series(second, "segments"))
        if seg_b > seg_a + 16:
            problems.append(f"{name}: index segments still rising, {seg_a} -> {seg_b}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--sample-seconds", type=float, default=60)
    parser.add_argument("--binary", default=str(ROOT / "target/release/achievement-graph"))
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--readers", type=int, default=3)
    parser.add_argument("--searchers", type=int, default=2)
    parser.add_argument("--pause-ms", type=float, default=10, help="each reader and searcher waits this long between requests")
    parser.add_argument("--write-pause-ms", type=float, default=200)
    parser.add_argument("--max-lag", type=float, default=1.0)
    parser.add_argument("--keep", action="store_true", help="keep the database and target/soak/")
    args = parser.parse_args()
    binary = Path(args.binary)
    if not binary.exists():
        raise SystemExit(f"{binary} is missing: cargo build --release")

    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("index-*"):
        subprocess.run(["rm", "-rf", str(old)], check=True)
    database = f"ag_soak_{os.getpid()}"
    admin = f"{args.postgres}/postgres"
    psql(admin, f"CREATE DATABASE {database}")
    database_url = f"{args.postgres}/{database}"
    replicas, stop, threads = [], threading.Event(), []
    stats = Stats()
    samples = []
    try:
        replicas.append(Replica("A", binary, database_url, OUT))
        replicas.append(Replica("B", binary, database_url, OUT))
        clients_for = lambda: [Client(r.port) for r in replicas]  # noqa: E731
        graph = graph_names(Client(replicas[0].port))
        preflight = Client(replicas[0].port)
        for query, variables in READS:
            preflight.graphql(query, variables(random.Random(0), graph))
        preflight.graphql(SEARCH, {"q": graph["words"][0], "types": None, "first": 5})
        subscribers = [Subscriber(r, stats, stop) for r in replicas]
        for s in subscribers:
            s.start()
            s.ready.wait(10)
        pause = args.pause_ms / 1000
        for i in range(args.readers):
            threads.append(threading.Thread(target=reader, args=(stop, stats, clients_for(), graph, i, pause), daemon=True))
        for i in range(args.searchers):
            threads.append(threading.Thread(target=searcher, args=(stop, stats, clients_for(), graph, 100 + i, pause),
                                            daemon=True))
        threads.append(threading.Thread(target=writer, args=(stop, stats, replicas, clients_for(), subscribers,
                                                              args.write_pause_ms / 1000, args.max_lag), daemon=True))
        for t in threads:
            t.start()
        started = time.time()
        end = started + args.minutes * 60
        print(f"soak: {args.minutes} min, replicas A :{replicas[0].port} and B :{replicas[1].port} on {database}",
              flush=True)
        while time.time() < end:
            time.sleep(min(args.sample_seconds, max(0.0, end - time.time())))
            row = sample(replicas, stats, started)
            samples.append(row)
            print_row(row)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
        for replica in replicas:
            replica.stop()
        if not args.keep:
            try:
                psql(admin, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            except subprocess.CalledProcessError as error:
                print(f"could not drop {database}: {error.stderr}", file=sys.stderr)

    problems = list(stats.errors[:20])
    lags = [s["lag_ms"]["max"] for s in samples if s["lag_ms"]["max"] is not None]
    if not lags:
        problems.append("no write reached the other replica")
    problems += growth(samples)
    total = {}
    for s in samples:
        for kind, n in s["requests"].items():
            total[kind] = total.get(kind, 0) + n
    report = {"minutes": args.minutes, "requests": total, "errors": stats.errors, "max_lag_ms": max(lags or [None]),
              "samples": samples, "problems": problems}
    (OUT / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"requests: {total}; max replica lag {report['max_lag_ms']} ms; errors {len(stats.errors)}")
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems))
        sys.exit(1)
    print("passed: no errors, the replica within the lag, memory, descriptors and segments level")


if __name__ == "__main__":
    main()
