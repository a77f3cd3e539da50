/**
 * Runs `lnn-ros` in a child process, as a user does: `node bin/lnn-ros.js` when dist/ is at least
 * as new as every source (as after `npm run build`, which `npm test` runs first), else
 * lnn_ros/cli/main.ts through ts-node with bin/lnn-ros.js's exit-code handling (slower: ~1 s a run).
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..');
const BUILT = path.join(ROOT, 'dist', 'cli', 'main.js');
const RUNNER = `require('./lnn_ros/cli/main').main(process.argv.slice(1)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error('lnn-ros: ' + err.message); process.exitCode = 1; })`;

function buildIsFresh(): boolean {
  if (!fs.existsSync(BUILT)) return false;
  const sources = fs.readdirSync(path.join(ROOT, 'lnn_ros'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const newest = Math.max(...sources.map((f) => fs.statSync(path.join(ROOT, 'lnn_ros', f)).mtimeMs));
  return fs.statSync(BUILT).mtimeMs >= newest;
}

const COMMAND = buildIsFresh() ? [path.join(ROOT, 'bin', 'lnn-ros.js')] : ['-r', 'ts-node/register/transpile-only', '-e', RUNNER, '--'];

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `lnn-ros ...args` to the end. */
export function lnnRos(...args: string[]): CliResult {
  const run = spawnSync(process.execPath, [...COMMAND, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr };
}

/** A running `lnn-ros ...args` whose output is collected as it comes. */
export class LnnRosChild {
  readonly process: ChildProcess;
  stdout = '';
  stderr = '';
  private readonly exit: Promise<CliResult>;

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.process = spawn(process.execPath, [...COMMAND, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    this.process.stdout!.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.process.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exit = new Promise((resolve) => this.process.on('close', (status, signal) => resolve({ status, signal, stdout: this.stdout, stderr: this.stderr })));
  }

  /** Resolves once `ready()` holds (checked every 20 ms), or rejects with the output when the child ends first. */
  async until(ready: () => boolean, what: string): Promise<void> {
    let ended = false;
    void this.exit.then(() => (ended = true));
    while (!ready()) {
      if (ended) throw new Error(`lnn-ros ended before ${what}:\n${this.stdout}\n${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  kill(signal: NodeJS.Signals): void {
    this.process.kill(signal);
  }

  ended(): Promise<CliResult> {
    return this.exit;
  }
}
