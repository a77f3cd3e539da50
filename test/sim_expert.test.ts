/** The simulator's expert: laps without leaving the road, with and without injected steering noise. */
import { strict as assert } from 'node:assert';
import { Simulator } from '../lnn_ros/sim/simulator';

/** Steps until one lap is done (or the time limit); returns the sim. */
function lap(sim: Simulator, limitSeconds = 90): Simulator {
  while (sim.metrics.summary().laps < 1 && sim.stepCount * sim.dt < limitSeconds) sim.step();
  return sim;
}

describe('sim expert', () => {
  for (const seed of [1, 6]) {
    it(`drives a lap of road ${seed} on the centre line without leaving the road`, () => {
      const m = lap(new Simulator({ seed, driver: 'expert' })).metrics.summary();
      assert.equal(m.laps, 1);
      assert.equal(m.offRoadEvents, 0);
      assert.equal(m.offRoadSeconds, 0);
      assert.ok(m.meanAbsCrossTrack < 0.15, `mean |cross-track| ${m.meanAbsCrossTrack}`);
      assert.ok(m.maxAbsCrossTrack < 0.4, `max |cross-track| ${m.maxAbsCrossTrack}`);
      assert.ok(m.simSeconds > 20 && m.simSeconds < 60, `${m.simSeconds} s`);
    });
  }

  it('recovers from injected steering noise, recording its clean correction rather than the noisy steering', () => {
    const sim = new Simulator({ seed: 3, driver: 'expert', steeringNoise: { std: 0.1, timeConstant: 1 } });
    let differs = 0;
    let correcting = 0;
    while (sim.metrics.summary().laps < 1 && sim.stepCount < 9000) {
      const wanted = sim.expertCommand.steer;
      sim.step();
      const executed = sim.vehicle.state.steer;
      if (Math.abs(executed - wanted) > 0.02) differs++;
      // Off the line, the expert's command steers back towards it.
      if (Math.abs(sim.projection.crossTrack) > 0.3 && Math.sign(sim.expertCommand.steer - executed) === -Math.sign(sim.projection.crossTrack)) correcting++;
    }
    const m = sim.metrics.summary();
    assert.equal(m.laps, 1);
    assert.equal(m.offRoadEvents, 0);
    assert.ok(m.maxAbsCrossTrack > 0.5, `the noise pushes it off the line (${m.maxAbsCrossTrack})`);
    assert.ok(differs > sim.stepCount / 3, 'executed steering is perturbed');
    assert.ok(correcting > 100, 'the recorded command corrects');
  });

  it('counts an off-road event each time a wheel leaves the road, and laps by net progress', () => {
    // Steering a constant angle from the centre line: out over the edge and round again.
    const sim = new Simulator({ seed: 2, start: { speed: 5 } });
    sim.setCommand(5, 0.3);
    for (let i = 0; i < 300; i++) sim.step();
    const m = sim.metrics.summary();
    assert.ok(m.offRoadEvents >= 1, `${m.offRoadEvents}`);
    assert.ok(m.offRoadSeconds > 0 && m.offRoadSeconds < m.simSeconds, `${m.offRoadSeconds} of ${m.simSeconds} s off the road`);
    assert.ok(m.maxAbsCrossTrack > sim.metrics.offRoadThreshold);
    assert.equal(m.laps, 0);
    assert.equal(sim.metrics.offRoadThreshold, sim.road.halfWidth - sim.vehicle.options.width / 2);
  });
});
