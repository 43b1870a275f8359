#!/usr/bin/env python3
"""Drives a server past its concurrency limit and reports what it sheds.

Starts the release binary on loopback with a small `--max-concurrent-requests`, records
its memory, then runs many client threads for a bounded time, each sending search
requests back to back. Reports how many were answered, how many were shed with 503
(`OVERLOADED`), the latency of accepted ones, memory before and after, and whether a
request right after the load is answered at once. Stops by itself.

    cargo build --release
    scripts/overload.py                      # 10 s, 200 client threads, limit 16
    scripts/overload.py --seconds 5 --clients 100 --limit 8

Standard library only; loopback only.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

QUERIES = ["skiing festival", "film", "sculpture park", "asian winter games", "vasalopet", "changchun", "expo", "trains",
           "friendship cities", "volkswagen"]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def request(address, text, timeout=30):
    body = json.dumps({"query": "query($q: String!) { search(query: $q, first: 10) { totalCount edges { highlights { snippet } } "
                                "facets { field values { value count } } } }", "variables": {"q": text}}).encode()
    req = urllib.request.Request(f"{address}/graphql", data=body, headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            answer = json.load(response)
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
        answer = json.load(error)
    took = time.perf_counter() - started
    if status == 200 and answer.get("errors"):
        raise RuntimeError(f"errors in an accepted answer: {answer['errors']}")
    code = (answer.get("errors") or [{}])[0].get("extensions", {}).get("code")
    return status, code, took


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default="target/release/achievement-graph")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--limit", type=int, default=16)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="ag-overload-")
    log_path = f"{workdir}/server.log"
    server = subprocess.Popen(
        [args.binary, "--listen", "127.0.0.1:0", "--database-url", f"sqlite://{workdir}/graph.db", "--index-dir",
         f"{workdir}/index", "--max-concurrent-requests", str(args.limit)],
        stdout=subprocess.DEVNULL, stderr=open(log_path, "w"), env=dict(os.environ, RUST_LOG="warn,achievement_graph::app=info"))
    try:
        deadline = time.time() + 60
        address = None
        while time.time() < deadline and address is None:
            text = open(log_path).read()
            if "listening addr=" in text:
                address = "http://" + text.split("listening addr=")[1].split()[0]
            elif server.poll() is not None:
                sys.exit(f"the server exited:\n{text}")
            time.sleep(0.02)
        if address is None:
            sys.exit("the server did not start")
        for text in QUERIES:  # warm up
            request(address, text)
        before = rss_kib(server.pid)

        results = []
        lock = threading.Lock()
        stop_at = time.time() + args.seconds

        def client(n):
            mine = []
            i = n
            while time.time() < stop_at:
                try:
                    mine.append(request(address, QUERIES[i % len(QUERIES)]))
                except Exception as error:  # connection refused or reset counts as a failure
                    mine.append((0, type(error).__name__, 0.0))
                i += 1
            with lock:
                results.extend(mine)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        for thread in threads:
            thread.start()
        peak = before
        while any(thread.is_alive() for thread in threads):
            peak = max(peak, rss_kib(server.pid))
            time.sleep(0.1)
        peak = max(peak, rss_kib(server.pid))
        after = rss_kib(server.pid)
        metrics = urllib.request.urlopen(f"{address}/metrics", timeout=10).read().decode()
        value = lambda name: sum(float(line.split()[-1]) for line in metrics.splitlines() if line.startswith(name))
        server_mean = value("achievement_graph_graphql_duration_seconds_sum") / max(1, value("achievement_graph_graphql_duration_seconds_count"))
        shed_counted = value('achievement_graph_rejections_total{reason="OVERLOADED"}')
        recovery_started = time.perf_counter()
        status, _, _ = request(address, "film")
        recovery = (time.perf_counter() - recovery_started) * 1000

        accepted = sorted(took * 1000 for status, _, took in results if status == 200)
        shed = [r for r in results if r[0] == 503 and r[1] == "OVERLOADED"]
        other = [r for r in results if r[0] not in (200,) and not (r[0] == 503 and r[1] == "OVERLOADED")]
        p = lambda q: accepted[min(len(accepted) - 1, int(q * (len(accepted) - 1)))] if accepted else float("nan")
        print(f"{args.clients} clients for {args.seconds:.0f} s against --max-concurrent-requests {args.limit}")
        print(f"requests: {len(results)}, answered 200: {len(accepted)}, shed 503 OVERLOADED: {len(shed)}, other: {len(other)}")
        if accepted:
            print(f"accepted latency: median {statistics.median(accepted):.1f} ms, p99 {p(0.99):.1f} ms, max {accepted[-1]:.1f} ms")
        print(f"server side (from /metrics): mean time to answer an accepted request {server_mean * 1000:.1f} ms, "
              f"OVERLOADED counted {shed_counted:.0f}")
        print(f"memory (RSS): before {before / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB, after {after / 1024:.1f} MiB")
        print(f"first request after the load: status {status} in {recovery:.1f} ms")
        if other:
            print(f"unexpected answers (first 5): {other[:5]}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
