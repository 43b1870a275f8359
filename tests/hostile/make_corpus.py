#!/usr/bin/env python3
"""Writes corpus.json: hostile requests, each with the status and error code the server
must answer with. The test `hostile::every_hostile_request_gets_its_expected_answer`
replays it against a real server. Run from this folder after changing the cases:

    python3 make_corpus.py

A case: name, method (GET/POST), content_type, accept (the `Accept` header; absent:
`application/graphql-response+json`, whose statuses say whether anything ran), body
(POST) or query (GET, a query string), status, code (null: no error expected; "any":
some error code). Bodies may use
«pad:N» (N bytes of `x`) and «rep:N:TEXT» (TEXT N times), expanded by the test,
to keep this file small.
"""
import json
import urllib.parse

cases = []


def post(name, body, status, code, content_type="application/json", accept=None):
    case = {"name": name, "method": "POST", "content_type": content_type, "body": body, "status": status, "code": code}
    if accept is not None:
        case["accept"] = accept
    cases.append(case)


def gql(name, query, status, code, variables=None, operation=None, accept=None, extensions=None):
    request = {"query": query} if query is not None else {}
    if variables is not None:
        request["variables"] = variables
    if operation is not None:
        request["operationName"] = operation
    if extensions is not None:
        request["extensions"] = extensions
    post(name, json.dumps(request, ensure_ascii=False), status, code, accept=accept)


def get(name, params, status, code, accept=None):
    case = {"name": name, "method": "GET", "content_type": None, "query": urllib.parse.urlencode(params),
            "status": status, "code": code}
    if accept is not None:
        case["accept"] = accept
    cases.append(case)


# 1. Bodies that are not GraphQL requests.
for i, body in enumerate(['{', '}', '{"query"', '{"query": }', 'null', '123', '"query"', 'true', '{}', '{"query": 5}', '{"query": ""}',
                          '{"query": null}', '{"query": ["{ a }"]}', '{"variables": {}}', '{"query": "{ countries { name } }", "variables": 5}',
                          '{"query": "{ countries { name } }", "variables": "x"}', '\u0000\u0001\u0002', '{"query": "\\ud800"}',
                          ' ', '{"query": "{ countries { name } }",}', "{'query': '{ countries { name } }'}"]):
    post(f"malformed json {i}", body, 400, "BAD_REQUEST")

# 2. Text that is not GraphQL.
for i, query in enumerate(['{', '}', '{ countries { name }', 'query {', '{ countries(first: ) { name } }', '{ countries { name } } }',
                           'quer { countries { name } }', '{ "countries" }', '{ countries { name @ } }', '{ ... }',
                           'fragment on Country { name }', '{ countries { ...  } }', '{ countries { name } } garbage',
                           '{ countries(: 1) { name } }', 'mutation', '{ a: b: c }', '{ countries { name }}}}}', '{{{{}}}}',
                           '\u0000', '{ countries { name } # unterminated "']):
    gql(f"malformed graphql {i}", query, 400, "GRAPHQL_PARSE_FAILED")

# 3. Deep nesting.
for depth in [11, 12, 15, 20, 30, 50]:
    gql(f"deep selection {depth}", "{ " + "countries { " * depth + "name " + "} " * depth + "}", 400, "TOO_DEEP")
for depth in [40, 100, 1000]:
    gql(f"deep brackets {depth}", f'{{ search(query: "x", types: «rep:{depth}:[»«rep:{depth}:]») {{ totalCount }} }}', 400,
        "TOO_DEEP" if depth < 1000 else "TOO_MANY_TOKENS")
for depth in [100, 500]:
    gql(f"deep braces {depth}", f"«rep:{depth}:{{»«rep:{depth}:}}»", 400, "TOO_DEEP")
for depth in [2000, 100000]:
    gql(f"deep braces {depth}", f"«rep:{depth}:{{»«rep:{depth}:}}»", 400, "TOO_MANY_TOKENS" if depth < 8000 else "QUERY_TOO_LARGE")
for depth in [11, 16]:
    gql(f"deep through fragments {depth}",
        "{ countries { ...f0 } } " + " ".join(f"fragment f{i} on Country {{ cities {{ country {{ ...f{i + 1} }} }} }}" for i in range(depth))
        + f" fragment f{depth} on Country {{ name }}", 400, "TOO_DEEP")

# 4. Alias floods.
for n in [31, 40, 60, 100, 200, 400]:
    gql(f"alias flood {n} in one field", "{ countries { " + " ".join(f"a{i}: name" for i in range(n)) + " } }", 400,
        "TOO_MANY_ALIASES" if n * 3 < 2000 else "TOO_MANY_TOKENS")
for n in [21, 30, 50]:
    gql(f"root field flood {n}", "{ " + " ".join("documents { title }" for i in range(n)) + " }", 400,
        "TOO_MANY_ROOT_FIELDS")
for n in [16, 31]:
    gql(f"aliases multiplied by fragments {n}",
        "{ countries { ...f ...f ...f } } fragment f on Country { " + " ".join(f"a{i}: name" for i in range(n)) + " }", 400,
        "TOO_MANY_ALIASES")

# 5. Directive floods.
for n in [6, 10, 50, 100, 300]:
    code = "TOO_MANY_DIRECTIVES" if n * 8 < 2000 else "TOO_MANY_TOKENS"
    gql(f"directive flood {n}", "{ countries { name " + "@include(if: true) " * n + "} }", 400, code)
for n in [6, 20]:
    gql(f"directive flood on a fragment spread {n}",
        "{ countries { ...f " + "@skip(if: false) " * n + "} } fragment f on Country { name }", 400, "TOO_MANY_DIRECTIVES")
gql("unknown directive", "{ countries { name @nonsense } }", 400, "GRAPHQL_VALIDATION_FAILED")

# 6. Fragment bombs and cycles.
for width, levels in [(2, 12), (2, 20), (2, 40), (3, 15), (4, 10), (10, 5), (2, 60)]:
    fragments = " ".join(f"fragment f{i} on Country {{ {' '.join(f'...f{i - 1}' for _ in range(width))} }}" for i in range(1, levels))
    gql(f"fragment bomb {width}^{levels}", f"{{ countries {{ ...f{levels - 1} }} }} fragment f0 on Country {{ name }} {fragments}",
        400, "TOO_MANY_SELECTIONS")
gql("fragment cycle of two", "{ countries { ...a } } fragment a on Country { ...b } fragment b on Country { ...a }", 400,
    "GRAPHQL_VALIDATION_FAILED")
gql("fragment spreading itself", "{ countries { ...a } } fragment a on Country { name ...a }", 400, "GRAPHQL_VALIDATION_FAILED")
gql("unknown fragment", "{ countries { ...missing } }", 400, "GRAPHQL_VALIDATION_FAILED")
gql("fragment on a wrong type", "{ countries { ...f } } fragment f on Event { name }", 400, "GRAPHQL_VALIDATION_FAILED")

# 7. Page sizes and complexity.
for first in [101, 1000, 2147483647, -1]:
    gql(f"first {first}", f"{{ events(first: {first}) {{ nodes {{ name }} }} }}", 200, "BAD_USER_INPUT")
    gql(f"last {first}", f"{{ events(last: {first}) {{ nodes {{ name }} }} }}", 200, "BAD_USER_INPUT")
# The engine coerces an Int literal just beyond Int's range only as the field runs: the
# answer has `data: null` and an error with a path, so it is a 200.
gql("first beyond Int 2147483648", "{ events(first: 2147483648) { nodes { name } } }", 200, "GRAPHQL_VALIDATION_FAILED")
gql("first beyond Int 99999999999999999999", "{ events(first: 99999999999999999999) { nodes { name } } }", 400,
    "GRAPHQL_VALIDATION_FAILED")
gql("first as a string", '{ events(first: "10") { nodes { name } } }', 400, "GRAPHQL_VALIDATION_FAILED")
gql("search first 1000", '{ search(query: "x", first: 1000) { totalCount } }', 200, "BAD_USER_INPUT")
for n in [2, 3]:
    nested = "{ events(first: 100) { nodes { " + "achievements { events { " * n + "name" + " } }" * n + " } } }"
    gql(f"complexity bomb {n}", nested, 400, "TOO_COMPLEX")
gql("complexity via variables", "query($n: Int) { events(first: $n) { nodes { achievements { events { achievements { name } } } } } }",
    400, "TOO_COMPLEX", variables={"n": 100})
gql("nodes with too many ids", "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", 200, "BAD_USER_INPUT",
    variables={"ids": ["Q291bnRyeTpjaGluYQ"] * 101})

# 8. Wrong variable types and arguments.
for i, (query, variables) in enumerate([
    ("query($s: String!) { city(slug: $s) { name } }", {"s": 5}),
    ("query($s: String!) { city(slug: $s) { name } }", {}),
    ("query($s: String!) { city(slug: $s) { name } }", {"s": None}),
    ("query($s: String!) { city(slug: $s) { name } }", {"s": ["a"]}),
    ("query($s: String!) { city(slug: $s) { name } }", {"s": {"a": 1}}),
    ("query($n: Int) { events(first: $n) { nodes { name } } }", {"n": "ten"}),
    ("query($n: Int) { events(first: $n) { nodes { name } } }", {"n": 1.5}),
    ("query($n: Int) { events(first: $n) { nodes { name } } }", {"n": 1e30}),
    ("query($t: [SearchType!]) { search(query: \"x\", types: $t) { totalCount } }", {"t": ["PLANET"]}),
    ("query($t: [SearchType!]) { search(query: \"x\", types: $t) { totalCount } }", {"t": [None]}),
    ("query($c: AchievementCategory) { achievements(filter: { category: $c }) { totalCount } }", {"c": "sports"}),
    ("query($f: AchievementFilter) { achievements(filter: $f) { totalCount } }", {"f": {"nope": 1}}),
    ("query($id: ID!) { node(id: $id) { id } }", {"id": 12.5}),
    ("query($q: String!) { search(query: $q) { totalCount } }", {"q": None}),
    ("query($q: String!) { search(query: $q) { totalCount } }", {"q": True}),
    ("query($x: Unknown) { countries { name } }", {"x": 1}),
    ("query($x: Int) { countries { name } }", {"x": "not used"}),
    ("{ city(slug: 5) { name } }", None),
    ("{ events(first: \"many\") { nodes { name } } }", None),
    ("{ countries(limit: 5) { name } }", None),
]):
    gql(f"wrong type {i}", query, 400, "GRAPHQL_VALIDATION_FAILED", variables=variables)
for i, query in enumerate(['{ node(id: "not-an-id") { id } }', '{ node(id: "") { id } }', '{ node(id: "UGxhbmV0Om1hcnM") { id } }',
                           '{ achievements(filter: { listId: "QmFk" }) { totalCount } }',
                           '{ statistics(filter: { subjectId: "Q291bnRyeTpjaGluYQ" }) { totalCount } }',
                           '{ events(after: "garbage") { nodes { name } } }', '{ search(query: "x", after: "zzz") { totalCount } }',
                           '{ search(query: "x", filter: { cityId: "Q291bnRyeTpjaGluYQ" }) { totalCount } }']):
    gql(f"bad id or cursor {i}", query, 200, "BAD_USER_INPUT")
for i, query in enumerate(['{ nonsense }', '{ countries { nonsense } }', '{ countries }', '{ __typename __schema { queryType { nope } } }',
                           'subscription { nonsense }', '{ countries { name(arg: 1) } }']):
    gql(f"unknown field {i}", query, 400, "GRAPHQL_VALIDATION_FAILED")
gql("two anonymous operations", "{ countries { name } } { documents { title } }", 400, "GRAPHQL_PARSE_FAILED")
gql("unknown operation name", "query A { countries { name } }", 400, "GRAPHQL_VALIDATION_FAILED", operation="B")

# 9. Enormous strings.
gql("query text over the size limit", "{ countries { name } }«rep:20000: »", 400, "QUERY_TOO_LARGE")
for size in [1000, 10000, 100000, 500000]:
    post(f"long search string {size}", '{"query": "query($q: String!) { search(query: $q) { totalCount warnings } }", '
         '"variables": {"q": "«pad:' + str(size) + '»"}}', 200, None)
for size in [10000, 100000]:
    post(f"long unused variable {size}", '{"query": "{ countries { name } }", "variables": {"x": "«pad:' + str(size) + '»"}}',
         200, None)
post("long operation name", '{"query": "{ countries { name } }", "operationName": "«pad:5000»"}', 400, "GRAPHQL_VALIDATION_FAILED")
gql("long slug", '{ city(slug: "«pad:5000»") { name } }', 200, None)
gql("long alias name", "{ «pad:5000»: countries { name } }", 200, None)

# 10. Batches.
post("empty batch", "[]", 400, "BATCHING_DISABLED")
post("batch of one", json.dumps([{"query": "{ countries { name } }"}]), 400, "BATCHING_DISABLED")
post("batch of ten", json.dumps([{"query": "{ countries { name } }"}] * 10), 400, "BATCHING_DISABLED")
post("batch of a thousand", '[«rep:999:{"query": "{ countries { name } }"}, »{"query": "{ countries { name } }"}]', 400,
     "BATCHING_DISABLED")
post("batch with leading spaces", "   " + json.dumps([{"query": "{ countries { name } }"}]), 400, "BATCHING_DISABLED")
post("batch of garbage", "[1, 2, 3]", 400, "BATCHING_DISABLED")

# 11. Mutations over GET, and GET oddities.
mutation = 'mutation { createCountry(input: { name: "Atlantis" }) { id } }'
get("mutation over get", {"query": mutation}, 405, "METHOD_NOT_ALLOWED")
get("named mutation over get", {"query": "mutation M { deleteStatistic(id: \"x\") }", "operationName": "M"}, 405, "METHOD_NOT_ALLOWED")
get("mutation among queries over get", {"query": "query Q { countries { name } } mutation M { deleteStatistic(id: \"x\") }"}, 405,
    "METHOD_NOT_ALLOWED")
get("chosen mutation over get", {"query": "query Q { countries { name } } mutation M { deleteStatistic(id: \"x\") }",
                                 "operationName": "M"}, 405, "METHOD_NOT_ALLOWED")
get("subscription over get", {"query": "subscription { changes { id } }"}, 405, "METHOD_NOT_ALLOWED")
get("import over get", {"query": "mutation { importDataset(dataset: {}) { created } }"}, 405, "METHOD_NOT_ALLOWED")
get("query over get", {"query": "{ countries { name } }"}, 200, None)
get("query with variables over get", {"query": "query($s: String!) { city(slug: $s) { name } }", "variables": '{"s": "changchun"}'},
    200, None)
get("bad variables over get", {"query": "{ countries { name } }", "variables": "{not json"}, 400, "BAD_REQUEST")
get("deep query over get", {"query": "{ " + "countries { " * 12 + "name" + " }" * 12 + " }"}, 400, "TOO_DEEP")

for method in ["PUT", "DELETE", "PATCH"]:
    cases.append({"name": f"{method} on /graphql", "method": method, "content_type": "application/json",
                  "body": json.dumps({"query": "{ countries { name } }"}), "status": 405, "code": "METHOD_NOT_ALLOWED"})

# 12. What a cross-site form can send.
for content_type in ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x", "text/html",
                     "application/xml", "", "application/graphql", "text/plain; charset=utf-8", "application/jsonx",
                     "application/x-www-form-urlencoded; charset=utf-8"]:
    post(f"content type {content_type or 'none'}", json.dumps({"query": "{ countries { name } }"}), 415, "UNSUPPORTED_MEDIA_TYPE",
         content_type=content_type or None)
post("form-encoded mutation", "query=mutation+%7B+deleteStatistic%28id%3A+%22x%22%29+%7D", 415, "UNSUPPORTED_MEDIA_TYPE",
     content_type="application/x-www-form-urlencoded")

# 13. Oversized bodies.
for size in [1100000, 2000000, 5000000]:
    post(f"body of {size} bytes", '{"query": "{ countries { name } }", "variables": {"x": "«pad:' + str(size) + '»"}}', 413,
         "PAYLOAD_TOO_LARGE")

# 14. Hostile search syntax: never an error.
for i, text in enumerate(['"unbalanced', '((((((', ')))))', '«rep:500:(»x«rep:500:)»', 'a AND OR NOT b', 'NOT', '-', '--x', '*', '**',
                          'x*' * 50, 'type:', 'type:planet', 'city:', 'category:nonsense', ':::', 'a:b:c:d', '\\', '\\"', '\u0000x',
                          '\u202e\u202d', '𝕏𝕐ℤ', '"' * 101, 'x ' * 300, '~1 ^2 [a TO b] {c TO d}', '/regex.*/', 'title:(a OR b)',
                          '+a +b -c', '""', 'AND AND AND', 'OR', 'skiing~2', 'ski^100', '«pad:1000»', '🙂 🙃', 'SELECT * FROM cities',
                          "'; DROP TABLE cities; --", '<script>alert(1)</script>', '%00%0a', '\t\n\r']):
    gql(f"hostile search {i}", "query($q: String!) { search(query: $q) { totalCount warnings edges { node { __typename } } } }", 200,
        None, variables={"q": text})

# 15. Mutations without a token, and hostile inputs to them.
gql("mutation without a token", 'mutation { createCountry(input: { name: "Atlantis" }) { id } }', 401, "UNAUTHENTICATED")
gql("delete without a token", 'mutation { deleteStatistic(id: "not-an-id") }', 401, "UNAUTHENTICATED")
gql("import without a token", "mutation($d: JSON!) { importDataset(dataset: $d) { created } }", 401, "UNAUTHENTICATED",
    variables={"d": {"format": "x"}})
gql("mutation with a wrong input type", 'mutation { createCountry(input: { name: 5 }) { id } }', 401, "UNAUTHENTICATED")
gql("mutation with a missing input", "mutation { createCountry { id } }", 401, "UNAUTHENTICATED")
gql("history without a token", '{ city(slug: "changchun") { history { actor } } }', 200, "UNAUTHENTICATED")
gql("history with a huge first", '{ city(slug: "changchun") { history(first: 100000) { actor } } }', 200, "UNAUTHENTICATED")

# 16. Introspection floods stay within the limits.
gql("introspection", "{ __schema { types { name fields { name } } } }", 200, None)
gql("a long ofType chain", "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } }",
    200, None)
gql("recursive introspection", "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }", 400,
    "INTROSPECTION_TOO_DEEP")
gql("recursive introspection by __type", '{ __type(name: "Query") { fields { type { interfaces { possibleTypes { name } } } } } }',
    400, "INTROSPECTION_TOO_DEEP")
gql("recursive introspection through fragments",
    "{ __schema { types { ...A } } } fragment A on __Type { fields { type { ...B } } } fragment B on __Type { inputFields { type { ...C } } } "
    "fragment C on __Type { possibleTypes { name } }", 400, "INTROSPECTION_TOO_DEEP")

# 17. For a client that accepts only application/json, a request error is a 200 (the spec's
# rule for that media type); what is not a GraphQL request is still a 4xx.
json_only = "application/json"
gql("json: malformed graphql", "{ countries {", 200, "GRAPHQL_PARSE_FAILED", accept=json_only)
gql("json: unknown field", "{ nonsense }", 200, "GRAPHQL_VALIDATION_FAILED", accept=json_only)
gql("json: too deep", "{ " + "countries { " * 11 + "name " + "} " * 11 + "}", 200, "TOO_DEEP", accept=json_only)
gql("json: variable coercion", "query($n: Int!) { countries(first: $n) { name } }", 200, "GRAPHQL_VALIDATION_FAILED",
    variables={"n": "x"}, accept=json_only)
post("json: malformed json", "{ not json", 400, "BAD_REQUEST", accept=json_only)
gql("json: mutation without a token", 'mutation { createCountry(input: { name: "Atlantis" }) { id } }', 401,
    "UNAUTHENTICATED", accept=json_only)
gql("json: only html accepted", "{ countries { name } }", 406, "NOT_ACCEPTABLE", accept="text/html")
get("json: mutation over GET", {"query": "mutation { deleteStatistic(id: \"x\") }"}, 405, "METHOD_NOT_ALLOWED",
    accept=json_only)

# 18. Persisted documents that are not what they claim.
zeros = "0" * 64
gql("unknown persisted hash", None, 404, "PERSISTED_QUERY_NOT_FOUND",
    extensions={"persistedQuery": {"version": 1, "sha256Hash": zeros}})
gql("unknown persisted hash, json", None, 200, "PERSISTED_QUERY_NOT_FOUND",
    extensions={"persistedQuery": {"version": 1, "sha256Hash": zeros}}, accept=json_only)
gql("persisted hash that is not the query's", "{ countries { name } }", 400, "PERSISTED_QUERY_HASH_MISMATCH",
    extensions={"persistedQuery": {"version": 1, "sha256Hash": zeros}})
gql("persisted query version 2", None, 400, "PERSISTED_QUERY_NOT_SUPPORTED",
    extensions={"persistedQuery": {"version": 2, "sha256Hash": zeros}})
gql("persisted hash that is not hex", None, 400, "BAD_REQUEST",
    extensions={"persistedQuery": {"version": 1, "sha256Hash": "../../etc/passwd"}})
gql("persisted hash of a huge string", None, 400, "BAD_REQUEST",
    extensions={"persistedQuery": {"version": 1, "sha256Hash": "«pad:100000»"}})
post("unknown document id", json.dumps({"documentId": "sha256:" + zeros}), 404, "TRUSTED_DOCUMENT_NOT_FOUND")
post("document id and query", json.dumps({"documentId": "x", "query": "{ countries { name } }"}), 400, "BAD_REQUEST")
post("document id that is not a string", json.dumps({"documentId": 5}), 400, "BAD_REQUEST")
get("unknown persisted hash over GET", {"extensions": json.dumps({"persistedQuery": {"version": 1, "sha256Hash": zeros}})},
    404, "PERSISTED_QUERY_NOT_FOUND")
get("extensions that are not JSON over GET", {"query": "{ countries { name } }", "extensions": "{"}, 400, "BAD_REQUEST")
get("variables that are a list over GET", {"query": "{ countries { name } }", "variables": "[1]"}, 400, "BAD_REQUEST")

names = [case["name"] for case in cases]
assert len(names) == len(set(names)), "case names are unique"
with open("corpus.json", "w") as out:
    json.dump(cases, out, indent=1, ensure_ascii=False)
    out.write("\n")
print(f"{len(cases)} cases written to corpus.json")
