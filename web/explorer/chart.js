// Figures that share a unit and a subject, drawn as a bar chart (SVG, scaled to its
// box): the chart is an image whose text alternative states every value, and the same
// figures are one click away as a table.
import { number } from './format.js';
import { html } from './html.js';

let charts = 0;

/** `title`: what the figures are of; `items`: [{ label, value, text }] in one unit. */
export function BarChart({ title, unit, items }) {
  const id = `chart-${(charts += 1)}`;
  const max = Math.max(...items.map((item) => item.value), 1);
  // Each figure on two lines: its label in full, then its bar and value.
  const row = 50;
  const width = 640;
  const barSpace = width - 90;
  const height = items.length * row + 4;
  const described = items.map((item) => `${item.label}: ${item.text}`).join('; ');
  return html`
    <figure class="chart">
      <figcaption id=${`${id}-title`}>${title} <span class="unit">(${unit})</span></figcaption>
      <svg viewBox=${`0 0 ${width} ${height}`} role="img" aria-labelledby=${`${id}-title ${id}-desc`} preserveAspectRatio="xMinYMin meet">
        <desc id=${`${id}-desc`}>${described}</desc>
        ${items.map((item, i) => {
          const y = i * row;
          const length = Math.max(2, (item.value / max) * barSpace);
          return html`<g>
            <text x="0" y=${y + 17} class="chart-label">${clip(item.label, 70)}</text>
            <rect x="0" y=${y + 24} width=${length} height="18" rx="3" class="chart-bar" />
            <text x=${length + 6} y=${y + 39} class="chart-value">${item.text}</text>
          </g>`;
        })}
      </svg>
      <details>
        <summary>Show as a table</summary>
        <table>
          <caption class="visually-hidden">${title}</caption>
          <thead><tr><th scope="col">Figure</th><th scope="col">As stated</th><th scope="col">Value (${unit})</th></tr></thead>
          <tbody>
            ${items.map((item) => html`<tr><th scope="row">${item.label}</th><td>${item.text}</td><td>${number(item.value)}</td></tr>`)}
          </tbody>
        </table>
      </details>
    </figure>
  `;
}

function clip(text, length) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

/**
 * Groups figures by subject and unit; a group of two or more is worth a chart. Figures
 * that add up others (19 gold medals in all) stay in: each is a figure the article gives.
 */
export function chartGroups(statistics) {
  const groups = new Map();
  for (const statistic of statistics) {
    if (statistic.unit === 'percent' || !statistic.subject) continue;
    const key = `${statistic.subject.id} ${statistic.unit}`;
    if (!groups.has(key)) groups.set(key, { subject: statistic.subject, unit: statistic.unit, items: [] });
    groups.get(key).items.push({ label: statistic.label, value: statistic.value, text: statistic.stated?.text ?? number(statistic.value) });
  }
  return [...groups.values()].filter((group) => group.items.length >= 2);
}
