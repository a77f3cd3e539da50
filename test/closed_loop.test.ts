/** The shipped demo policy drives a held-out road closed-loop through drive_node and stays in its lane. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openBag } from '../lnn_ros/bag/open';
import { driveClosedLoop } from '../lnn_ros/demo/closed_loop';
import { useBackend } from './helpers/tf';

const POLICY = path.join(__dirname, '..', 'models', 'demo_policy');

describe('closed loop: shipped demo policy in the simulator', function () {
  this.timeout(90000);
  before(() => useBackend());

  it('keeps a held-out road for 40 s without leaving the lane, recording the run', async () => {
    const bag = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-closed-')), 'run');
    const run = await driveClosedLoop(POLICY, { seed: 103, seconds: 40, bag });
    const s = run.summary;
    assert.equal(s.offRoadEvents, 0, JSON.stringify(s));
    assert.ok(s.meanAbsCrossTrack < 0.5, `mean |cross-track| ${s.meanAbsCrossTrack.toFixed(3)} m`);
    assert.ok(s.progress > 150, `drove ${s.progress.toFixed(0)} m along the road`);
    const recorded = await openBag(bag);
    const counts = Object.fromEntries(recorded.topics().map((t) => [t.name, t.messageCount]));
    recorded.close();
    // One policy step per camera frame (20 Hz), each turned into a command, its state and a latency sample.
    assert.ok(Math.abs(counts['/camera/image_raw'] - 40 * 20) <= 1, `${counts['/camera/image_raw']} frames`);
    assert.equal(run.counters.steps, counts['/camera/image_raw']);
    // Besides: the watchdog's stops before the first frame, and the stop on shutdown.
    assert.equal(run.counters.commands, run.counters.steps + run.counters.watchdogStops + 1);
    assert.equal(counts['/lnn/policy_state'], run.counters.steps);
    assert.equal(run.latenciesMs.length, run.counters.steps);
    assert.equal(counts['/cmd_vel'], run.counters.commands);
  });
});
