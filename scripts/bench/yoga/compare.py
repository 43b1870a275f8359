#!/usr/bin/env python3
"""Checks that the graphql-yoga peer answers the benchmark queries exactly as ours does.

    python3 scripts/bench/yoga/compare.py --ours http://127.0.0.1:8080/graphql \\
        --peer http://127.0.0.1:8081/graphql --db g.db --samples 200

Sends the Nested query once and the Point query for SAMPLES statistic slugs taken from
the SQLite database (a seeded random sample of `SELECT id FROM statistics`, all of them
when there are fewer, plus one slug that does not exist), to both servers, and compares
the parsed JSON answers: same keys in the same order, same list order, same nulls, same
strings; numbers are compared by value, so `2227765.0` (Rust) equals `2227765` (Node).
Every answer must be HTTP 200 with `data` and no `errors`.

Exits 0 when all answers are equal; otherwise prints the first difference (the query,
the JSON path and both values) and exits 1. The last line printed is a one-line summary.
Python 3 standard library only.
"""
import argparse
import json
import random
import sqlite3
import sys
import urllib.error
import urllib.request
from pathlib import Path

POINT = ("query Point($slug: String!) { statistic(slug: $slug) { slug label value unit qualifier period version "
         "source { start end excerpt } } }")
NESTED = ("query Nested { events(first: 50) { nodes { slug name startDate city { slug name "
          "achievements(first: 20) { nodes { slug title rank } } } } } }")
MISSING_SLUG = "no-such-statistic-for-compare"


class Mismatch(Exception):
    pass


def post(url, query, variables=None, timeout=30):
    """POSTs a GraphQL request; returns the parsed answer, raising on HTTP or JSON errors."""
    body = {"query": query}
    if variables is not None:
        body["variables"] = variables
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"content-type": "application/json", "accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    if status != 200:
        raise Mismatch(f"{url} answered HTTP {status}: {raw[:400]!r}")
    try:
        answer = json.loads(raw)
    except ValueError as error:
        raise Mismatch(f"{url} answered invalid JSON ({error}): {raw[:400]!r}") from None
    if not isinstance(answer, dict) or "data" not in answer or answer.get("errors"):
        raise Mismatch(f"{url} answered with errors or without data: {json.dumps(answer)[:400]}")
    return answer


def kind(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "object"


def short(value):
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 300 else text[:300] + "..."


def first_difference(a, b, path="$"):
    """Returns (path, a, b) of the first difference between two parsed answers, or None."""
    if kind(a) != kind(b):
        return path, a, b
    if isinstance(a, dict):
        if list(a) != list(b):
            return path + " (keys)", list(a), list(b)
        for key in a:
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        if len(a) != len(b):
            return path + " (length)", len(a), len(b)
        return None
    return None if a == b else (path, a, b)


def compare(args, name, query, variables=None):
    ours = post(args.ours, query, variables)
    peer = post(args.peer, query, variables)
    found = first_difference(ours, peer)
    if found:
        path, a, b = found
        raise Mismatch(f"{name} {json.dumps(variables) if variables else ''} differs at {path}:\n"
                       f"  ours: {short(a)}\n  peer: {short(b)}")
    return ours


def slugs(db, samples, seed):
    path = Path(db).resolve()
    if not path.is_file():
        raise SystemExit(f"no database file at {db}")
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        every = [row[0] for row in connection.execute("SELECT id FROM statistics ORDER BY seq")]
    finally:
        connection.close()
    if len(every) <= samples:
        return every
    return random.Random(seed).sample(every, samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ours", required=True, help="our GraphQL endpoint, e.g. http://127.0.0.1:8080/graphql")
    parser.add_argument("--peer", required=True, help="the graphql-yoga endpoint")
    parser.add_argument("--db", required=True, help="the SQLite database both servers read")
    parser.add_argument("--samples", type=int, default=200, help="how many statistic slugs to compare (200)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the slug sample (1)")
    args = parser.parse_args()

    chosen = slugs(args.db, args.samples, args.seed)
    if not chosen:
        raise SystemExit(f"{args.db} has no statistics to compare")
    try:
        nested = compare(args, "Nested", NESTED)
        events = nested["data"]["events"]["nodes"]
        achievements = sum(len(e["city"]["achievements"]["nodes"]) for e in events if e.get("city"))
        if not events:
            raise Mismatch("Nested: both servers answered no events, nothing was compared")
        nulls = 0
        for slug in chosen + [MISSING_SLUG]:
            answer = compare(args, "Point", POINT, {"slug": slug})
            statistic = answer["data"]["statistic"]
            if slug == MISSING_SLUG:
                if statistic is not None:
                    raise Mismatch(f"Point: both servers found the statistic {slug!r}, which should not exist")
            elif statistic is None or statistic.get("slug") != slug:
                raise Mismatch(f"Point: both servers answered {short(statistic)} for the existing slug {slug!r}")
            nulls += statistic is None
    except Mismatch as error:
        print(f"DIFFERENCE: {error}")
        print("compare: FAILED")
        return 1
    except (urllib.error.URLError, OSError) as error:
        print(f"compare: FAILED to reach a server: {error}")
        return 1
    print(f"compare: all equal: Nested ({len(events)} events, {achievements} achievements) and Point "
          f"({len(chosen)} statistics + {nulls} missing slug)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
