/** The simulator's road: seeded generation, geometry, closest-point query, raster, track plot. */
import { strict as assert } from 'node:assert';
import { Road, RoadProjection } from '../lnn_ros/sim/road';
import { FAR, RoadRaster } from '../lnn_ros/sim/road_raster';
import { SeededRng } from '../lnn_ros/sim/rng';
import { trackPlotSvg } from '../lnn_ros/sim/track_plot';

const projection = (): RoadProjection => ({ s: 0, crossTrack: 0, heading: 0, curvature: 0, index: -1 });

describe('sim road', () => {
  const seeds = [1, 2, 3, 4, 5];
  const roads = seeds.map((seed) => Road.generate({ seed }));

  it('is the same road for the same seed and another for another seed', () => {
    const again = Road.generate({ seed: 1 });
    assert.deepEqual(again.x, roads[0].x);
    assert.deepEqual(again.y, roads[0].y);
    assert.notEqual(roads[1].length, roads[0].length);
  });

  it('is a closed, smooth loop of radius 30–60 m with bends no tighter than 15 m', () => {
    for (const road of roads) {
      const n = road.n;
      assert.ok(Math.abs(Math.hypot(road.x[0] - road.x[n - 1], road.y[0] - road.y[n - 1]) - road.spacing) < 1e-6, 'closes with one spacing');
      const cx = road.x.reduce((a, b) => a + b) / n;
      const cy = road.y.reduce((a, b) => a + b) / n;
      let meanR = 0;
      for (let i = 0; i < n; i++) meanR += Math.hypot(road.x[i] - cx, road.y[i] - cy) / n;
      assert.ok(meanR > 27 && meanR < 63, `mean radius ${meanR}`);
      let tightest = Infinity;
      for (let i = 0; i < n; i++) tightest = Math.min(tightest, 1 / Math.abs(road.curvature[i]));
      assert.ok(tightest > 14.5, `tightest bend ${tightest} m`);
      let turning = 0;
      for (let i = 0; i < n; i++) turning += road.curvature[i] * road.spacing;
      assert.ok(Math.abs(Math.abs(turning) - 2 * Math.PI) < 0.01, `turns once around (${turning})`);
    }
  });

  it('never comes back within a road width of itself', () => {
    for (const road of roads) {
      const n = road.n;
      const apart = Math.ceil((3 * road.width) / road.spacing);
      for (let i = 0; i < n; i += 4) {
        for (let j = i + apart; j < n - apart + i; j += 4) {
          const d = Math.hypot(road.x[i] - road.x[j % n], road.y[i] - road.y[j % n]);
          assert.ok(d > road.width + 2, `samples ${i} and ${j} are ${d.toFixed(2)} m apart`);
        }
      }
    }
  });

  it('projects a point to signed cross-track error (+ left) and arc length', () => {
    const road = roads[0];
    const out = projection();
    for (const k of [0, 37, 500, road.n - 1]) {
      const h = road.heading[k];
      for (const offset of [2, -1.5, 0]) {
        const x = road.x[k] - offset * Math.sin(h);
        const y = road.y[k] + offset * Math.cos(h);
        road.project(x, y, out);
        assert.ok(Math.abs(out.crossTrack - offset) < 1e-3, `offset ${offset} at ${k}: ${out.crossTrack}`);
        const ds = Math.abs(out.s - k * road.spacing);
        assert.ok(Math.min(ds, road.length - ds) < 0.02, `s at ${k}: ${out.s}`);
        // The hinted search agrees, including from a stale hint.
        const hinted = road.project(x, y, projection(), (k + 30) % road.n);
        assert.equal(hinted.index, out.index);
      }
    }
  });

  it('rasterises the signed distance and arc length that the closest-point query gives', () => {
    const road = roads[2];
    const raster = new RoadRaster(road);
    const rng = new SeededRng(9, 'test');
    const out = projection();
    for (let i = 0; i < 2000; i++) {
      const k = Math.floor(rng.uniform() * road.n);
      const offset = rng.range(-6, 6);
      const x = road.x[k] - offset * Math.sin(road.heading[k]) + rng.range(-0.1, 0.1);
      const y = road.y[k] + offset * Math.cos(road.heading[k]) + rng.range(-0.1, 0.1);
      road.project(x, y, out);
      const cell = raster.cellAt(x, y);
      assert.ok(Math.abs(raster.field[2 * cell] - out.crossTrack) < 0.1, `distance at (${x}, ${y}): ${raster.field[2 * cell]} vs ${out.crossTrack}`);
      const ds = Math.abs(raster.field[2 * cell + 1] - out.s);
      assert.ok(Math.min(ds, road.length - ds) < 0.15, `s at (${x}, ${y})`);
    }
    const b = road.bounds();
    assert.equal(raster.distanceAt((b.minX + b.maxX) / 2, (b.minY + b.maxY) / 2), FAR, 'the infield is off the band');
    assert.equal(raster.distanceAt(b.minX - 1000, 0), FAR, 'outside the raster');
  });

  it('draws the road and driven paths with a legend', () => {
    const road = roads[0];
    const svg = trackPlotSvg(road, [
      { name: 'expert', points: [[road.x[0], road.y[0]], [road.x[40], road.y[40]]] },
      { name: 'policy <cfc>', points: [[road.x[0], road.y[0]]], color: '#123456' },
    ], { title: 'seed 1' });
    assert.match(svg, /^<svg /);
    assert.equal((svg.match(/<polyline /g) ?? []).length, 2);
    assert.match(svg, />expert</);
    assert.match(svg, />policy &lt;cfc&gt;</);
    assert.match(svg, /stroke="#123456"/);
    assert.match(svg, />seed 1</);
  });
});
