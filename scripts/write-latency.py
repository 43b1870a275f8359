#!/usr/bin/env python3
"""Measures write-to-searchable latency on one replica and across two replicas.

Starts two server processes (replicas) on one database, each with its own index,
then, N times: renames a city through replica A with a word never seen before,
checks that a search on A finds it as soon as the mutation answers (read-your-writes),
and polls replica B until its search finds it too.

    scripts/write-latency.py                              # SQLite file shared by both
    scripts/write-latency.py --database-url postgres://postgres@127.0.0.1:5432/test

With PostgreSQL, a fresh database is created next to the one given and dropped after.
Loopback only; stops by itself (every wait is bounded). Needs a release build:
`cargo build --release`. Standard library only.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

TOKEN = "latency-script-secret"


def post(address, query, variables=None, token=None, timeout=30):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"{address}/graphql", data=body, headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        answer = json.load(response)
    if answer.get("errors"):
        raise RuntimeError(f"errors: {answer['errors']}")
    return answer["data"]


def start(binary, database_url, index_dir, log_path):
    log = open(log_path, "w")
    env = dict(os.environ, AG_TOKENS=f"latency={TOKEN}", RUST_LOG="warn,achievement_graph::app=info")
    process = subprocess.Popen(
        [binary, "--listen", "127.0.0.1:0", "--database-url", database_url, "--index-dir", index_dir],
        stdout=subprocess.DEVNULL, stderr=log, env=env)
    deadline = time.time() + 120
    while time.time() < deadline:
        text = open(log_path).read()
        if "listening addr=" in text:
            address = "http://" + text.split("listening addr=")[1].split()[0]
            return process, address
        if process.poll() is not None:
            sys.exit(f"the server exited:\n{text}")
        time.sleep(0.02)
    process.kill()
    sys.exit("the server did not start within 120 s")


def word(n):
    letters = ""
    while True:
        letters = chr(ord("a") + n % 26) + letters
        n //= 26
        if n == 0:
            return "lat" + letters


def found(address, name):
    data = post(address, 'query($q: String!) { search(query: $q, types: [CITY]) { edges { node { ... on City { slug } } } } }',
                {"q": name})
    return any(edge["node"]["slug"] == "sendai" for edge in data["search"]["edges"])


def summary(label, values):
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    print(f"{label}: median {statistics.median(values):.1f} ms, p95 {p95:.1f} ms, worst {values[-1]:.1f} ms (n={len(values)})")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default="target/release/achievement-graph")
    parser.add_argument("--database-url", help="postgres://... (default: a SQLite file in a temporary directory)")
    parser.add_argument("--writes", type=int, default=50)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="ag-latency-")
    fresh_db = None
    if args.database_url and args.database_url.startswith("postgres"):
        base, _ = args.database_url.rsplit("/", 1)
        fresh_db = f"ag_latency_{os.getpid()}"
        subprocess.run(["psql", args.database_url, "-qc", f"CREATE DATABASE {fresh_db}"], check=True)
        database_url = f"{base}/{fresh_db}"
    else:
        database_url = f"sqlite://{workdir}/graph.db"
    servers = []
    try:
        a, address_a = start(args.binary, database_url, f"{workdir}/index-a", f"{workdir}/a.log")
        servers.append(a)
        b, address_b = start(args.binary, database_url, f"{workdir}/index-b", f"{workdir}/b.log")
        servers.append(b)
        city = post(address_a, '{ city(slug: "sendai") { id } }')["city"]["id"]
        same, across = [], []
        for n in range(args.writes):
            name = word(n)
            started = time.perf_counter()
            post(address_a, 'mutation($id: ID!, $n: String!) { updateCity(id: $id, patch: { name: $n }) { id } }',
                 {"id": city, "n": f"Sendai {name}"}, token=TOKEN)
            acknowledged = time.perf_counter()
            if not found(address_a, name):
                sys.exit(f"read-your-writes broken: replica A does not find {name} after the mutation answered")
            same.append((acknowledged - started) * 1000)
            while not found(address_b, name):
                if time.perf_counter() - started > 10:
                    sys.exit(f"replica B did not find {name} within 10 s")
                time.sleep(0.002)
            across.append((time.perf_counter() - started) * 1000)
        backend = "PostgreSQL (LISTEN/NOTIFY)" if fresh_db else "SQLite file (polling)"
        print(f"backend: {backend}, {args.writes} writes through replica A")
        summary("same replica: mutation sent -> answered, searchable on A", same)
        summary("other replica: mutation sent -> searchable on B", across)
    finally:
        for process in servers:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        if fresh_db:
            subprocess.run(["psql", args.database_url, "-qc", f"DROP DATABASE IF EXISTS {fresh_db} WITH (FORCE)"])


if __name__ == "__main__":
    main()
