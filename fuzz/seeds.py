#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora and dictionaries from the project's own material:
the hostile requests of tests/hostile/corpus.json, queries the README and the benchmarks
send, the mutations of the integration suite, the search box's words, and the bundled and
Chinese datasets. Seeds are named by the SHA-1 of their bytes, as libFuzzer names what it
finds; running it again adds nothing that is already there.

    python3 fuzz/seeds.py          # from the repository root

The corpora committed are these seeds plus what the fuzzers found, minimised with
`cargo fuzz cmin` (scripts/fuzz.sh --minimise).
"""

import hashlib
import json
import re
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
DICT = ROOT / "fuzz" / "dict"

# The request target's first byte: bit 0 GET, bits 1-2 the content type (json,
# graphql-response+json, text/plain, none), bits 3-4 the accept, bit 5 the token.
CONTENT_TYPES = {"application/json": 0, "application/graphql-response+json": 1, "text/plain": 2, None: 3}

QUERIES = [
    "{ __typename }",
    "{ achievements(first: 3) { totalCount nodes { rank title cities { name country { name } } } } }",
    "query($slug: String!) { statistic(slug: $slug) { slug label value unit qualifier period version source { start end excerpt } } }",
    "{ events(first: 50) { nodes { slug name startDate city { slug name achievements(first: 20) { nodes { slug title rank } } } } } }",
    "query($q: String!) { search(query: $q, first: 10) { totalCount suggestions warnings facets { field values { value count } } "
    "edges { cursor node { __typename ... on Achievement { slug title } ... on Statistic { slug label value } } "
    "highlights { field snippet ranges { start end } utf16Ranges { start end } } } pageInfo { hasNextPage endCursor } } }",
    "{ achievements(filter: { category: SPORTS }, last: 1) { totalCount nodes { rank title events { name organizers { name } "
    "statistics { label value unit qualifier period source { excerpt } } } } } }",
    "{ countries { name cities { name friends { name } } } }",
    "query { documents { slug title publisher publishedOn } lists { slug title achievements { rank title } } }",
    "{ node(id: \"Q2l0eTpjaGFuZ2NodW4=\") { id ... on City { name } } }",
    "{ city(slug: \"changchun\") { name achievements(first: 2, after: \"YXJyYXljb25uZWN0aW9uOjA=\") { edges { cursor node { title } } } } }",
    "query Q { ...F } fragment F on Query { organizations(first: 5) { nodes { name kind events { name } } } }",
    "{ a: statistic(slug: \"team-china-gold-medals\") { value } b: statistic(slug: \"nope\") { value } }",
    "query { __schema { queryType { name } types { name kind } } }",
    "mutation { createCountry(input: { name: \"Fuzzland\" }) { slug } }",
    "subscription { changes { kind target { id } } }",
]

MUTATIONS = [
    # (index into the harness's MUTATIONS, variables)
    (0, {"input": {"title": "A note", "text": "The city held 3 fairs.", "publisher": "Us", "publishedOn": "2020-01-02"}}),
    (1, {"id": "RG9jdW1lbnQ6Y2hhbmdjaHVuLXRvcC10ZW4tMjAxOQ==", "patch": {"publisher": None}, "v": 1}),
    (2, {"id": "RG9jdW1lbnQ6bm9wZQ==", "cascade": True}),
    (3, {"input": {"name": "Finland"}}),
    (3, {"input": {"name": ""}}),
    (4, {"id": "Q291bnRyeTpqYXBhbg==", "patch": {"name": "Nippon"}, "v": 7}),
    (5, {"id": "Q291bnRyeTpqYXBhbg==", "cascade": False}),
    (6, {"input": {"name": "Oulu", "countryId": "Q291bnRyeTpjaGluYQ=="}}),
    (6, {"input": {"name": "长春市", "countryId": "Q291bnRyeTpjaGluYQ=="}}),
    (7, {"id": "Q2l0eTpzZW5kYWk=", "patch": {"name": "Sendai City"}}),
    (8, {"id": "Q2l0eTpzZW5kYWk=", "cascade": True}),
    (9, {"a": "Q2l0eTpjaGFuZ2NodW4=", "b": "Q2l0eTpzZW5kYWk=", "source": {"documentId": "RG9jdW1lbnQ6Y2hhbmdjaHVuLXRvcC10ZW4tMjAxOQ==", "start": 5, "end": 2}}),
    (10, {"a": "Q2l0eTpjaGFuZ2NodW4=", "b": "Q2l0eTpjaGFuZ2NodW4="}),
    (11, {"input": {"name": "中国第一汽车集团有限公司", "kind": "COMPANY"}}),
    (11, {"input": {"name": "VW Owners Club", "kind": "NOPE"}}),
    (12, {"id": "T3JnYW5pemF0aW9uOnZvbGtzd2FnZW4=", "patch": {"name": None}}),
    (13, {"id": "T3JnYW5pemF0aW9uOnZvbGtzd2FnZW4=", "v": -1}),
    (14, {"input": {"name": "Ice Fair", "startDate": "2019-02-30", "cityId": "Q2l0eTpjaGFuZ2NodW4="}}),
    (15, {"id": "RXZlbnQ6bm9wZQ==", "patch": {"startDate": "1999"}}),
    (16, {"id": "RXZlbnQ6bm9wZQ==", "cascade": None}),
    (17, {"input": {"title": "Another list", "year": 2019}}),
    (18, {"id": "QWNoaWV2ZW1lbnRMaXN0Om5vcGU=", "patch": {}}),
    (20, {"input": {"title": "Eleventh", "rank": 11, "category": "SPORTS", "listId": "QWNoaWV2ZW1lbnRMaXN0OmNoYW5nY2h1bi10b3AtdGVu"}}),
    (21, {"id": "QWNoaWV2ZW1lbnQ6bm9wZQ==", "patch": {"rank": 0}}),
    (22, {"id": "QWNoaWV2ZW1lbnQ6bm9wZQ==", "cascade": True, "v": 2}),
    (23, {"a": "QWNoaWV2ZW1lbnQ6bm9wZQ==", "b": "Q2l0eTpjaGFuZ2NodW4="}),
    (25, {"input": {"label": "fairs held", "value": "3", "unit": "fairs", "qualifier": "MORE_THAN",
                    "subjectId": "Q2l0eTpjaGFuZ2NodW4=",
                    "source": {"documentId": "RG9jdW1lbnQ6Y2hhbmdjaHVuLXRvcC10ZW4tMjAxOQ==", "start": 0, "end": 40}}}),
    (26, {"id": "U3RhdGlzdGljOnRlYW0tY2hpbmEtZ29sZC1tZWRhbHM=", "patch": {"value": "1e400"}}),
    (27, {"a": "U3RhdGlzdGljOnRlYW0tY2hpbmEtZ29sZC1tZWRhbHM=", "b": "Q291bnRyeTpjaGluYQ=="}),
    (28, {"id": "U3RhdGlzdGljOnRlYW0tY2hpbmEtZ29sZC1tZWRhbHM=", "v": 1}),
    (29, {"d": {"format": 1, "documents": []}, "mode": "MERGE"}),
    (29, {"d": "not a dataset", "mode": "REPLACE"}),
]

SEARCHES = [
    "gold medals", "skiing festival", "sculpture park", "high-speed trains", "automobile", "friendship cities",
    "asian winter games", "volkswagen", "\"asian winter games\"", "sculpt*", "vasalopet", "-film culture",
    "film NOT festival", "type:event city:changchun", "category:sports skiing", "highspeed", "vasa loppet", "vw",
    "faw", "how many gold medals did China win", "when was the fiml festival held", "汽车", "电影", "长春", "長春電影",
    "\"位于长春\"", "一汽 大众", "大众 Volkswagen", "dianying", "changchun dianying", "qiche", "カメラ", "한국어",
    "(a OR b) \"unbalanced", "*", "\"\"", "-", "a" * 300, "🚗 汽车", "type: city:", "ski* OR skating",
]


def write(target, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def request_seeds():
    hostile = json.loads((ROOT / "tests/hostile/corpus.json").read_text())
    for case in hostile:
        body = case.get("body")
        if body is None:
            body = ""
        body = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        get = case.get("method") == "GET"
        flags = (1 if get else 0) | (CONTENT_TYPES.get(case.get("content_type"), 0) << 1) | 0x20
        if get:
            body = json.dumps(dict(urllib.parse.parse_qsl(case.get("query") or ""))).encode()
        write("request", bytes([flags]) + body)
    for query in QUERIES:
        body = json.dumps({"query": query, "variables": {"slug": "team-china-gold-medals", "q": "ski*"}}).encode()
        write("request", bytes([0x20]) + body)
        write("request", bytes([0x01]) + json.dumps({"query": query}).encode())
    batch = json.dumps([{"query": QUERIES[0]}, {"query": QUERIES[1]}]).encode()
    write("request", bytes([0]) + batch)
    apq = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}}
    write("request", bytes([1]) + json.dumps(apq).encode())


def mutation_seeds():
    for which, variables in MUTATIONS:
        write("mutation", bytes([which]) + json.dumps(variables, ensure_ascii=False).encode())


def search_seeds():
    for text in SEARCHES:
        write("search", text.encode())


def dataset_seeds():
    write("dataset", (ROOT / "tests/fixtures/chinese.json").read_bytes())
    bundled = json.loads((ROOT / "data/changchun-top-ten-2019.json").read_text())
    write("dataset", json.dumps(bundled, ensure_ascii=False).encode())
    # A small valid dataset and a few broken ones: libFuzzer grows inputs slowly.
    small = json.loads((ROOT / "tests/fixtures/chinese.json").read_text())
    write("dataset", json.dumps({"format": small["format"], "countries": small["countries"]}, ensure_ascii=False).encode())
    for broken in ['{"format": 1}', '{"format": 2, "documents": [{"id": "x"}]}', "[]", '{"format": 1, "cities": [{}]}']:
        write("dataset", broken.encode())


def dictionaries():
    DICT.mkdir(parents=True, exist_ok=True)
    schema = (ROOT / "schema.graphql").read_text()
    names = sorted(set(re.findall(r"^\s+(\w+)[(:]", schema, re.M)) | set(re.findall(r"^(?:type|input|enum|interface|union) (\w+)", schema, re.M)))
    graphql = ["{", "}", "(", ")", "[", "]", ":", "$", "!", "@", "...", "query", "mutation", "subscription", "fragment",
               " on ", "@skip(if: true)", "@include(if: false)", "__typename", "__schema", "__type", "first:", "after:",
               "last:", "before:", "\\u0000", "\\\"", "null", "true", "false", "1e309", "-1", "2147483648"]
    json_tokens = ['"query"', '"variables"', '"operationName"', '"extensions"', '"persistedQuery"', '"sha256Hash"',
                   '"documentId"', '"version"']
    def dict_file(name, words):
        # libFuzzer's dictionary format: printable ASCII as is, `\\` and `\"` escaped, any
        # other byte (UTF-8 included) as \xNN.
        def escape(word):
            out = []
            for byte in word.encode():
                if byte in (0x5C, 0x22):
                    out.append("\\" + chr(byte))
                elif 0x20 <= byte < 0x7F:
                    out.append(chr(byte))
                else:
                    out.append(f"\\x{byte:02X}")
            return '"' + "".join(out) + '"'
        lines = [escape(w) for w in dict.fromkeys(words)]
        (DICT / f"{name}.dict").write_text("\n".join(lines) + "\n")
    dict_file("request", graphql + json_tokens + names)
    dataset = json.loads((ROOT / "data/changchun-top-ten-2019.json").read_text())
    keys = set()
    def walk(value):
        if isinstance(value, dict):
            for k, v in value.items():
                keys.add(k)
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
    walk(dataset)
    inputs = re.findall(r"^input (\w+) \{(.*?)^\}", schema, re.M | re.S)
    input_fields = sorted({f for _, body in inputs for f in re.findall(r"^\s+(\w+):", body, re.M)})
    enums = sorted({v for body in re.findall(r"^enum \w+ \{(.*?)^\}", schema, re.M | re.S)
                    for v in re.findall(r"^\s+([A-Z_]+)\s*$", body, re.M)})
    ids = ["Q2l0eTpjaGFuZ2NodW4=", "Q291bnRyeTpjaGluYQ==", "RG9jdW1lbnQ6Y2hhbmdjaHVuLXRvcC10ZW4tMjAxOQ=="]
    dict_file("mutation", [f'"{f}"' for f in input_fields] + enums + ids + ["null", "true", "-1", "\"\"", "{}", "[]"])
    dict_file("dataset", [f'"{k}"' for k in sorted(keys)] + ["null", "[]", "{}", "-1", "1e309", "\"\\u0000\""])
    dict_file("search", ["\"", "*", "-", " OR ", " NOT ", "(", ")", "type:", "city:", "category:", "event", "sports",
                         "changchun", "festival", "汽车", "长春", "電影", "dianying", "vw", "highspeed", "the", "how"])


if __name__ == "__main__":
    request_seeds()
    mutation_seeds()
    search_seeds()
    dataset_seeds()
    dictionaries()
    for target in sorted(p.name for p in CORPUS.iterdir()):
        print(target, len(list((CORPUS / target).iterdir())), "seeds")
