// An entity's neighbourhood as a small graph (SVG): the entity in the middle, what it is
// linked to around it, each node a link to its page. Laid out on a circle, so the same
// page always draws the same picture.
import { entityHref, entityName, TYPE_WORDS } from './format.js';
import { html } from './html.js';

/** Shows at most this many neighbours (the page lists every relation anyway). */
const MOST = 18;

/** `neighbours`: [{ node, relation }] where node has __typename and slug. */
export function Neighbourhood({ center, neighbours }) {
  const shown = interleave(neighbours).slice(0, MOST);
  const width = 720;
  const height = shown.length > 8 ? 420 : 320;
  const [cx, cy] = [width / 2, height / 2];
  const [rx, ry] = [width / 2 - 120, height / 2 - 40];
  const placed = shown.map((neighbour, i) => {
    const angle = (2 * Math.PI * i) / shown.length - Math.PI / 2;
    return { ...neighbour, x: cx + rx * Math.cos(angle), y: cy + ry * Math.sin(angle) };
  });
  const types = [...new Set([center.__typename, ...shown.map((n) => n.node.__typename)])];
  return html`
    <figure class="neighbourhood">
      <figcaption>
        ${entityName(center)} and the ${neighbours.length} ${neighbours.length === 1 ? 'entity' : 'entities'} it is linked to
        ${neighbours.length > MOST ? ` (the first ${MOST} shown)` : ''}
      </figcaption>
      <svg viewBox=${`0 0 ${width} ${height}`} role="group" aria-label=${`Links of ${entityName(center)}`}>
        ${placed.map((n) => html`<line x1=${cx} y1=${cy} x2=${n.x} y2=${n.y} class="edge" />`)}
        ${placed.map(
          (n) => html`<a href=${entityHref(n.node)} aria-label=${`${TYPE_WORDS[n.node.__typename][0]} ${entityName(n.node)} (${n.relation})`}>
            <circle cx=${n.x} cy=${n.y} r="9" class=${`node node-${n.node.__typename}`} />
            <text x=${n.x} y=${n.y + 24} text-anchor="middle" class="node-label">${clip(entityName(n.node), 26)}</text>
            <title>${entityName(n.node)}: ${n.relation}</title>
          </a>`,
        )}
        <circle cx=${cx} cy=${cy} r="14" class=${`node center node-${center.__typename}`} />
        <text x=${cx} y=${cy + 32} text-anchor="middle" class="node-label center-label">${clip(entityName(center), 34)}</text>
      </svg>
      <ul class="legend" aria-label="Colours">
        ${types.map((type) => html`<li><span class=${`swatch node-${type}`} aria-hidden="true"></span>${TYPE_WORDS[type][0]}</li>`)}
      </ul>
    </figure>
  `;
}

/** Takes the relations in turn, so a long one does not crowd out the others. */
function interleave(neighbours) {
  const byRelation = new Map();
  for (const neighbour of neighbours) {
    if (!byRelation.has(neighbour.relation)) byRelation.set(neighbour.relation, []);
    byRelation.get(neighbour.relation).push(neighbour);
  }
  const queues = [...byRelation.values()];
  const out = [];
  for (let i = 0; out.length < neighbours.length; i += 1) {
    for (const queue of queues) if (i < queue.length) out.push(queue[i]);
  }
  return out;
}

function clip(text, length) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
