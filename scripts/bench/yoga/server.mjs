// graphql-yoga peer for the achievement-graph HTTP benchmarks (workloads Point and Nested).
//
//   node server.mjs --db FILE --port N [--host 127.0.0.1]
//
// Serves POST /graphql over a read-only better-sqlite3 connection to an achievement-graph
// SQLite database, answering the two benchmark queries with the same JSON as
// achievement-graph itself:
//
//   query Point($slug: String!) { statistic(slug: $slug) { slug label value unit qualifier
//     period version source { start end excerpt } } }
//   query Nested { events(first: 50) { nodes { slug name startDate city { slug name
//     achievements(first: 20) { nodes { slug title rank } } } } } }
//
// Like achievement-graph it batches with per-request DataLoaders (one SQL query per
// nesting level, `WHERE ... IN (...)`), reads the same columns with the same SQL shape
// (see src/store/entities.rs), keeps prepared statements, and caches no responses.
// Prints `listening on http://HOST:PORT/graphql` once it accepts connections.

import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import Database from 'better-sqlite3';
import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
  },
  strict: true,
});
if (!args.db || !args.port || !/^\d+$/.test(args.port)) {
  process.stderr.write('usage: node server.mjs --db FILE --port N [--host 127.0.0.1]\n');
  process.exit(2);
}
const port = Number(args.port);

// ---------------------------------------------------------------- store

let db;
try {
  db = new Database(args.db, { readonly: true, fileMustExist: true, timeout: 5000 });
  db.prepare('SELECT 1 FROM statistics LIMIT 1').get(); // fails early on a file that is not ours
} catch (error) {
  process.stderr.write(`cannot read the database ${args.db}: ${error.message}\n`);
  process.exit(1);
}

// The columns achievement-graph reads for each entity (Entity::COLUMNS).
const COLUMNS = {
  documents: 't.id, t.title, t.publisher, t.published_on, t.text, t.version',
  cities: 't.id, t.name, t.country_id, t.version',
  events:
    't.id, t.name, t.start_date, t.end_date, t.city_id, t.source_document, t.source_start, t.source_end, t.version',
  achievements:
    't.id, t.list_id, t.rank, t.title, t.category, t.summary, t.source_document, t.source_start, t.source_end, t.version',
  statistics:
    't.id, t.label, t.value, t.unit, t.qualifier, t.period, t.subject_type, t.subject_id, ' +
    't.source_document, t.source_start, t.source_end, t.version',
};

// The relations walked here (rel::* in src/store/entities.rs).
const RELATIONS = {
  achievementsOfCity: {
    table: 'achievements',
    from: 'achievement_cities l JOIN achievements t ON t.id = l.achievement_id',
    parent: 'l.city_id',
    order: 't.seq',
  },
};

// Prepared statements, kept for the life of the process: one per SQL text, i.e. per
// query shape and number of `IN` placeholders.
const statements = new Map();
function prepared(sql) {
  let statement = statements.get(sql);
  if (statement === undefined) {
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}

function placeholders(count) {
  return count === 1 ? '?' : '?,'.repeat(count - 1) + '?';
}

/** Rows of `table` whose id is in `ids` (one query), in `ids` order, null when missing. */
function byIds(table, ids) {
  const sql = `SELECT ${COLUMNS[table]} FROM ${table} t WHERE t.id IN (${placeholders(ids.length)})`;
  const found = new Map();
  for (const row of prepared(sql).all(ids)) found.set(row.id, row);
  return ids.map((id) => found.get(id) ?? null);
}

/** The rows related to each parent through `rel` (one query), each list in `rel.order`. */
function related(rel, parents) {
  const sql =
    `SELECT ${rel.parent} AS parent__, ${COLUMNS[rel.table]} FROM ${rel.from} ` +
    `WHERE ${rel.parent} IN (${placeholders(parents.length)}) ORDER BY ${rel.order}`;
  const groups = new Map(parents.map((parent) => [parent, []]));
  for (const row of prepared(sql).all(parents)) groups.get(row.parent__)?.push(row);
  return parents.map((parent) => groups.get(parent));
}

/** One page of a top-level list in insertion order (SortOrder::Added, no cursor). */
function firstPage(table, limit) {
  return prepared(`SELECT t.seq AS seq__, ${COLUMNS[table]} FROM ${table} t ORDER BY t.seq ASC LIMIT ?`).all(limit);
}

// ---------------------------------------------------------------- loaders

// DataLoader calls its batch function with the keys deduplicated (the cache is on).
function entityLoader(table) {
  return new DataLoader(async (ids) => byIds(table, ids));
}

function relationLoader(rel) {
  return new DataLoader(async (parents) => related(rel, parents));
}

/** Fresh loaders for one request: batching and caching last only as long as it. */
function loaders() {
  return {
    document: entityLoader('documents'),
    city: entityLoader('cities'),
    statistic: entityLoader('statistics'),
    achievementsOfCity: relationLoader(RELATIONS.achievementsOfCity),
  };
}

// ---------------------------------------------------------------- text

const HIGH_SURROGATE = /[\uD800-\uDBFF]/;

/**
 * The code points `start..end` of a document's text, or '' when the range is outside it
 * (achievement-graph's `char_slice(..).unwrap_or_default()`). Offsets count Unicode
 * scalar values, not UTF-16 units. Texts without surrogates (the usual case) slice
 * directly; the check is made once per document per request.
 */
function excerpt(document, start, end) {
  const text = document.text;
  if (start < 0 || end < start) return '';
  if (document.bmpOnly === undefined) document.bmpOnly = !HIGH_SURROGATE.test(text);
  if (document.bmpOnly) return end <= text.length ? text.slice(start, end) : '';
  // Walk to the UTF-16 index of code point `start`, then on to `end`.
  let unit = 0;
  let point = 0;
  let from = -1;
  const length = text.length;
  while (true) {
    if (point === start) from = unit;
    if (point === end) return text.slice(from, unit);
    if (unit >= length) return '';
    const code = text.charCodeAt(unit);
    unit += code >= 0xd800 && code <= 0xdbff && unit + 1 < length && isLowSurrogate(text.charCodeAt(unit + 1)) ? 2 : 1;
    point += 1;
  }
}

function isLowSurrogate(code) {
  return code >= 0xdc00 && code <= 0xdfff;
}

// ---------------------------------------------------------------- schema

const typeDefs = /* GraphQL */ `
  type Query {
    "Fetches a statistic by slug."
    statistic(slug: String!): Statistic
    events(first: Int): EventConnection!
  }

  "How a figure is worded in its source."
  enum StatisticQualifier {
    EXACT
    ABOUT
    NEARLY
    MORE_THAN
  }

  type Statistic {
    slug: String!
    label: String!
    value: Float!
    unit: String!
    qualifier: StatisticQualifier!
    period: String
    version: Int!
    source: SourceSpan!
  }

  type SourceSpan {
    "Offsets in Unicode scalar values (chars), start inclusive, end exclusive."
    start: Int!
    end: Int!
    "Equals the document text between start and end."
    excerpt: String!
  }

  type EventConnection {
    nodes: [Event!]!
  }

  type Event {
    slug: String!
    name: String!
    startDate: String
    city: City
  }

  type City {
    slug: String!
    name: String!
    achievements(first: Int): AchievementConnection!
  }

  type AchievementConnection {
    nodes: [Achievement!]!
  }

  type Achievement {
    slug: String!
    title: String!
    rank: Int!
  }
`;

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

/** The page size of `first`, checked like achievement-graph's PageArgs. */
function pageSize(first) {
  if (first === undefined || first === null) return DEFAULT_PAGE;
  if (first < 0 || first > MAX_PAGE) {
    throw new GraphQLError(`\`first\` must be between 0 and ${MAX_PAGE}, got ${first}`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return first;
}

function span(row) {
  return { document: row.source_document, start: row.source_start, end: row.source_end };
}

const resolvers = {
  Query: {
    statistic: (_, { slug }, { loaders }) => loaders.statistic.load(slug),
    events: (_, { first }) => ({ nodes: firstPage('events', pageSize(first)) }),
  },
  Statistic: {
    slug: (row) => row.id,
    source: (row) => span(row),
  },
  SourceSpan: {
    excerpt: async (source, _, { loaders }) => {
      const document = await loaders.document.load(source.document);
      if (document === null) throw new Error(`dangling reference to \`${source.document}\` in documents`);
      return excerpt(document, source.start, source.end);
    },
  },
  Event: {
    slug: (row) => row.id,
    startDate: (row) => row.start_date,
    city: (row, _, { loaders }) => (row.city_id === null ? null : loaders.city.load(row.city_id)),
  },
  City: {
    slug: (row) => row.id,
    achievements: async (row, { first }, { loaders }) => {
      const limit = pageSize(first);
      const all = await loaders.achievementsOfCity.load(row.id);
      return { nodes: all.slice(0, limit) };
    },
  },
  Achievement: {
    slug: (row) => row.id,
  },
};

// ---------------------------------------------------------------- server

const yoga = createYoga({
  schema: createSchema({ typeDefs, resolvers }),
  graphqlEndpoint: '/graphql',
  context: () => ({ loaders: loaders() }),
  graphiql: false,
  landingPage: false,
  logging: false,
  // Errors reach the client as they are, as with achievement-graph; none are expected.
  maskedErrors: false,
});

const server = createServer(yoga);
server.on('error', (error) => {
  process.stderr.write(`server error: ${error.message}\n`);
  process.exit(1);
});
server.listen(port, args.host, () => {
  const address = server.address();
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  process.stdout.write(`listening on http://${host}:${address.port}/graphql\n`);
});

function shutdown() {
  server.close(() => {
    db.close();
    process.exit(0);
  });
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
