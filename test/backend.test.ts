/** Backend selection runs once per process, so each case gets a fresh Node process. */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');

function select(env: Record<string, string>, requested?: string): { stdout: string; stderr: string; status: number | null } {
  const arg = requested === undefined ? '' : JSON.stringify(requested);
  const script = `require('./lnn_ros/kernels/backend').initBackend(${arg}).then((b) => console.log('chosen=' + b), (e) => { console.log('error=' + e.message); })`;
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    cwd: ROOT, env: { ...process.env, LNN_ROS_BACKEND: '', ...env }, encoding: 'utf8',
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe('tfjs backend selection', () => {
  it('prefers tensorflow, falls back to wasm here, and logs the choice once', () => {
    const r = select({});
    let hasTfjsNode = true;
    try {
      require.resolve('@tensorflow/tfjs-node');
    } catch {
      hasTfjsNode = false;
    }
    const expected = hasTfjsNode ? 'tensorflow' : 'wasm';
    assert.match(r.stdout, new RegExp(`chosen=${expected}`));
    assert.equal(r.stderr.match(/lnn_ros: tfjs backend/g)?.length, 1);
  });

  it('takes the environment variable', () => {
    assert.match(select({ LNN_ROS_BACKEND: 'cpu' }).stdout, /chosen=cpu/);
  });

  it('lets config override the environment', () => {
    assert.match(select({ LNN_ROS_BACKEND: 'cpu' }, 'wasm').stdout, /chosen=wasm/);
  });

  it('names an unknown backend', () => {
    assert.match(select({ LNN_ROS_BACKEND: 'gpu' }).stdout, /error=environment: LNN_ROS_BACKEND: unknown backend 'gpu'/);
  });
});
