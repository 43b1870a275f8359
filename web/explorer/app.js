// The explorer: a page where people search and read the graph. The shell (header with
// the search link, the token box, the footer) around the page the URL asks for.
import { ArticlePage } from './article.js';
import { TokenControl } from './edit.js';
import { EntityPage } from './entity.js';
import { request } from './api.js';
import { html, render, useEffect, useState } from './html.js';
import { interceptLinks, useRoute } from './router.js';
import { SearchPage } from './search.js';

/** The graph's lists and documents, for the header's links. */
function useShortcuts() {
  const [shortcuts, setShortcuts] = useState({ lists: [], documents: [] });
  useEffect(() => {
    request('query ExplorerShortcuts { achievementLists { slug title } documents { slug title } }').then(
      (data) => setShortcuts({ lists: data.achievementLists, documents: data.documents }),
      () => {},
    );
  }, []);
  return shortcuts;
}

function App() {
  const route = useRoute();
  const shortcuts = useShortcuts();
  let page;
  if (route.page === 'entity') page = html`<${EntityPage} route=${route} />`;
  else if (route.page === 'article') page = html`<${ArticlePage} route=${route} />`;
  else page = html`<${SearchPage} route=${route} />`;
  return html`
    <a class="skip" href="#main">Skip to the content</a>
    <header class="site">
      <a class="brand" href="/">achievement-graph <span>explorer</span></a>
      <nav aria-label="Site">
        <a href="/">Search</a>
        ${shortcuts.lists.slice(0, 2).map((list) => html`<a href=${`/list/${encodeURIComponent(list.slug)}`} title=${list.title}>The list</a>`)}
        ${shortcuts.documents.slice(0, 2).map(
          (document) => html`<a href=${`/article/${encodeURIComponent(document.slug)}`} title=${document.title}>The article</a>`,
        )}
        <a href="/graphql" target="_blank" rel="noopener">GraphQL playground</a>
      </nav>
      <${TokenControl} />
    </header>
    <main id="main" tabindex="-1">${page}</main>
    <footer class="site">
      Every figure is shown beside the sentence that states it. Data: CCFAO, 2019-01-23. This page reads only
      the public GraphQL API (<code>/graphql</code>, <code>/graphql/ws</code>).
    </footer>
  `;
}

interceptLinks();
const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
