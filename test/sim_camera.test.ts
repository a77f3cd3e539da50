/** The simulator's camera: pinhole geometry against a straight road, conditions, determinism, speed. */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { PinholeCamera, PinholeCameraOptions } from '../lnn_ros/sim/camera';
import { AttentionTally, mergeAttention } from '../lnn_ros/sim/attention';
import { Condition, CONDITIONS_DIR } from '../lnn_ros/sim/conditions';
import { PIXEL_CLASSES } from '../lnn_ros/sim/renderer';
import { Road } from '../lnn_ros/sim/road';
import { Simulator } from '../lnn_ros/sim/simulator';

/** A stadium: two 300 m straights joined by half circles of radius 40 m. */
function stadium(): Road {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let x = 0; x < 300; x += 0.1) xs.push(x), ys.push(0);
  for (let a = 0; a < Math.PI; a += 0.1 / 40) xs.push(300 + 40 * Math.sin(a)), ys.push(40 - 40 * Math.cos(a));
  for (let x = 300; x > 0; x -= 0.1) xs.push(x), ys.push(80);
  for (let a = 0; a < Math.PI; a += 0.1 / 40) xs.push(-40 * Math.sin(a)), ys.push(40 + 40 * Math.cos(a));
  return new Road(xs, ys);
}

/** Summer without texture, so that the road's coverage of a pixel can be read back from its colour. */
function flat(): Condition {
  const doc = YAML.parse(fs.readFileSync(path.join(CONDITIONS_DIR, 'summer.yaml'), 'utf8'));
  doc.surface.texture = 0;
  return Condition.parse(doc, 'flat summer');
}

function frame(sim: Simulator): Uint8Array {
  return sim.renderCamera(new Uint8Array(sim.camera.width * sim.camera.height * 3));
}

/** Least-squares u = α + β·v. */
function fitLine(points: Array<[number, number]>): [number, number] {
  const n = points.length;
  const mv = points.reduce((a, [v]) => a + v, 0) / n;
  const mu = points.reduce((a, [, u]) => a + u, 0) / n;
  const beta = points.reduce((a, [v, u]) => a + (v - mv) * (u - mu), 0) / points.reduce((a, [v]) => a + (v - mv) ** 2, 0);
  return [mu - beta * mv, beta];
}

describe('sim camera', () => {
  const road = stadium();

  for (const camera of [{}, { pitchDeg: 12, fovDeg: 60, width: 160, height: 64 }, { pitchDeg: -2, mountHeight: 1.8 }] as Array<Partial<PinholeCameraOptions>>) {
    it(`puts a straight road's vanishing point on the horizon, cy − f·tan(pitch) (${JSON.stringify(camera)})`, () => {
      const sim = new Simulator({ seed: 1, road, condition: flat(), camera, start: { s: 20 } });
      const cam = sim.camera;
      const image = frame(sim);
      const left: Array<[number, number]> = [];
      const right: Array<[number, number]> = [];
      for (let v = Math.ceil(cam.horizonRow()) + 2; v < cam.height; v++) {
        // Only rows nearer than the far straight, where each edge crosses the row once.
        if (cam.groundForward(v + 0.5, cam.groundScale(v + 0.5)) > 60) continue;
        // Road coverage of a pixel from its colour: grass has g − r = 42, asphalt and paint 0.
        const road = (u: number) => 1 - Math.min(1, Math.max(0, (image[3 * (v * cam.width + u) + 1] - image[3 * (v * cam.width + u)]) / 42));
        if (road(0) > 0 || road(cam.width - 1) > 0) continue;
        let leftSum = 0;
        let rightSum = 0;
        for (let u = 0; u < cam.cx; u++) leftSum += road(u);
        for (let u = cam.cx; u < cam.width; u++) rightSum += road(u);
        left.push([v + 0.5, cam.cx - leftSum]);
        right.push([v + 0.5, cam.cx + rightSum]);
      }
      assert.ok(left.length >= 10, `${left.length} rows with both edges`);
      const [aL, bL] = fitLine(left);
      const [aR, bR] = fitLine(right);
      const v = (aR - aL) / (bL - bR);
      const u = aL + bL * v;
      const horizon = cam.cy - cam.f * Math.tan(cam.pitch);
      assert.ok(Math.abs(v - horizon) < 1, `vanishing row ${v.toFixed(2)} vs horizon ${horizon.toFixed(2)}`);
      assert.ok(Math.abs(u - cam.cx) < 1, `vanishing column ${u.toFixed(2)} vs cx ${cam.cx}`);
      // And the edge lines run where the pinhole model projects the road edges.
      const near = left[left.length - 1][0];
      const forward = cam.groundForward(near, cam.groundScale(near));
      const edge = cam.projectGround(forward, road.halfWidth)!;
      assert.ok(Math.abs(edge.u - (aL + bL * near)) < 0.5, `left edge at row ${near}: ${edge.u} vs ${aL + bL * near}`);
    });
  }

  it('projects ground points back to the rows they were cast from', () => {
    const cam = new PinholeCamera({ pitchDeg: 7 });
    for (const v of [40, 50.5, 77.9]) {
      const forward = cam.groundForward(v, cam.groundScale(v));
      const p = cam.projectGround(forward, 1.2)!;
      assert.ok(Math.abs(p.v - v) < 1e-9);
    }
    assert.equal(cam.groundScale(cam.horizonRow() - 1), Infinity);
  });

  it('renders the same bytes for the same seed and pose, other bytes for another seed', () => {
    const hashes = [1, 1, 2].map((seed) => {
      const sim = new Simulator({ seed, driver: 'expert', condition: Condition.named('noisy-camera') });
      const hash = createHash('sha256');
      for (let i = 0; i < 200; i++) if (sim.step().camera) hash.update(frame(sim));
      return hash.digest('hex');
    });
    assert.equal(hashes[0], hashes[1]);
    assert.notEqual(hashes[0], hashes[2]);
  });

  it('shows each condition: night is dark, fog greys the distance, snow whitens the verges, noise is noisy', () => {
    const view = (name: string) => frame(new Simulator({ seed: 4, condition: Condition.named(name), start: { s: 30 } }));
    const mean = (img: Uint8Array, from = 0, to = img.length) => img.subarray(from, to).reduce((a, b) => a + b, 0) / (to - from);
    const summer = view('summer');
    const cam = new PinholeCamera();
    const rowBytes = cam.width * 3;
    const horizon = Math.ceil(cam.horizonRow());
    const farGround = [horizon * rowBytes, (horizon + 4) * rowBytes] as const;
    assert.ok(mean(view('night')) < mean(summer) / 3, 'night');
    const spread = (img: Uint8Array) => {
      const m = mean(img, ...farGround);
      return Math.sqrt(img.subarray(...farGround).reduce((a, b) => a + (b - m) ** 2, 0) / (farGround[1] - farGround[0]));
    };
    assert.ok(spread(view('fog')) < spread(summer) / 3, 'fog flattens the far ground');
    // The verge beside the road, a few rows below the horizon at the image's side.
    const verge = (img: Uint8Array) => img[(horizon + 6) * rowBytes];
    assert.ok(verge(view('winter')) > 180 && verge(summer) < 120, `snowy verge ${verge(view('winter'))} vs ${verge(summer)}`);
    const noisy = view('noisy-camera');
    const diff = Math.sqrt(summer.reduce((a, b, i) => a + (b - noisy[i]) ** 2, 0) / summer.length);
    assert.ok(diff > 12 && diff < 20, `pixel noise ${diff}`);
  });

  it('labels each pixel by what it shows: sky above the horizon, road, road edges and verges where they are, whatever the weather', () => {
    const labelsIn = (condition: string) => {
      const sim = new Simulator({ seed: 1, road: stadium(), condition: Condition.named(condition), start: { s: 20 } });
      const labels = new Uint8Array(sim.camera.width * sim.camera.height);
      const s = sim.vehicle.state;
      sim.renderer.classify(s.x, s.y, s.yaw, labels);
      return { sim, labels };
    };
    const { sim, labels } = labelsIn('summer');
    const { width: w, height: h } = sim.camera;
    const horizon = sim.camera.horizonRow();
    const name = (u: number, v: number) => PIXEL_CLASSES[labels[Math.floor(v) * w + Math.floor(u)]];
    for (let v = 0; v < h; v++) {
      const sky = labels.subarray(v * w, (v + 1) * w).every((l) => PIXEL_CLASSES[l] === 'sky');
      if (v + 1 <= horizon) assert.ok(sky, `row ${v} is above the horizon (${horizon.toFixed(2)})`);
      if (v >= horizon) assert.ok(!labels.subarray(v * w, (v + 1) * w).some((l) => PIXEL_CLASSES[l] === 'sky'), `row ${v} is below the horizon`);
    }
    // The car on the centre of the straight (y = 0, heading +x; the road is 7 m wide, edge lines 3.25 m off the centre).
    const expected: Array<[number, number, string]> = [
      [10, 0, 'road'], [20, 0, 'road'], [10, 2.6, 'road'], [10, -1.5, 'road'],
      [10, 3.25, 'road_edge'], [10, -3.25, 'road_edge'], [20, 3.6, 'road_edge'], [10, -3.0, 'road_edge'],
      [10, 4.0, 'verge'], [10, -6, 'verge'], [20, 8, 'verge'],
    ];
    for (const [forward, left, want] of expected) {
      const p = sim.camera.projectGround(forward, left)!;
      assert.equal(name(p.u, p.v), want, `${forward} m ahead, ${left} m left (pixel ${p.u.toFixed(1)}, ${p.v.toFixed(1)})`);
    }
    assert.deepEqual(labelsIn('winter').labels, labels, 'snow and fog change the colours, not what the pixels show');
  });

  it('tallies the shares of area and of attention per class and in the horizon band, frame by frame', () => {
    // 4×2 frame, horizon at 1.5: the band (±0.2 rows) holds the bottom row, whose centre is at 1.5.
    const [edge, road, verge, sky] = [0, 1, 2, 3];
    const labels = Uint8Array.from([sky, sky, sky, sky, verge, edge, road, road]);
    const tally = new AttentionTally(4, 2, 1.5);
    // The last pixel is outside the policy's view.
    const first = tally.add(labels, Float32Array.from([0, 0, 1, 1, 0, 2, 0, NaN]))!;
    assert.deepEqual(first.classes.sky, { area_fraction: 4 / 7, attention_fraction: 0.5 });
    assert.deepEqual(first.classes.road_edge, { area_fraction: 1 / 7, attention_fraction: 0.5 });
    assert.deepEqual(first.classes.road, { area_fraction: 1 / 7, attention_fraction: 0 });
    assert.deepEqual(first.horizon_band, { area_fraction: 3 / 7, attention_fraction: 0.5 });
    assert.equal(tally.add(labels, new Float32Array(8)), null, 'a map without mass is not counted');
    tally.add(labels, Float32Array.from([0, 0, 0, 0, 0, 0, 1, 1]));
    const all = tally.summary();
    assert.equal(all.frames, 2);
    assert.equal(all.classes.road.attention_fraction, 0.5);
    assert.equal(all.classes.road.area_fraction, (1 / 7 + 2 / 8) / 2);
    const merged = mergeAttention([first, all]);
    assert.equal(merged.frames, 3);
    assert.equal(merged.classes.road.attention_fraction, (0 + 2 * 0.5) / 3);
  });
});
