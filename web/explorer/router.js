// The explorer's URLs, and moving between them without reloading: `/` and `/search?q=…`
// (the search, its filters in the query string), `/{kind}/{slug}` (an entity's page),
// `/article/{slug}?start=&end=` (the document with a span highlighted). Back and forward
// work, and so does a link shared or opened in a new tab (the server serves the page at
// each of these URLs).
import { useEffect, useState } from './html.js';

export const KINDS = ['achievement', 'list', 'city', 'country', 'organization', 'event', 'statistic', 'document'];

/** Returns what a URL shows. */
export function parse(url) {
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const params = url.searchParams;
  if (parts.length === 2 && parts[0] === 'article') {
    const number = (name) => (params.has(name) ? Number(params.get(name)) : null);
    return { page: 'article', slug: parts[1], start: number('start'), end: number('end') };
  }
  if (parts.length === 2 && KINDS.includes(parts[0])) return { page: 'entity', kind: parts[0], slug: parts[1] };
  return {
    page: 'search',
    query: params.get('q') ?? '',
    types: params.getAll('type'),
    category: params.get('category'),
    city: params.get('city'),
  };
}

/** Returns the URL of a search. */
export function searchHref({ query = '', types = [], category = null, city = null }) {
  const params = new URLSearchParams();
  if (query) params.set('q', query);
  for (const type of types) params.append('type', type);
  if (category) params.set('category', category);
  if (city) params.set('city', city);
  const search = params.toString();
  return search ? `/search?${search}` : '/';
}

/** Goes to `href` in the page; `replace` rewrites the current history entry instead. */
export function navigate(href, { replace = false } = {}) {
  if (href === window.location.pathname + window.location.search) return;
  window.history[replace ? 'replaceState' : 'pushState'](null, '', href);
  window.dispatchEvent(new Event('explorer:navigate'));
}

/** Returns the route of the current URL, following navigation. */
export function useRoute() {
  const [href, setHref] = useState(window.location.href);
  useEffect(() => {
    const follow = () => setHref(window.location.href);
    window.addEventListener('popstate', follow);
    window.addEventListener('explorer:navigate', follow);
    return () => {
      window.removeEventListener('popstate', follow);
      window.removeEventListener('explorer:navigate', follow);
    };
  }, []);
  return parse(new URL(href));
}

/** Links to the explorer's own pages move within the page; others load as usual. */
export function interceptLinks() {
  document.addEventListener('click', (event) => {
    const link = event.target.closest?.('a[href]');
    if (!link || link.target || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const url = new URL(link.href);
    if (url.origin !== window.location.origin) return;
    const first = url.pathname.split('/')[1];
    if (!(url.pathname === '/' || first === 'search' || first === 'article' || KINDS.includes(first))) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
    window.scrollTo(0, 0);
  });
}
