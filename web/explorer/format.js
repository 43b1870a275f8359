// How the explorer words and marks what the API returns: entity names and URLs, enum
// values in words, qualifiers ("more than"), and text with char ranges marked. Ranges
// count Unicode scalar values, as the API does, not JavaScript's UTF-16 units.
import { html } from './html.js';

/** The URL kind of each GraphQL type. */
export const KIND = {
  Achievement: 'achievement',
  AchievementList: 'list',
  City: 'city',
  Country: 'country',
  Organization: 'organization',
  Event: 'event',
  Statistic: 'statistic',
  Document: 'document',
};

/** A type's name in words, singular and plural. */
export const TYPE_WORDS = {
  Achievement: ['achievement', 'achievements'],
  AchievementList: ['list', 'lists'],
  City: ['city', 'cities'],
  Country: ['country', 'countries'],
  Organization: ['organization', 'organizations'],
  Event: ['event', 'events'],
  Statistic: ['figure', 'figures'],
  Document: ['document', 'documents'],
};

/** The search API's type names, and their GraphQL types. */
export const SEARCH_TYPES = {
  ACHIEVEMENT: 'Achievement',
  LIST: 'AchievementList',
  CITY: 'City',
  COUNTRY: 'Country',
  ORGANIZATION: 'Organization',
  EVENT: 'Event',
  STATISTIC: 'Statistic',
  DOCUMENT: 'Document',
};

export function entityHref(node) {
  return `/${KIND[node.__typename]}/${encodeURIComponent(node.slug)}`;
}

export function entityName(node) {
  if (node.__typename === 'Achievement' && node.rank) return `${node.rank}. ${node.title}`;
  return node.name ?? node.title ?? node.label ?? node.slug;
}

/** `INTERNATIONAL_EXCHANGE` -> `international exchange`. */
export function words(value) {
  return value ? value.toLowerCase().replaceAll('_', ' ') : '';
}

/** A statistic's qualifier as the article words it. */
export const QUALIFIER = { EXACT: 'exactly', ABOUT: 'about', NEARLY: 'nearly', MORE_THAN: 'more than' };

/** Returns the link to a span in the article view. */
export function articleHref(source) {
  return `/article/${encodeURIComponent(source.document.slug)}?start=${source.start}&end=${source.end}`;
}

/**
 * Returns `text` as text nodes with the char ranges as `<mark>` elements (never HTML:
 * every piece is a string child of the template).
 */
export function marked(text, ranges) {
  const chars = Array.from(text);
  const pieces = [];
  let at = 0;
  for (const { start, end } of [...ranges].sort((a, b) => a.start - b.start)) {
    if (start < at || end <= start) continue;
    if (start > at) pieces.push(chars.slice(at, start).join(''));
    pieces.push(html`<mark>${chars.slice(start, end).join('')}</mark>`);
    at = end;
  }
  if (at < chars.length) pieces.push(chars.slice(at).join(''));
  return pieces;
}

/** A highlight's field in words: `source.excerpt` -> `source sentence`. */
export function fieldWords(field) {
  return { 'source.excerpt': 'source sentence', summary: 'summary', text: 'text' }[field] ?? field;
}

/** Formats a plain number for a chart axis or a table: 3071 -> 3,071. */
export function number(value) {
  return new Intl.NumberFormat('en', { maximumFractionDigits: 2 }).format(value);
}
