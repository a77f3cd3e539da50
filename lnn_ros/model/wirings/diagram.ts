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
const HEADER_HEIGHT = 76;
const LEGEND_HEIGHT = 70;
const MIN_WIDTH = 620;
const ARC_ROOM = 80;

export function wiringToDot(wiring: Wiring): string {
  const columns = layoutColumns(wiring);
  const lines = [
    `// Wiring diagram: ${describe(wiring)}`,
    '// Render with: dot -Tsvg wiring.dot -o wiring.svg',
    'digraph wiring {',
    '  rankdir=LR;',
    '  labelloc=t;',
    `  label="${escapeDot(describe(wiring))}\\ngreen: excitatory, red (tee): inhibitory";`,
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
  // Room right of the last column for arcs between neurons of one column.
  const drawingWidth = (columns.length - 1) * COLUMN_GAP + 2 * RADIUS + ARC_ROOM;
  const width = Math.max(MIN_WIDTH, 2 * MARGIN + drawingWidth);
  const height = HEADER_HEIGHT + tallest * ROW_GAP + LEGEND_HEIGHT;
  const left = (width - drawingWidth) / 2 + RADIUS;

  const position = new Map<string, { x: number; y: number; column: number }>();
  columns.forEach((column, c) => {
    const top = HEADER_HEIGHT + ((tallest - column.nodes.length) * ROW_GAP) / 2 + ROW_GAP / 2;
    column.nodes.forEach((node, row) => position.set(node, { x: left + c * COLUMN_GAP, y: top + row * ROW_GAP, column: c }));
  });

  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<title>${escapeXml(`Wiring diagram: ${describe(wiring)}`)}</title>`,
    '<defs>',
    arrowMarker('excitatory', 'M0,0 L8,4 L0,8 z'),
    arrowMarker('inhibitory', 'M6,0 L8,0 L8,8 L6,8 z'),
    '</defs>',
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${MARGIN}" y="26" font-size="15" font-weight="bold">${escapeXml(describe(wiring))}</text>`,
  ];
  columns.forEach((column, c) => {
    const label = `${column.kind[0].toUpperCase()}${column.kind.slice(1)} (${column.nodes.length})`;
    out.push(`<text x="${left + c * COLUMN_GAP}" y="${HEADER_HEIGHT - 16}" font-size="13" text-anchor="middle">${label}</text>`);
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

/** Forward links as S-curves; links within a column (or backwards) as arcs bulging right; self-loops as loops. */
function synapsePath(from: { x: number; y: number; column: number }, to: { x: number; y: number; column: number }): string {
  if (from.x === to.x && from.y === to.y) {
    const r = RADIUS;
    return `M${from.x + r * 0.7},${from.y - r * 0.7} C${from.x + 3.2 * r},${from.y - 3 * r} ${from.x + 3.2 * r},${from.y + 3 * r} ${from.x + r * 1.1},${from.y + r * 0.9}`;
  }
  if (to.column > from.column) {
    const startX = from.x + RADIUS;
    const endX = to.x - RADIUS - 3;
    const middle = (startX + endX) / 2;
    return `M${startX},${from.y} C${middle},${from.y} ${middle},${to.y} ${endX},${to.y}`;
  }
  const bulge = RADIUS * 2 + Math.min(Math.abs(to.y - from.y) * 0.35, COLUMN_GAP * 0.6) + (from.x - to.x) * 0.25;
  const startX = from.x + RADIUS;
  const endX = to.x + RADIUS + 3;
  return `M${startX},${from.y} C${from.x + bulge},${from.y} ${to.x + bulge},${to.y} ${endX},${to.y}`;
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

function describe(wiring: Wiring): string {
  const { wiring: kind, ...args } = wiring.config();
  const argumentList = Object.entries(args)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
  return `${kind}(${argumentList}), ${wiring.inputDim} inputs, ${wiring.synapseCount} synapses, ${wiring.sensorySynapseCount} sensory synapses`;
}

/** `s3` for sensory_3, `7` for neuron_7. */
function shortLabel(node: string): string {
  const [prefix, index] = node.split('_');
  return prefix === 'sensory' ? `s${index}` : index;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function escapeDot(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}
