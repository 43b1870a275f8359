// The playground: GraphiQL (vendored, see web/README.md) on this server's endpoint,
// subscriptions over its WebSocket, and a first visit that opens on example queries
// of the bundled graph. Written as a plain script: the page loads no module bundler.
(function () {
  "use strict";
  const script = document.currentScript;
  const endpoint = new URL(script.dataset.endpoint, window.location.href);
  const subscriptions = new URL(script.dataset.subscriptions, window.location.href);
  subscriptions.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";

  const welcome = `# achievement-graph: Changchun's Top Ten Achievements
# of 40 years of opening up, as a graph in which every
# figure keeps the sentence that states it.
#
# Run a query with the ▶ button (Ctrl-Enter). The book
# icon on the left opens the docs: every type and field.
#
# Writing needs a token: in the Headers tab below, put
#   {"Authorization": "Bearer <your token>"}

query TopTen {
  achievements(first: 10) {
    totalCount
    nodes {
      rank
      title
      category
      cities { name }
      statistics {
        label
        value
        unit
        qualifier
        source { excerpt }
      }
    }
  }
}
`;

  const search = `# Full-text search over every entity: typo-tolerant,
# with highlights (char ranges into each snippet),
# facets and a did-you-mean.

query Search($text: String!) {
  search(query: $text, first: 5) {
    totalCount
    edges {
      node {
        __typename
        ... on Achievement { rank title }
        ... on Statistic { label value unit }
        ... on Event { name startDate }
        ... on Organization { name }
      }
      highlights { field snippet ranges { start end } }
    }
    facets { field values { value count } }
    suggestions
    warnings
  }
}
`;

  const live = `# Every change to the graph from now on, sent over the
# WebSocket at /graphql/ws. Run it, then write something
# (a mutation with a token, in another tab): it arrives.

subscription Changes {
  changes {
    kind
    type
    id
    generation
    node {
      id
      ... on City { name }
      ... on Statistic { label value }
      ... on Achievement { title }
    }
  }
}
`;

  const fetcher = GraphiQL.createFetcher({ url: endpoint.href, subscriptionUrl: subscriptions.href });
  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: welcome,
      defaultTabs: [
        { query: welcome },
        { query: search, variables: JSON.stringify({ text: "gold medals on ice" }, null, 2) },
        { query: live },
      ],
      defaultEditorToolsVisibility: true,
      // Introspect the schema's description (shown atop the docs) and deprecated arguments.
      schemaDescription: true,
      inputValueDeprecation: true,
    }),
  );
})();
