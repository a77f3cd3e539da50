/**
 * Runs the benchmark modules (all, or those named on the command line), then writes
 * bench/results.json (every entry, tagged with its module; entries of modules not run this time are
 * kept from the previous file) and BENCHMARKS.md (the machine, bench/summary.md, the robustness
 * experiment's generated section, then one table per module).
 *
 *   npm run bench            # all modules
 *   npm run bench -- bags    # only these
 */
import { execSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BENCH_SECTION_FILE, BENCHMARKS_SECTION } from '../lnn_ros/demo/robustness_report';
import { markdownSection } from '../lnn_ros/io/markdown_section';
import type { BenchEntry } from './types';

/** Module name → loader; each module exports `run(): Promise<BenchEntry[]>`. */
const MODULES: Record<string, () => Promise<{ run(): Promise<BenchEntry[]> }>> = {
  stream_step: () => import('./stream_step'),
  stream_memory: () => import('./stream_memory'),
  training: () => import('./training'),
  encoder: () => import('./encoder'),
  camera: () => import('./camera'),
  bags: () => import('./bags'),
  halfcheetah: () => import('./halfcheetah'),
  peak: () => import('./peak'),
};

function machine(): string[] {
  let model = os.cpus()[0]?.model ?? 'unknown';
  try {
    model = /Model name:\s*(.+)/.exec(execSync('lscpu', { encoding: 'utf8' }))?.[1].trim() ?? model;
  } catch {
    // lscpu is Linux-only; os.cpus() names the CPU elsewhere.
  }
  return [
    `- CPU: ${model}, ${os.cpus().length} logical cores`,
    `- memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- Node ${process.version} on ${os.platform()} ${os.release()}`,
    `- date: ${new Date().toISOString()}`,
  ];
}

function format(value: number | null): string {
  if (value === null) return '—';
  return value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(2) : value.toPrecision(3);
}

function table(name: string, entries: BenchEntry[]): string[] {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `## ${name}`,
    '',
    '| benchmark | value | unit | note | command |',
    '|---|---:|---|---|---|',
    ...entries.map((e) => `| ${cell(e.name)} | ${format(e.value)} | ${e.unit} | ${cell(e.note ?? '')} | \`${cell(e.command)}\` |`),
    '',
  ];
}

type Result = BenchEntry & { module: string };

function previous(file: string): Result[] {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Result[];
  } catch {
    return [];
  }
}

async function main(argv: string[]): Promise<number> {
  const names = argv.length > 0 ? argv : Object.keys(MODULES);
  const unknown = names.filter((n) => !(n in MODULES));
  if (unknown.length > 0) {
    console.error(`unknown bench module(s) ${unknown.join(', ')} (have: ${Object.keys(MODULES).join(', ')})`);
    return 2;
  }
  const resultsFile = path.join(__dirname, 'results.json');
  const results = previous(resultsFile).filter((r) => !names.includes(r.module) && r.module in MODULES);
  for (const name of names) {
    console.log(`bench ${name} …`);
    const entries = await (await MODULES[name]()).run();
    for (const e of entries) console.log(`  ${e.name}: ${format(e.value)} ${e.unit}${e.note ? ` (${e.note})` : ''}`);
    results.push(...entries.map((e) => ({ module: name, ...e })));
  }
  const sections = Object.keys(MODULES)
    .filter((m) => results.some((r) => r.module === m))
    .flatMap((m) => table(m, results.filter((r) => r.module === m)));
  const root = path.resolve(__dirname, '..');
  fs.writeFileSync(resultsFile, JSON.stringify(results, null, 2) + '\n');
  // bench/summary.md: the hand-written reading of the numbers (targets, why), kept across runs.
  const summaryFile = path.join(__dirname, 'summary.md');
  const summary = fs.existsSync(summaryFile) ? [fs.readFileSync(summaryFile, 'utf8').trim(), ''] : [];
  // The section `lnn-ros robustness --benchmarks` generates, carried over.
  const robustnessFile = path.join(root, BENCH_SECTION_FILE);
  const robustness = fs.existsSync(robustnessFile) ? [markdownSection(BENCHMARKS_SECTION, fs.readFileSync(robustnessFile, 'utf8'))] : [];
  fs.writeFileSync(path.join(root, 'BENCHMARKS.md'), ['# Benchmarks', '', ...machine(), '', ...summary, ...robustness, ...sections].join('\n'));
  console.log(`wrote bench/results.json and BENCHMARKS.md`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
