/** The drive node's pure parts: stamp gating and command shaping. */
import { strict as assert } from 'node:assert';
import { CommandShaper } from '../lnn_ros/nodes/command_shaper';
import { StampGate } from '../lnn_ros/nodes/stamp_gate';

const s = (seconds: number) => BigInt(Math.round(seconds * 1e9));

describe('StampGate', () => {
  const gate = () => new StampGate({ maxDt: 0.5, jumpBack: 1.0, initialDt: 0.05 });

  it('advances by the elapsed time between stamps', () => {
    const g = gate();
    assert.deepEqual(g.check(s(10)), { action: 'reset', reason: 'start', dt: 0.05 });
    assert.deepEqual(g.check(s(10.1)), { action: 'step', dt: 0.1 });
    const d = g.check(s(10.133));
    assert.equal(d.action, 'step');
    assert.ok(d.action === 'step' && Math.abs(d.dt - 0.033) < 1e-9);
  });

  it('drops duplicates and late messages, resets on jumps back and gaps', () => {
    const g = gate();
    g.check(s(10));
    assert.deepEqual(g.check(s(10)), { action: 'drop', reason: 'duplicate' });
    g.check(s(10.2));
    assert.deepEqual(g.check(s(10.1)), { action: 'drop', reason: 'out_of_order' });
    assert.deepEqual(g.check(s(10.3)), { action: 'step', dt: 0.1 }, 'a dropped message does not move the clock');
    assert.deepEqual(g.check(s(2)), { action: 'reset', reason: 'jump_back', dt: 0.05 });
    assert.deepEqual(g.check(s(2.1)), { action: 'step', dt: 0.1 });
    assert.deepEqual(g.check(s(3)), { action: 'reset', reason: 'gap', dt: 0.05 });
  });
});

describe('CommandShaper', () => {
  const axes = [
    { scale: 1, offset: 0, min: -1, max: 2, maxRate: 1 },
    { scale: 2, offset: 0.5, min: -0.5, max: 0.5, maxRate: Infinity },
  ];

  it('scales, clamps and rate-limits from zero at start', () => {
    const shaper = new CommandShaper(axes, s(0));
    const out = new Float64Array(2);
    assert.ok(shaper.shape([5, -3], s(0.5), out));
    assert.deepEqual(Array.from(out), [0.5, -0.5]); // +1/s for 0.5 s; clamped to -0.5
    assert.ok(shaper.shape([5, 0], s(0.5), out));
    assert.deepEqual(Array.from(out), [0.5, 0.5], 'no time passed: no change on a rate-limited axis');
    assert.ok(shaper.shape([5, 0], s(10), out));
    assert.deepEqual(Array.from(out), [2, 0.5]);
  });

  it('refuses non-finite outputs without changing its state', () => {
    const shaper = new CommandShaper(axes, s(0));
    const out = new Float64Array([7, 7]);
    assert.equal(shaper.shape([NaN, 0], s(1), out), false);
    assert.equal(shaper.shape([0, Infinity], s(1), out), false);
    assert.deepEqual(Array.from(out), [7, 7]);
    assert.ok(shaper.shape([1, 0], s(1), out));
    assert.deepEqual(Array.from(out), [1, 0.5]);
  });

  it('stops at zero clamped into the limits, and ramps up from there', () => {
    const shaper = new CommandShaper([{ scale: 1, offset: 0, min: 0.2, max: 1, maxRate: 0.5 }], s(0));
    const out = new Float64Array(1);
    shaper.stop(s(1), out);
    assert.deepEqual(Array.from(out), [0.2]);
    shaper.shape([1], s(2), out);
    assert.ok(Math.abs(out[0] - 0.7) < 1e-12);
  });
});
