// Reading in the article: the whole document as published, paragraph by paragraph,
// with the span a figure or entity comes from highlighted and scrolled into view.
import { GraphQLRequestError, onChange, request } from './api.js';
import { html, useEffect, useRef, useState } from './html.js';

const DOCUMENT = `query ExplorerArticle($slug: String!) {
  document(slug: $slug) { id slug title publisher publishedOn text length version }
}`;

export function ArticlePage({ route }) {
  const [state, setState] = useState({ status: 'loading' });
  const focus = useRef(null);
  const load = () =>
    request(DOCUMENT, { slug: route.slug }).then(
      (data) => setState({ status: data.document ? 'done' : 'missing', document: data.document }),
      (error) => setState({ status: 'error', error }),
    );
  useEffect(() => {
    load();
  }, [route.slug]);
  useEffect(() => {
    if (state.status !== 'done') return undefined;
    return onChange((change) => change.id === state.document.id && load());
  }, [state]);
  useEffect(() => {
    if (state.status === 'done') {
      document.title = `${state.document.title} · achievement-graph`;
      focus.current?.scrollIntoView({ block: 'center' });
    }
  }, [state, route.start, route.end]);

  if (state.status === 'loading') return html`<p role="status">Loading the article…</p>`;
  if (state.status === 'error') {
    const message = state.error instanceof GraphQLRequestError ? state.error.message : 'the server could not be reached';
    return html`<p class="error" role="alert">The article could not be loaded: ${message}.</p>`;
  }
  if (state.status === 'missing') return html`<div class="empty"><h1>No such document</h1><p><a href="/">Search the graph</a>.</p></div>`;
  const doc = state.document;
  const chars = Array.from(doc.text);
  const valid = Number.isInteger(route.start) && Number.isInteger(route.end) && route.start < route.end && route.end <= chars.length;
  return html`
    <article class="article" aria-labelledby="article-title">
      <nav class="breadcrumbs" aria-label="Breadcrumbs">
        <a href="/">Search</a> › <a href=${`/document/${encodeURIComponent(doc.slug)}`}>document</a>
      </nav>
      <h1 id="article-title">${doc.title}</h1>
      <p class="meta">${[doc.publisher, doc.publishedOn].filter(Boolean).join(', ')} · ${doc.length} characters</p>
      ${valid ? html`<p class="notice">The highlighted passage is characters ${route.start}–${route.end}.</p>` : null}
      <div class="article-text">${paragraphs(chars, valid ? route : null, focus)}</div>
    </article>
  `;
}

/** Splits the text into paragraphs at blank lines, keeping the span's mark across them. */
function paragraphs(chars, span, focus) {
  const out = [];
  let start = 0;
  let first = true;
  const flush = (end) => {
    const pieces = [];
    let at = start;
    while (at < end) {
      const inside = span && at >= span.start && at < span.end;
      const stop = span ? Math.min(end, inside ? span.end : at < span.start ? span.start : end) : end;
      const text = chars.slice(at, Math.max(stop, at + 1)).join('');
      if (inside) {
        pieces.push(html`<mark ref=${first ? focus : null} class="span">${text}</mark>`);
        first = false;
      } else pieces.push(text);
      at = Math.max(stop, at + 1);
    }
    if (pieces.length && chars.slice(start, end).join('').trim()) out.push(html`<p>${pieces}</p>`);
  };
  for (let i = 0; i < chars.length; i += 1) {
    if (chars[i] === '\n') {
      flush(i);
      start = i + 1;
    }
  }
  flush(chars.length);
  return out;
}
