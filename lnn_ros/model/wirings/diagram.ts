import { esc } from '../../io/svg_common';
import { Wiring } from './wiring';

/**
 * Wiring diagrams for people: Graphviz DOT (render with `dot -Tsvg`) and a self-drawn standalone
 * SVG that any browser opens. Both show sensory -> inter -> command -> motor columns, neurons
 * coloured by type and synapses coloured by polarity. Node names follow ncps's `get_graph`:
 * `sensory_<i>` and `neuron_<id>`.
 */

type Polarity = 'excitatory' | 'inhibitory';
type ColumnKind = 'sensory' | 'inter' | 'command' | 'motor';

interface Column {
  kind: ColumnKind;
  nodes: string[];
}

interface NodePosition {
  x: number;
  y: number;
  column: number;
}

interface Synapse {
  from: string;
  to: string;
  polarity: Polarity;
}

// matplotlib's tab10 colours, as ncps's draw_graph uses (it has no command colour; purple here).
const NEURON_COLOURS: Record<ColumnKind, string> = {
  sensory: '#bcbd22',
  inter: '#1f77b4',
  command: '#9467bd',
  motor: '#ff7f0e',
};
const SYNAPSE_COLOURS: Record<Polarity, string> = { excitatory: '#2ca02c', inhibitory: '#d62728' };
const COLUMN_ORDER: ColumnKind[] = ['sensory', 'inter', 'command', 'motor'];

const COLUMN_GAP = 200;
const ROW_GAP = 34;
const RADIUS = 12;
const MARGIN = 40;
const HEADER_HEIGHT = 96;
const LEGEND_HEIGHT = 70;
const MIN_WIDTH = 620;
const ARC_ROOM = 80;
// Rough average glyph widths (px) of the two title lines, to size the canvas.
const TITLE_CHAR_WIDTH = 8.4;
const SUBTITLE_CHAR_WIDTH = 6.6;

export function wiringToDot(wiring: Wiring): string {
  const columns = layoutColumns(wiring);
  const [title, subtitle] = describe(wiring);
  const lines = [
    `// ${title}`,
    `// ${subtitle}`,
    '// Render with: dot -Tsvg wiring.dot -o wiring.svg',
    'digraph wiring {',
    '  rankdir=LR;',
    '  labelloc=t;',
    `  label="${escapeDot(title)}\\n${escapeDot(subtitle)}\\ngreen: excitatory, red (tee): inhibitory";`,
    '  node [shape=circle, style=filled, fontname="Helvetica", fontsize=10, fontcolor=white];',
    '  edge [arrowsize=0.6];',
  ];
  for (const column of columns) {
    lines.push(`  subgraph ${column.kind} {`, '    rank=same;');
    for (const node of column.nodes) {
      lines.push(`    ${node} [label="${shortLabel(node)}", fillcolor="${NEURON_COLOURS[column.kind]}"];`);
    }
    lines.push('  }');
  }
  for (const synapse of synapses(wiring)) {
    const arrowhead = synapse.polarity === 'excitatory' ? 'normal' : 'tee';
    lines.push(`  ${synapse.from} -> ${synapse.to} [color="${SYNAPSE_COLOURS[synapse.polarity]}", arrowhead=${arrowhead}];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

export function wiringToSvg(wiring: Wiring): string {
  const columns = layoutColumns(wiring);
  const tallest = Math.max(...columns.map((column) => column.nodes.length));
  const [title, subtitle] = describe(wiring);
  // Room right of the last column for arcs between neurons of one column.
  const drawingWidth = (columns.length - 1) * COLUMN_GAP + 2 * RADIUS + ARC_ROOM;
  const titleWidth = Math.max(title.length * TITLE_CHAR_WIDTH, subtitle.length * SUBTITLE_CHAR_WIDTH);
  const width = Math.ceil(Math.max(MIN_WIDTH, drawingWidth, titleWidth) + 2 * MARGIN);
  const height = HEADER_HEIGHT + tallest * ROW_GAP + LEGEND_HEIGHT;
  const left = (width - drawingWidth) / 2 + RADIUS;
  const columnX = (column: number): number => round(left + column * COLUMN_GAP);

  const position = new Map<string, NodePosition>();
  columns.forEach((column, c) => {
    const top = HEADER_HEIGHT + ((tallest - column.nodes.length) * ROW_GAP) / 2 + ROW_GAP / 2;
    column.nodes.forEach((node, row) => position.set(node, { x: columnX(c), y: round(top + row * ROW_GAP), column: c }));
  });

  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<title>${esc(title)}</title>`,
    '<defs>',
    arrowMarker('excitatory', 'M0,0 L8,4 L0,8 z'),
    arrowMarker('inhibitory', 'M6,0 L8,0 L8,8 L6,8 z'),
    '</defs>',
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${MARGIN}" y="26" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<text x="${MARGIN}" y="46" font-size="12" fill="#444">${esc(subtitle)}</text>`,
  ];
  columns.forEach((column, c) => {
    const label = `${column.kind[0].toUpperCase()}${column.kind.slice(1)} (${column.nodes.length})`;
    out.push(`<text x="${columnX(c)}" y="${HEADER_HEIGHT - 16}" font-size="13" text-anchor="middle">${label}</text>`);
  });

  out.push('<g class="synapses" fill="none" stroke-width="1.2" stroke-opacity="0.7">');
  for (const synapse of synapses(wiring)) {
    const from = position.get(synapse.from)!;
    const to = position.get(synapse.to)!;
    out.push(
      `<path class="synapse ${synapse.polarity}" data-from="${synapse.from}" data-to="${synapse.to}" ` +
        `d="${synapsePath(from, to)}" stroke="${SYNAPSE_COLOURS[synapse.polarity]}" marker-end="url(#arrow-${synapse.polarity})">` +
        `<title>${synapse.from} → ${synapse.to} (${synapse.polarity})</title></path>`,
    );
  }
  out.push('</g>');

  out.push('<g class="neurons" font-size="10" text-anchor="middle">');
  for (const column of columns) {
    for (const node of column.nodes) {
      const { x, y } = position.get(node)!;
      out.push(
        `<g class="neuron ${column.kind}" id="${node}"><title>${node} (${column.kind})</title>` +
          `<circle cx="${x}" cy="${y}" r="${RADIUS}" fill="${NEURON_COLOURS[column.kind]}" stroke="#333" stroke-width="0.8"/>` +
          `<text x="${x}" y="${y + 3.5}" fill="white">${shortLabel(node)}</text></g>`,
      );
    }
  }
  out.push('</g>');
  out.push(...legend(wiring, MARGIN, height - LEGEND_HEIGHT + 22));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Neurons grouped sensory, inter, command, motor (empty groups left out), each by id. */
function layoutColumns(wiring: Wiring): Column[] {
  if (wiring.inputDim === null) throw new Error('build(inputDim) the wiring before drawing it');
  const byKind: Record<ColumnKind, string[]> = { sensory: [], inter: [], command: [], motor: [] };
  for (let input = 0; input < wiring.inputDim; input++) byKind.sensory.push(`sensory_${input}`);
  for (let neuron = 0; neuron < wiring.units; neuron++) byKind[wiring.typeOfNeuron(neuron)].push(`neuron_${neuron}`);
  return COLUMN_ORDER.filter((kind) => byKind[kind].length > 0).map((kind) => ({ kind, nodes: byKind[kind] }));
}

/** Sensory synapses first, then neuron-to-neuron, each source-major (ncps's get_graph order). */
function synapses(wiring: Wiring): Synapse[] {
  const found: Synapse[] = [];
  const collect = (matrix: number[][], sourcePrefix: string): void => {
    matrix.forEach((row, source) =>
      row.forEach((polarity, dest) => {
        if (polarity === 0) return;
        found.push({
          from: `${sourcePrefix}_${source}`,
          to: `neuron_${dest}`,
          polarity: polarity > 0 ? 'excitatory' : 'inhibitory',
        });
      }),
    );
  };
  collect(wiring.sensoryAdjacency ?? [], 'sensory');
  collect(wiring.adjacency, 'neuron');
  return found;
}

/**
 * Links between columns as S-curves (leaving the right side going forward, the left side going
 * back); links within a column as arcs bulging right, leaving and entering off the horizontal so
 * they do not hide the straight links; self-loops as small loops.
 */
function synapsePath(from: NodePosition, to: NodePosition): string {
  const r = RADIUS;
  if (from.x === to.x && from.y === to.y) {
    return path([from.x + 0.7 * r, from.y - 0.7 * r], [from.x + 3.2 * r, from.y - 3 * r], [from.x + 3.2 * r, from.y + 3 * r], [from.x + 1.1 * r, from.y + 0.9 * r]);
  }
  if (from.column !== to.column) {
    const direction = to.column > from.column ? 1 : -1;
    const startX = from.x + direction * r;
    const endX = to.x - direction * (r + 3);
    const middle = (startX + endX) / 2;
    return path([startX, from.y], [middle, from.y], [middle, to.y], [endX, to.y]);
  }
  const down = to.y > from.y ? 1 : -1;
  const bulge = 2 * r + Math.min(Math.abs(to.y - from.y) * 0.35, ARC_ROOM - r);
  return path(
    [from.x + 0.77 * r, from.y + down * 0.64 * r],
    [from.x + bulge, from.y + down * 0.3 * bulge],
    [to.x + bulge, to.y - down * 0.3 * bulge],
    [to.x + 1.05 * r, to.y - down * 0.9 * r],
  );
}

/** A cubic Bezier `M start C c1 c2 end`, coordinates to 0.1 px. */
function path(...points: Array<[number, number]>): string {
  const [start, ...controls] = points.map(([x, y]) => `${round(x)},${round(y)}`);
  return `M${start} C${controls.join(' ')}`;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function arrowMarker(polarity: Polarity, shape: string): string {
  return (
    `<marker id="arrow-${polarity}" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse">` +
    `<path d="${shape}" fill="${SYNAPSE_COLOURS[polarity]}"/></marker>`
  );
}

function legend(wiring: Wiring, x: number, y: number): string[] {
  const all = synapses(wiring);
  const items: string[] = ['<g class="legend" font-size="12">'];
  COLUMN_ORDER.forEach((kind, i) => {
    const cx = x + 8 + i * 110;
    items.push(
      `<circle cx="${cx}" cy="${y}" r="7" fill="${NEURON_COLOURS[kind]}" stroke="#333" stroke-width="0.8"/>`,
      `<text x="${cx + 12}" y="${y + 4}">${kind}</text>`,
    );
  });
  (['excitatory', 'inhibitory'] as Polarity[]).forEach((polarity, i) => {
    const lineX = x + i * 220;
    const lineY = y + 28;
    items.push(
      `<line x1="${lineX}" y1="${lineY}" x2="${lineX + 34}" y2="${lineY}" stroke="${SYNAPSE_COLOURS[polarity]}" stroke-width="1.5" marker-end="url(#arrow-${polarity})"/>`,
      `<text x="${lineX + 42}" y="${lineY + 4}">${polarity} (${all.filter((synapse) => synapse.polarity === polarity).length})</text>`,
    );
  });
  items.push('</g>');
  return items;
}

/** Title (what it is, how big) and subtitle (the constructor arguments). */
function describe(wiring: Wiring): [string, string] {
  const { wiring: kind, ...args } = wiring.config();
  const title =
    `${kind} wiring: ${wiring.inputDim} inputs, ${wiring.units} neurons (${wiring.outputDim} motor), ` +
    `${wiring.synapseCount} synapses + ${wiring.sensorySynapseCount} sensory synapses`;
  const subtitle = Object.entries(args)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
  return [title, subtitle];
}

/** `s3` for sensory_3, `7` for neuron_7. */
function shortLabel(node: string): string {
  const [prefix, index] = node.split('_');
  return prefix === 'sensory' ? `s${index}` : index;
}

function escapeDot(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}
