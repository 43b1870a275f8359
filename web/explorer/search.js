// The search page: results as you type (debounced, a superseded request cancelled),
// highlights from the API's ranges, facets as refinement lists, active filters as chips,
// did-you-mean, warnings in words, the count and the time taken, "load more" by cursor,
// and the keyboard: `/` focuses the box, arrows move through results, Enter opens one.
// The URL holds the query and its filters.
import { GraphQLRequestError, onChange, request } from './api.js';
import { entityHref, entityName, fieldWords, marked, SEARCH_TYPES, TYPE_WORDS, words } from './format.js';
import { html, useEffect, useRef, useState } from './html.js';
import { navigate, searchHref } from './router.js';

const SEARCH = `query ExplorerSearch($q: String!, $types: [SearchType!], $filter: SearchFilter, $after: String) {
  search(query: $q, types: $types, filter: $filter, first: 10, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    facets { field values { value count } }
    suggestions
    warnings
    edges {
      cursor
      node {
        __typename id
        ... on Achievement { slug title rank category }
        ... on AchievementList { slug title }
        ... on City { slug name }
        ... on Country { slug name }
        ... on Organization { slug name kind }
        ... on Event { slug name startDate }
        ... on Statistic { slug label unit stated { text } }
        ... on Document { slug title }
      }
      highlights { field snippet ranges { start end } }
    }
  }
}`;

const BROWSE = `query ExplorerBrowse {
  achievementLists { id slug title achievements { id slug rank title category } }
}`;

/** How long typing must pause before a search goes out. */
const DEBOUNCE_MS = 120;

let citiesOnce = null;
/** Every city, by slug (the city facet's values are slugs; the filter takes an id). */
function cities() {
  citiesOnce ??= request('query ExplorerCities { cities(first: 100) { nodes { id slug name } } }').then(
    (data) => new Map(data.cities.nodes.map((city) => [city.slug, city])),
  );
  return citiesOnce;
}

export function SearchPage({ route }) {
  const [text, setText] = useState(route.query);
  const [state, setState] = useState({ status: 'idle' });
  const [more, setMore] = useState(false);
  const [cityNames, setCityNames] = useState(new Map());
  const box = useRef(null);
  const results = useRef(null);
  const [refresh, setRefresh] = useState(0);

  // The URL is the truth: a search link, back or forward puts its query in the box. The
  // URL's echo of the box's own typing does not: by the time it lands the user may have
  // typed on, and putting the older query back would eat those keystrokes.
  const typed = useRef(route.query);
  useEffect(() => {
    if (route.query !== typed.current) setText(route.query);
    typed.current = route.query;
  }, [route.query]);
  useEffect(() => {
    cities().then(setCityNames, () => {});
  }, []);

  // Typing: the URL follows after a pause (replacing the entry, not adding one per key).
  useEffect(() => {
    if (text === route.query) return undefined;
    const timer = setTimeout(() => {
      typed.current = text.trim() ? text : '';
      navigate(searchHref({ ...route, query: typed.current }), { replace: true });
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text]);

  // The URL's search runs; a newer one aborts it.
  const key = JSON.stringify([route.query, route.types, route.category, route.city, refresh]);
  useEffect(() => {
    const controller = new AbortController();
    const run = async () => {
      setState((previous) => ({ ...previous, status: 'loading' }));
      try {
        if (!route.query.trim()) {
          const data = await request(BROWSE, {}, { signal: controller.signal });
          setState({ status: 'browse', lists: data.achievementLists });
          return;
        }
        const filter = {};
        if (route.category) filter.category = route.category;
        if (route.city) {
          const city = (await cities()).get(route.city);
          if (city) filter.cityId = city.id;
        }
        const variables = { q: route.query, types: route.types.length ? route.types : null, filter };
        const started = performance.now();
        const data = await request(SEARCH, variables, { signal: controller.signal });
        setState({ status: 'done', search: data.search, took: performance.now() - started, variables });
      } catch (error) {
        if (error.name === 'AbortError') return;
        setState({ status: 'error', error });
      }
    };
    run();
    return () => controller.abort();
  }, [key]);

  // Results that change elsewhere are searched again.
  useEffect(() => onChange(() => setRefresh((n) => n + 1)), []);

  // Tell timing tools when results are on screen.
  useEffect(() => {
    if (state.status === 'done') performance.mark('explorer:results-rendered', { detail: route.query });
  }, [state]);

  // `/` focuses the box from anywhere on the page.
  useEffect(() => {
    const onKey = (event) => {
      const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName) || event.target.isContentEditable;
      if (event.key === '/' && !typing) {
        event.preventDefault();
        box.current?.focus();
        box.current?.select();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    document.title = route.query ? `“${route.query}” · achievement-graph explorer` : 'achievement-graph explorer';
  }, [route.query]);

  const loadMore = async () => {
    const { search, variables } = state;
    setMore(true);
    try {
      const data = await request(SEARCH, { ...variables, after: search.pageInfo.endCursor });
      setState((previous) => ({
        ...previous,
        search: { ...data.search, edges: [...previous.search.edges, ...data.search.edges] },
      }));
    } catch (error) {
      setState((previous) => ({ ...previous, moreError: error }));
    } finally {
      setMore(false);
    }
  };

  // Arrow keys move between results; Enter on one opens it (it is a link).
  const onResultsKey = (event) => {
    const links = [...(results.current?.querySelectorAll('a.result-link') ?? [])];
    const at = links.indexOf(document.activeElement);
    if (event.key === 'ArrowDown' && links.length) {
      event.preventDefault();
      links[Math.min(at + 1, links.length - 1)].focus();
    } else if (event.key === 'ArrowUp' && links.length) {
      event.preventDefault();
      if (at <= 0) box.current?.focus();
      else links[at - 1].focus();
    }
  };
  const onBoxKey = (event) => {
    if (event.key === 'ArrowDown') {
      const first = results.current?.querySelector('a.result-link');
      if (first) {
        event.preventDefault();
        first.focus();
      }
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const first = results.current?.querySelector('a.result-link');
      if (first && text === route.query) first.click();
      else navigate(searchHref({ ...route, query: text }), { replace: true });
    }
  };

  const refine = (change) => navigate(searchHref({ ...route, ...change }));

  return html`
    <section class="search" aria-labelledby="search-heading">
      <h1 id="search-heading" class="visually-hidden">Search the graph</h1>
      <form role="search" class="search-form" onSubmit=${(event) => event.preventDefault()}>
        <label for="search-box" class="search-label">Search achievements, cities, events, figures…</label>
        <div class="search-row">
          <input
            id="search-box"
            ref=${box}
            type="search"
            autocomplete="off"
            spellcheck="false"
            placeholder="e.g. gold medals on ice, skiing, FAW"
            value=${text}
            onInput=${(event) => setText(event.currentTarget.value)}
            onKeyDown=${onBoxKey}
            aria-describedby="search-hint"
          />
          <kbd class="search-key" aria-hidden="true">/</kbd>
        </div>
        <p id="search-hint" class="hint">Typos are forgiven. Quote words for a phrase, <code>-word</code> to leave one out.</p>
      </form>
      <${Chips} route=${route} cityNames=${cityNames} refine=${refine} />
      <div class="search-body">
        ${state.status === 'done' && state.search.totalCount > 0
          ? html`<${Facets} facets=${state.search.facets} route=${route} cityNames=${cityNames} refine=${refine} />`
          : null}
        <div class="results" ref=${results} onKeyDown=${onResultsKey}>
          <${Results} state=${state} route=${route} refine=${refine} loadMore=${loadMore} more=${more} />
        </div>
      </div>
    </section>
  `;
}

function Chips({ route, cityNames, refine }) {
  const chips = [
    ...route.types.map((type) => ({
      label: `type: ${TYPE_WORDS[SEARCH_TYPES[type]]?.[1] ?? words(type)}`,
      clear: { types: route.types.filter((t) => t !== type) },
    })),
    ...(route.category ? [{ label: `category: ${words(route.category)}`, clear: { category: null } }] : []),
    ...(route.city ? [{ label: `city: ${cityNames.get(route.city)?.name ?? route.city}`, clear: { city: null } }] : []),
  ];
  if (!chips.length) return null;
  return html`
    <div class="chips" aria-label="Active filters">
      ${chips.map(
        (chip) => html`<button type="button" class="chip" onClick=${() => refine(chip.clear)} aria-label=${`Remove filter ${chip.label}`}>
          ${chip.label} <span aria-hidden="true">×</span>
        </button>`,
      )}
      <button type="button" class="chip clear" onClick=${() => refine({ types: [], category: null, city: null })}>Clear all filters</button>
    </div>
  `;
}

function Facets({ facets, route, cityNames, refine }) {
  const byField = Object.fromEntries(facets.map((facet) => [facet.field, facet.values]));
  const group = (field, title, label, isActive, toggle) =>
    byField[field]?.length
      ? html`<fieldset class="facet">
          <legend>${title}</legend>
          <ul>
            ${byField[field].map(
              ({ value, count }) => html`<li>
                <label>
                  <input type="checkbox" checked=${isActive(value)} onChange=${() => toggle(value)} />
                  <span class="facet-name">${label(value)}</span>
                  <span class="count">${count}</span>
                </label>
              </li>`,
            )}
          </ul>
        </fieldset>`
      : null;
  return html`
    <aside class="facets" aria-label="Refine the results">
      ${group(
        'type',
        'Type',
        (value) => TYPE_WORDS[SEARCH_TYPES[value]]?.[1] ?? words(value),
        (value) => route.types.includes(value),
        (value) =>
          refine({ types: route.types.includes(value) ? route.types.filter((t) => t !== value) : [...route.types, value] }),
      )}
      ${group('category', 'Category', words, (value) => route.category === value, (value) =>
        refine({ category: route.category === value ? null : value }),
      )}
      ${group('city', 'City', (value) => cityNames.get(value)?.name ?? value, (value) => route.city === value, (value) =>
        refine({ city: route.city === value ? null : value }),
      )}
    </aside>
  `;
}

function Results({ state, route, refine, loadMore, more }) {
  if (state.status === 'idle' || (state.status === 'loading' && !state.search && !state.lists)) {
    return html`<p class="status" role="status">Searching…</p>`;
  }
  if (state.status === 'error') {
    const error = state.error;
    const message = error instanceof GraphQLRequestError ? error.message : 'the server could not be reached';
    return html`<p class="error" role="alert">The search failed: ${message}.</p>`;
  }
  if (state.status === 'browse') return html`<${Browse} lists=${state.lists} />`;
  if (!state.search) return html`<p class="status" role="status">Searching…</p>`;
  const { search, took } = state;
  const suggestions = search.suggestions.length
    ? html`<p class="suggestions">
        Did you mean
        ${search.suggestions.map(
          (suggestion, i) => html`${i ? ', ' : ' '}<a href=${searchHref({ ...route, query: suggestion })} class="suggestion">${suggestion}</a>`,
        )}?
      </p>`
    : null;
  const warnings = search.warnings.length
    ? html`<ul class="warnings" aria-label="About your query">
        ${search.warnings.map((warning) => html`<li>${warning}</li>`)}
      </ul>`
    : null;
  if (search.totalCount === 0) {
    const filtered = route.types.length || route.category || route.city;
    return html`
      <div class="empty" role="status">
        <h2>Nothing matches “${route.query}”</h2>
        ${suggestions} ${warnings}
        <ul>
          <li>Check the spelling, or try fewer or other words.</li>
          ${filtered
            ? html`<li><button type="button" class="link" onClick=${() => refine({ types: [], category: null, city: null })}>Search without the filters</button></li>`
            : null}
          <li><a href="/">Browse the Top Ten Achievements</a> instead.</li>
        </ul>
      </div>
    `;
  }
  return html`
    <p class="summary" role="status">
      <strong>${search.totalCount}</strong> ${search.totalCount === 1 ? 'result' : 'results'} for “${route.query}”
      <span class="took"> in ${Math.max(1, Math.round(took))} ms</span>
    </p>
    ${suggestions} ${warnings}
    <ol class="result-list">
      ${search.edges.map((edge) => html`<${Result} key=${edge.cursor} edge=${edge} />`)}
    </ol>
    ${search.pageInfo.hasNextPage
      ? html`<button type="button" class="more" onClick=${loadMore} disabled=${more}>
          ${more ? 'Loading…' : `Load more (${search.edges.length} of ${search.totalCount} shown)`}
        </button>`
      : null}
    ${state.moreError ? html`<p class="error" role="alert">Loading more failed: ${state.moreError.message}</p>` : null}
  `;
}

/** The fields a result's title shows: their highlights mark the title itself. */
const TITLE_FIELDS = ['title', 'name', 'label'];

function Result({ edge }) {
  const { node, highlights } = edge;
  const titled = highlights.find((highlight) => TITLE_FIELDS.includes(highlight.field) && highlight.ranges.length);
  // entityName already numbers an achievement; a highlighted title gets the number here.
  let title = entityName(node);
  if (titled) {
    title = marked(titled.snippet, titled.ranges);
    if (node.__typename === 'Achievement' && node.rank) title = [`${node.rank}. `, ...[title].flat()];
  }
  return html`
    <li class="result">
      <a class="result-link" href=${entityHref(node)}>
        <span class=${`type type-${node.__typename}`}>${TYPE_WORDS[node.__typename][0]}</span>
        <span class="result-title">
          ${node.__typename === 'Statistic' && node.stated ? html`<span class="stated">${node.stated.text}</span> ` : null}${title}
        </span>
      </a>
      ${highlights
        .filter((highlight) => highlight.ranges.length && !TITLE_FIELDS.includes(highlight.field))
        .slice(0, 2)
        .map(
          (highlight) => html`<p class="snippet">
            <span class="snippet-field">${fieldWords(highlight.field)}:</span> ${marked(highlight.snippet, highlight.ranges)}
          </p>`,
        )}
    </li>
  `;
}

function Browse({ lists }) {
  return html`
    <div class="browse">
      ${lists.map(
        (list) => html`
          <section>
            <h2><a href=${`/list/${encodeURIComponent(list.slug)}`}>${list.title}</a></h2>
            <ol class="top-ten">
              ${list.achievements.map(
                (achievement) => html`<li>
                  <a href=${`/achievement/${encodeURIComponent(achievement.slug)}`}>${achievement.title}</a>
                  <span class="category">${words(achievement.category)}</span>
                </li>`,
              )}
            </ol>
          </section>
        `,
      )}
    </div>
  `;
}
