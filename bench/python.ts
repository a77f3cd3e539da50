/** Runs a bench's Python side (ncps + torch) when the interpreter has them; the bench installs nothing. */
import { spawnSync } from 'child_process';
import * as path from 'path';

export const PYTHON_ENV = 'LNN_ROS_BENCH_PYTHON';

/** Parsed JSON printed by `script`, or null with the reason it could not run. */
export function ncpsTorchJson<T>(script: string, args: string[] = []): { result: T | null; reason: string } {
  const python = process.env[PYTHON_ENV] || 'python3';
  const probe = spawnSync(python, ['-c', 'import ncps, torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { result: null, reason: `${python} cannot import ncps and torch (set ${PYTHON_ENV}); the bench installs nothing` };
  const out = spawnSync(python, [script, ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (out.status !== 0) return { result: null, reason: `${path.basename(script)} failed: ${out.stderr.trim().split('\n').pop()}` };
  return { result: JSON.parse(out.stdout) as T, reason: '' };
}
