/**
 * `lnn-ros saliency` as a user runs it, with the shipped demo policy: closed-loop in the simulator
 * (maps, animation, attention per pixel class) and on a recorded bag (maps, no ground truth).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runSimulation } from '../lnn_ros/demo/sim_run';
import { PinholeCamera } from '../lnn_ros/sim/camera';
import { tempDir } from './bag_helpers';
import { lnnRos, ROOT } from './helpers/cli';
import { requirePython, runPython } from './python_peer';

const DEMO = path.join(ROOT, 'models', 'demo_policy');

interface Share {
  area_fraction: number;
  attention_fraction: number;
}

/** What PIL sees in an animated PNG: its frames, size and per-frame durations. */
function readAnimation(file: string): { format: string; size: [number, number]; frames: number; durations: number[] } {
  return runPython(
    `import json, sys
from PIL import Image
im = Image.open(sys.argv[1])
durations = []
for k in range(im.n_frames):
    im.seek(k)
    durations.append(im.info.get("duration"))
print(json.dumps({"format": im.format, "size": im.size, "frames": im.n_frames, "durations": durations}))`,
    [file],
  );
}

describe('lnn-ros saliency', function () {
  this.timeout(120000);

  it('drives the simulator and measures attention per pixel class against what the renderer shows', function () {
    const out = path.join(tempDir('saliency-sim'), 'out');
    const r = lnnRos('saliency', '--policy', DEMO, '--sim', '--condition', 'fog', '--seconds', '2', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'saliency.json'), 'utf8'));
    // 20 Hz frames over 2 s of sim time.
    assert.equal(report.frames, 40);
    assert.equal(report.method, 'visual_backprop');
    assert.deepEqual(report.sim, { condition: 'fog', road: 101, seconds: 2 });
    assert.equal(fs.readdirSync(path.join(out, 'frames')).length, 40);
    const classes: Record<string, Share> = report.classes;
    assert.deepEqual(Object.keys(classes), ['road_edge', 'road', 'verge', 'sky']);
    const sum = (k: keyof Share) => Object.values(classes).reduce((s, c) => s + c[k], 0);
    assert.ok(Math.abs(sum('area_fraction') - 1) < 1e-3 && Math.abs(sum('attention_fraction') - 1) < 1e-3, JSON.stringify(classes));
    // The sky is the rows above the horizon of the 200×78 camera.
    const camera = new PinholeCamera();
    assert.ok(Math.abs(classes.sky.area_fraction - Math.round(camera.horizonRow()) / camera.height) < 0.01, JSON.stringify(classes.sky));
    assert.ok(report.horizon_band.area_fraction > 0.15 && report.horizon_band.area_fraction < 0.25, JSON.stringify(report.horizon_band));
    assert.equal(report.driving.off_road_events, 0);
    requirePython(this, ['PIL']);
    const animation = readAnimation(path.join(out, 'animation.png'));
    assert.deepEqual([animation.format, animation.size, animation.frames], ['PNG', [320, 120], 40]);
    assert.ok(animation.durations.every((d) => d === 50), `${animation.durations}`);
  });

  it('replays a bag through drive_node, a map for every camera step, and refuses what it cannot do', async () => {
    const dir = tempDir('saliency-bag');
    const bag = path.join(dir, 'run');
    await runSimulation({ seed: 102, driver: 'expert', seconds: 1.5, bag });
    const out = path.join(dir, 'out');
    const r = lnnRos('saliency', '--policy', DEMO, '--bag', bag, '--method', 'gradient', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'saliency.json'), 'utf8'));
    assert.equal(report.method, 'gradient');
    assert.equal(report.classes, null, 'a bag has no ground truth of its pixels');
    // 30 frames; the first steps once the IMU has arrived.
    assert.ok(report.frames >= 29 && report.frames <= 30, `${report.frames} frames`);
    assert.equal(fs.readdirSync(path.join(out, 'frames')).length, report.frames);

    const again = lnnRos('saliency', '--policy', DEMO, '--bag', bag, '--out', out);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already holds a saliency output; pass --overwrite to replace it/);
    const both = lnnRos('saliency', '--policy', DEMO, '--bag', bag, '--sim', '--out', path.join(dir, 'x'));
    assert.match(both.stderr, /give either --bag BAG or --sim/);
    const mixed = lnnRos('saliency', '--policy', DEMO, '--bag', bag, '--seconds', '3', '--out', path.join(dir, 'y'));
    assert.match(mixed.stderr, /--condition, --road and --seconds go with --sim, not --bag/);
    const onBag = lnnRos('saliency', '--policy', DEMO, '--bag', bag, '--out', bag);
    assert.match(onBag.stderr, /is an input of this command/);
    assert.ok(!fs.existsSync(path.join(dir, 'x')) && !fs.existsSync(path.join(dir, 'y')));
  });
});
