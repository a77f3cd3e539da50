/**
 * The node commands as processes, stopped by real signals the way a terminal and `ros2 launch`
 * send them: Ctrl-C reaches every process of the group, then launch sends its own SIGINT (and
 * SIGTERM later). Under rclnodejs (the fake, test/helpers/fake_rclnodejs.ts) and in-process.
 */
import { strict as assert } from 'node:assert';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const RUNNER = path.join(__dirname, 'helpers', 'run_with_fake_rclnodejs.ts');

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once `pattern` shows in the output. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<void>;
}

/** Every child started, killed after each test if still running (a node that ignores signals must not outlive its test). */
const children: ChildProcess[] = [];

function start(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const waitFor = (pattern: RegExp, timeoutMs = 60000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (pattern.test(out + err)) {
          clearInterval(timer);
          resolve();
        }
      }, 25);
      setTimeout(() => {
        clearInterval(timer);
        reject(new Error(`no ${pattern} in:\n${out}\n${err}`));
      }, timeoutMs);
      void exit.then(() => setTimeout(() => {
        if (!pattern.test(out + err)) {
          clearInterval(timer);
          reject(new Error(`exited before ${pattern}:\n${out}\n${err}`));
        }
      }, 50));
    });
  return { child, stdout: () => out, stderr: () => err, exit, waitFor };
}

/** The JSON line the fake runner prints at exit. */
function report(run: Run): { published: Array<{ topic: string; message: { linear: { x: number }; angular: { z: number } } }>; calls: string[] } {
  const line = run.stdout().trim().split('\n').pop()!;
  return JSON.parse(line);
}

describe('node commands and signals', function () {
  this.timeout(120000);
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  for (const [name, signals] of [['Ctrl-C in the launching terminal (SIGINT to the group, then launch’s SIGINT)', ['SIGINT', 'SIGINT']], ['SIGTERM', ['SIGTERM']]] as const) {
    it(`drive_node under rclnodejs: ${name} → a final stop command, exit 0`, async () => {
      const run = start([RUNNER, 'drive', '--ros-args', '--params-file', 'config/drive.yaml', '-r', '__ns:=/car2']);
      await run.waitFor(/READY/);
      for (const s of signals) {
        run.child.kill(s);
        await new Promise((r) => setTimeout(r, 30));
      }
      const { code, signal } = await run.exit;
      assert.equal(signal, null, `killed by ${signal}: ${run.stderr()}`);
      assert.equal(code, 0, run.stderr());
      const r = report(run);
      const commands = r.published.filter((p) => p.topic === '/car2/cmd_vel');
      assert.ok(commands.length >= 1, 'a command was published');
      const last = commands[commands.length - 1].message;
      assert.deepEqual([last.linear.x, last.angular.z], [0, 0], 'the last command is stop');
      assert.ok(r.calls.includes('removeSignalHandlers'));
      assert.ok(r.calls.indexOf('shutdown') > r.calls.lastIndexOf('createPublisher'), 'the context is shut down by lnn_ros, after the stop');
    });
  }

  it('sim_node in-process: SIGINT ends the run, prints the driving summary, exit 0', async () => {
    const run = start([path.join(ROOT, 'bin/lnn-ros.js'), 'sim', '--transport', 'in-process', '--params-file', 'config/sim.yaml']);
    await run.waitFor(/lnn_sim: simulating/);
    await new Promise((r) => setTimeout(r, 500));
    run.child.kill('SIGINT');
    const { code } = await run.exit;
    assert.equal(code, 0, run.stderr());
    assert.match(run.stderr(), /lnn_sim: \{"laps":\d+.*"simSeconds":/);
  });

  it('trainer_node exits 1 when its job fails, naming why', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-trainer-'));
    fs.writeFileSync(path.join(dir, 'train.yaml'), `/**:\n  ros__parameters:\n    job: ${path.join(ROOT, 'config/train_job.yaml')}\n    bags: [${path.join(dir, 'no_such_bag')}]\n    output: ${path.join(dir, 'out')}\n`);
    const run = start([path.join(ROOT, 'bin/lnn-ros.js'), 'trainer', '--transport', 'in-process', '--params-file', path.join(dir, 'train.yaml')]);
    const { code } = await run.exit;
    assert.equal(code, 1, run.stderr());
    assert.match(run.stderr(), /training failed: .*no_such_bag/);
  });
});
