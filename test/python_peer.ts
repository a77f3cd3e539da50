/**
 * Runs independent Python readers (rosbags, mcap, mcap-ros2-support, numpy) as test peers through
 * the system `python3`, which CI provisions from scripts/requirements-test.txt. When a module is
 * missing the test is skipped with the reason, instead of failing on a machine without them.
 */
import { spawnSync } from 'child_process';
import type { Context } from 'mocha';

const available = new Map<string, string | undefined>();

/** Undefined when `python3` imports every module, else why not. */
export function pythonMissing(modules: string[]): string | undefined {
  const key = modules.join(',');
  if (!available.has(key)) {
    const r = spawnSync('python3', ['-c', `import ${key}`], { encoding: 'utf8' });
    available.set(key, r.error ? `python3 not runnable (${r.error.message})` : r.status === 0 ? undefined : `python3 lacks ${key}: ${r.stderr.trim().split('\n').pop()}`);
  }
  return available.get(key);
}

/** Skips the running test when the modules are missing (printing the reason). */
export function requirePython(ctx: Context, modules: string[]): void {
  const missing = pythonMissing(modules);
  if (missing) {
    console.log(`      skipped: ${missing}`);
    ctx.skip();
  }
}

/** Runs `script` with `args` (sys.argv[1:]) and parses its stdout as JSON; throws with stderr on failure. */
export function runPython<T>(script: string, args: string[] = []): T {
  const r = spawnSync('python3', ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python3 failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
