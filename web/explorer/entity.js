// An entity's page: every field, every relation in both directions as links, its
// figures as a table (as the article writes them, with the qualifier in words, the
// period and the sentence with the figure marked), charts of figures that share a unit
// and a subject, the neighbourhood as a small graph, live updates, and editing and
// history for token holders.
import { GraphQLRequestError, idsIn, onChange, request } from './api.js';
import { BarChart, chartGroups } from './chart.js';
import { EditForm, History, useToken } from './edit.js';
import { articleHref, entityHref, entityName, marked, QUALIFIER, TYPE_WORDS, words } from './format.js';
import { Neighbourhood } from './graph.js';
import { html, useEffect, useState } from './html.js';
import { EDITABLE, pageQuery } from './queries.js';

/** The relations each type shows: [field, heading, relation in words]. */
const RELATIONS = {
  Achievement: [
    ['list', 'List', 'in the list'],
    ['cities', 'Cities', 'city'],
    ['organizations', 'Organizations', 'organization'],
    ['events', 'Events', 'event'],
  ],
  AchievementList: [
    ['city', 'City', 'city'],
    ['organizers', 'Organizers', 'organizer'],
    ['achievements', 'Achievements', 'achievement'],
  ],
  City: [
    ['country', 'Country', 'country'],
    ['achievements', 'Achievements', 'achievement'],
    ['events', 'Events', 'event'],
    ['friendshipCities', 'Friendship cities', 'friendship city'],
  ],
  Country: [['cities', 'Cities', 'city']],
  Organization: [
    ['country', 'Country', 'country'],
    ['city', 'City', 'city'],
    ['achievements', 'Achievements', 'achievement'],
    ['events', 'Events it organized', 'organized'],
  ],
  Event: [
    ['city', 'City', 'city'],
    ['organizers', 'Organizers', 'organizer'],
    ['achievements', 'Achievements', 'achievement'],
  ],
  Statistic: [
    ['subject', 'About', 'subject'],
    ['achievement', 'Stated in the section of', 'achievement'],
  ],
  Document: [],
};

/** The plain fields each type shows: [field, label, how to show it]. */
const FIELDS = {
  Achievement: [['rank', 'Rank'], ['category', 'Category', words], ['title', 'Title'], ['summary', 'Summary']],
  AchievementList: [['title', 'Title'], ['announcedOn', 'Announced on'], ['stages', 'Stages', (stages) => stages.join(' → ')]],
  City: [['name', 'Name']],
  Country: [['name', 'Name']],
  Organization: [['name', 'Name'], ['kind', 'Kind', words], ['foundedOn', 'Founded on']],
  Event: [['name', 'Name'], ['startDate', 'Starts'], ['endDate', 'Ends']],
  Statistic: [
    ['label', 'Label'],
    ['stated', 'As the article writes it', (stated) => stated?.text],
    ['value', 'Value'],
    ['unit', 'Unit'],
    ['qualifier', 'Qualifier', (q) => QUALIFIER[q]],
    ['period', 'Period'],
  ],
  Document: [['title', 'Title'], ['publisher', 'Publisher'], ['publishedOn', 'Published on'], ['length', 'Length (characters)']],
};

/** The page's heading: a figure reads as the article writes it. */
function heading(entity) {
  return entity.__typename === 'Statistic' ? `${entity.stated?.text ?? entity.value} ${entity.label}` : entityName(entity);
}

function linked(value) {
  if (!value) return [];
  if (Array.isArray(value)) return value;
  if (value.nodes) return value.nodes;
  return [value];
}

export function EntityPage({ route }) {
  const { kind, slug } = route;
  const [state, setState] = useState({ status: 'loading' });
  const [editing, setEditing] = useState(false);
  const [showHistory, setShowHistory] = useState(false);
  const [notice, setNotice] = useState('');
  const writer = useToken();

  const load = (quiet = false) => {
    if (!quiet) setState({ status: 'loading' });
    return request(pageQuery(kind), { slug }).then(
      (data) => setState({ status: data.entity ? 'done' : 'missing', entity: data.entity }),
      (error) => setState({ status: 'error', error }),
    );
  };
  useEffect(() => {
    setEditing(false);
    setShowHistory(false);
    load();
  }, [kind, slug]);

  // A change to anything this page shows reloads it in place.
  useEffect(() => {
    if (state.status !== 'done') return undefined;
    const shown = idsIn(state.entity);
    return onChange((change) => {
      if (!shown.has(change.id)) return;
      load(true).then(() => setNotice(`Updated: a ${words(change.type)} on this page was ${words(change.kind)} just now.`));
    });
  }, [state]);

  useEffect(() => {
    if (state.status === 'done') document.title = `${heading(state.entity)} · ${TYPE_WORDS[state.entity.__typename][0]} · achievement-graph`;
    else if (state.status === 'missing') document.title = `Not found · achievement-graph`;
  }, [state]);

  if (state.status === 'loading') return html`<p role="status">Loading…</p>`;
  if (state.status === 'error') {
    const message = state.error instanceof GraphQLRequestError ? state.error.message : 'the server could not be reached';
    return html`<p class="error" role="alert">This page could not be loaded: ${message}.</p>`;
  }
  if (state.status === 'missing') {
    return html`<div class="empty"><h1>Nothing here</h1><p>No ${kind} has the slug <code>${slug}</code>. <a href="/">Search the graph</a>.</p></div>`;
  }
  const entity = state.entity;
  const type = entity.__typename;
  const relations = RELATIONS[type] ?? [];
  const neighbours = relations.flatMap(([field, , relation]) => linked(entity[field]).map((node) => ({ node, relation })));
  const statistics = entity.__typename === 'Statistic' ? [] : entity.statistics ?? [];

  return html`
    <article class="entity" aria-labelledby="entity-title">
      <nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/">Search</a> › <span>${TYPE_WORDS[type][0]}</span></nav>
      <header class="entity-header">
        <span class=${`type type-${type}`}>${TYPE_WORDS[type][0]}</span>
        <h1 id="entity-title">${heading(entity)}</h1>
        ${writer && EDITABLE[type] && !editing
          ? html`<button type="button" class="edit-button" onClick=${() => setEditing(true)}>Edit</button>`
          : null}
      </header>
      <p class="notice" role="status" aria-live="polite">${notice}</p>
      ${editing
        ? html`<${EditForm}
            kind=${kind}
            entity=${entity}
            onSaved=${(saved) => {
              setEditing(false);
              setState({ status: 'done', entity: saved });
              setNotice('Saved.');
            }}
            onCancel=${() => setEditing(false)}
          />`
        : null}
      <section aria-labelledby="fields-heading">
        <h2 id="fields-heading">Fields</h2>
        <dl class="fields">
          ${(FIELDS[type] ?? []).map(([field, label, show]) => {
            const value = entity[field];
            const shown = show ? show(value) : value;
            return html`<div><dt>${label}</dt><dd class=${field === 'summary' ? 'prose' : ''}>${shown === null || shown === undefined || shown === '' ? '—' : String(shown)}</dd></div>`;
          })}
          <div><dt>Slug</dt><dd><code>${entity.slug}</code></dd></div>
          <div><dt>ID</dt><dd><code>${entity.id}</code></dd></div>
          <div><dt>Version</dt><dd>${entity.version}</dd></div>
        </dl>
      </section>
      ${type === 'Document'
        ? html`<p><a class="button" href=${`/article/${encodeURIComponent(entity.slug)}`}>Read the document</a></p>`
        : null}
      ${entity.source ? html`<${Source} source=${entity.source} stated=${entity.stated} />` : null}
      ${relations.length
        ? html`<section aria-labelledby="relations-heading">
            <h2 id="relations-heading">Links</h2>
            <div class="relations">
              ${relations.map(([field, heading]) => {
                const nodes = linked(entity[field]);
                return html`<div class="relation">
                  <h3>${heading}</h3>
                  ${nodes.length
                    ? html`<ul>${nodes.map((node) => html`<li><a href=${entityHref(node)}>${entityName(node)}</a></li>`)}</ul>`
                    : html`<p class="none">none</p>`}
                </div>`;
              })}
            </div>
          </section>`
        : null}
      ${statistics.length ? html`<${Figures} statistics=${statistics} />` : null}
      ${statistics.length ? html`<${Charts} statistics=${statistics} />` : null}
      ${neighbours.length
        ? html`<section aria-labelledby="neighbourhood-heading">
            <h2 id="neighbourhood-heading">Neighbourhood</h2>
            <${Neighbourhood} center=${entity} neighbours=${neighbours} />
          </section>`
        : null}
      ${writer
        ? html`<section aria-labelledby="history-heading">
            <h2 id="history-heading">History</h2>
            ${showHistory
              ? html`<${History} kind=${kind} slug=${slug} />`
              : html`<button type="button" onClick=${() => setShowHistory(true)}>Show the history</button>`}
          </section>`
        : null}
    </article>
  `;
}

/** Where the source states it, with a way to read it in the article. */
function Source({ source, stated }) {
  return html`<section aria-labelledby="source-heading">
    <h2 id="source-heading">Source</h2>
    <blockquote class="source">${stated ? marked(source.excerpt, [stated.range]) : source.excerpt}</blockquote>
    <p>
      ${source.document.title}, characters ${source.start}–${source.end}.
      <a href=${articleHref(source)}>Read in the article</a>
    </p>
  </section>`;
}

/** The figures as a table. */
function Figures({ statistics }) {
  return html`<section aria-labelledby="figures-heading">
    <h2 id="figures-heading">Figures <span class="count">${statistics.length}</span></h2>
    <div class="table-scroll">
      <table class="figures">
        <thead>
          <tr>
            <th scope="col">Figure</th>
            <th scope="col">What</th>
            <th scope="col">Unit</th>
            <th scope="col">Qualifier</th>
            <th scope="col">Period</th>
            <th scope="col">About</th>
            <th scope="col">Source sentence</th>
          </tr>
        </thead>
        <tbody>
          ${statistics.map(
            (statistic) => html`<tr>
              <td class="figure"><a href=${entityHref({ __typename: 'Statistic', slug: statistic.slug })}>${statistic.stated?.text ?? statistic.value}</a></td>
              <td>${statistic.label}</td>
              <td>${statistic.unit}</td>
              <td>${statistic.qualifier === 'EXACT' ? '' : QUALIFIER[statistic.qualifier]}</td>
              <td>${statistic.period ?? ''}</td>
              <td>${statistic.subject ? html`<a href=${entityHref(statistic.subject)}>${entityName(statistic.subject)}</a>` : ''}</td>
              <td class="sentence">
                ${statistic.stated ? marked(statistic.source.excerpt, [statistic.stated.range]) : statistic.source.excerpt}
                ${' '}<a href=${articleHref(statistic.source)} aria-label=${`Read “${statistic.label}” in the article`}>read in the article</a>
              </td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </section>`;
}

function Charts({ statistics }) {
  const groups = chartGroups(statistics);
  if (!groups.length) return null;
  return html`<section aria-labelledby="charts-heading">
    <h2 id="charts-heading">Charts</h2>
    <div class="charts">
      ${groups.map((group) => html`<${BarChart} title=${entityName(group.subject)} unit=${group.unit} items=${group.items} />`)}
    </div>
  </section>`;
}

