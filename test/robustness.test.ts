/** The robustness experiment: how runs add up over seeds, and a tiny real run with the feed-forward baseline. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runRobustness } from '../lnn_ros/demo/robustness';
import { main } from '../lnn_ros/cli/main';
import { readRobustnessResults, robustnessCharts, robustnessTable, RobustnessRun, summariseRuns, writeRobustnessBenchmarks, writeRobustnessReport } from '../lnn_ros/demo/robustness_report';
import { attentionVsRoad, saliencyTable, spearman, summariseAttention, typicalMapFile } from '../lnn_ros/demo/robustness_saliency';
import type { AttentionSummary } from '../lnn_ros/sim/attention';
import { useBackend } from './helpers/tf';

/** A run's attention: `edge` of it on road edges (`edgeArea` of the frame), `horizon` in the horizon band, the rest on the road. */
function attention(edge: number, horizon: number, frames = 10, edgeArea = 0.1): AttentionSummary {
  const share = (area_fraction: number, attention_fraction: number) => ({ area_fraction, attention_fraction });
  return {
    frames,
    classes: { road_edge: share(edgeArea, edge), road: share(0.4 - edgeArea, 1 - edge), verge: share(0.2, 0), sky: share(0.4, 0) },
    horizon_band: share(0.2, horizon),
  };
}

function run(model: string, seed: number, condition: string, road: number, events: number, crossTrack: number, seconds = 10): RobustnessRun {
  return {
    model, seed, condition, road,
    laps_completed: events ? 0 : 1, off_road_events: events, off_road_seconds: events ? seconds / 2 : 0,
    mean_abs_cross_track_m: crossTrack, max_abs_cross_track_m: 2 * crossTrack, sim_seconds: seconds,
  };
}

const RUNS: RobustnessRun[] = [
  // ltc in night: seed 1 leaves the road on road 101 and wanders far, seed 2 and 3 stay on it.
  run('ltc', 2, 'night', 101, 0, 0.2), run('ltc', 2, 'night', 102, 0, 0.4),
  run('ltc', 1, 'night', 101, 2, 40), run('ltc', 1, 'night', 102, 0, 0.1, 30),
  run('ltc', 3, 'night', 101, 0, 0.25), run('ltc', 3, 'night', 102, 0, 0.35),
  run('ltc', 1, 'summer', 101, 0, 0.1), run('ltc', 1, 'summer', 102, 0, 0.1),
  run('feedforward', 1, 'summer', 101, 0, 0.15), run('feedforward', 1, 'summer', 102, 1, 0.3),
];

describe('robustness experiment', () => {
  it('sums events per seed and takes the median over seeds of the time-weighted cross-track', () => {
    const cells = summariseRuns(RUNS);
    // The training condition first.
    assert.deepEqual(cells.map((c) => `${c.model}/${c.condition}`), ['ltc/summer', 'ltc/night', 'feedforward/summer']);
    const night = cells[1];
    assert.equal(night.runs, 6);
    assert.equal(night.off_road_events, 2);
    assert.deepEqual(night.off_road_events_per_seed, [2, 0, 0]);
    assert.deepEqual(night.left_road_pct_per_seed, [50, 0, 0]);
    assert.equal(night.clean_runs, 5);
    assert.equal(night.laps_completed, 5);
    // 5 s off the road out of 10 + 30 + 4 × 10 s.
    assert.equal(night.off_road_time_pct, (100 * 5) / 80);
    // Seed 1: (40·10 + 0.1·30) / 40 = 10.075; seed 2: 0.3; seed 3: 0.3.
    assert.ok(Math.abs(night.mean_abs_cross_track_m.median - 0.3) < 1e-12);
    assert.ok(Math.abs(night.mean_abs_cross_track_m.min - 0.3) < 1e-12);
    assert.ok(Math.abs(night.mean_abs_cross_track_m.max - 10.075) < 1e-12);
  });

  it('reports clean runs in and out of distribution per model, and every cell', () => {
    const cells = summariseRuns(RUNS);
    const md = robustnessTable(cells, {
      models: ['ltc', 'feedforward'], conditions: ['summer', 'night'], trainRoads: [1, 2], recordSeconds: 60, seeds: [1, 2, 3],
      training: { image: { width: 64, height: 24 }, epochs: 12 }, testRoads: [101, 102], laps: 1,
    });
    assert.match(md, /\| ltc \| LTC \(AutoNCP 16\) \| 2 \/ 2 \| 0 \| 5 \/ 6 \| 2 \|/);
    assert.match(md, /\| feedforward \| FeedForward \(16\) \| 1 \/ 2 \| 1 \| n\/a \| n\/a \|/);
    assert.match(md, /\| ltc \| night \| 5 \| 2 \(2 \/ 0 \/ 0\) \| 5 \/ 6 \| 6\.3 % \| 0\.300 \(0\.300–10\.075\) \|/);
    assert.match(md, /Out of distribution: night\./);
    assert.match(md, /drives held-out roads 101, 102 for 1 lap\(s\) in every condition/);
  });

  it('draws both charts with a bar per model and condition present', () => {
    const { offRoad, crossTrack } = robustnessCharts(summariseRuns(RUNS));
    // ltc: night and summer; feedforward: summer only (its night bar is missing, not zero).
    for (const svg of [offRoad, crossTrack]) {
      assert.match(svg, /night/);
      assert.match(svg, /feedforward/);
    }
    assert.match(crossTrack, /clipped at 1 m/);
    // ltc in night: 1 of 6 runs left the road (whiskers 0–50 % over seeds); feedforward in summer: 1 of 2.
    assert.match(offRoad, /<title>ltc, night: 16\.67<\/title>/);
    assert.match(offRoad, /<title>feedforward, summer: 50<\/title>/);
  });

  it('trains every model with each seed and drives it in each condition (tiny run, feed-forward and CfC)', async function () {
    this.timeout(180000);
    await useBackend();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-robust-'));
    const lines: string[] = [];
    const results = await runRobustness({
      out, command: 'lnn-ros robustness (test)', models: ['feedforward', 'cfc'], conditions: ['summer', 'night'], trainRoads: [1], recordSeconds: 12, seeds: [1, 2],
      training: { image: { width: 64, height: 24 }, epochs: 1 }, testRoads: [101], laps: 1, seconds: 3, log: (l) => lines.push(l),
      saliency: { method: 'visual_backprop', conditions: ['night'] },
    });
    const cells = summariseRuns(results.runs);
    assert.deepEqual(cells.map((c) => `${c.model}/${c.condition}/${c.runs}`), ['feedforward/summer/2', 'feedforward/night/2', 'cfc/summer/2', 'cfc/night/2']);
    for (const c of cells) assert.ok(Number.isFinite(c.mean_abs_cross_track_m.median), JSON.stringify(c));
    for (const dir of ['feedforward/seed_1', 'feedforward/seed_2', 'cfc/seed_1', 'cfc/seed_2']) assert.ok(fs.existsSync(path.join(out, 'policies', dir, 'policy.yaml')), dir);
    // The seed changes the trained weights.
    const weights = (seed: number) => fs.readFileSync(path.join(out, 'policies', 'feedforward', `seed_${seed}`, 'rnn', 'weights.safetensors'));
    assert.ok(!weights(1).equals(weights(2)));
    const saved = readRobustnessResults(path.join(out, 'results.json'));
    assert.deepEqual(saved, results);
    assert.equal(saved.runs.length, 8);
    assert.ok(saved.wall_seconds! > 0);
    assert.match(fs.readFileSync(path.join(out, 'table.md'), 'utf8'), /2 training seeds/);
    for (const svg of ['off_road.svg', 'cross_track.svg']) assert.match(fs.readFileSync(path.join(out, svg), 'utf8'), /^<svg/);
    // Where they look, in night only: 3 s of 20 Hz frames per run, a typical map each, and the figure.
    for (const r of saved.runs) assert.equal(r.attention?.frames ?? 0, r.condition === 'night' ? 60 : 0, `${r.model} ${r.condition}`);
    for (const r of saved.runs.filter((x) => x.condition === 'night')) assert.ok(fs.existsSync(path.join(out, typicalMapFile(r))), typicalMapFile(r));
    assert.ok(fs.statSync(path.join(out, 'saliency_maps.png')).size > 0);
    assert.match(fs.readFileSync(path.join(out, 'table.md'), 'utf8'), /\| cfc \| CfC \(16\) \|[^]*\n\n### Where the policies look[^]*\| feedforward \| night \| [\d.]+ ± [\d.]+ \([\d.]+\) \| [\d.]+ \|/);
    assert.ok(lines.some((l) => /feedforward seed 2 \(FeedForward \(16\)\) in night/.test(l)), lines.join('\n'));
  });

  it('writes its section into BENCHMARKS.md and bench/, leaving the hand-kept rest alone', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-bench-'));
    const file = path.join(root, 'BENCHMARKS.md');
    fs.writeFileSync(file, '# Benchmarks\n\nhand-written before\n');
    const results = {
      command: 'npx lnn-ros robustness --seeds 1,2,3', wall_seconds: 1234,
      setup: { models: ['ltc', 'feedforward'], conditions: ['summer', 'night'], trainRoads: [1, 2], recordSeconds: 60, seeds: [1, 2, 3], training: { image: { width: 64, height: 24 }, epochs: 12 }, testRoads: [101, 102], laps: 1 },
      runs: RUNS,
    };
    writeRobustnessBenchmarks(root, results);
    fs.appendFileSync(file, '\nhand-written after\n');
    writeRobustnessBenchmarks(root, { ...results, wall_seconds: 600 }); // replaced, not appended twice
    const text = fs.readFileSync(file, 'utf8');
    assert.equal(text.match(/<!-- begin robustness -->/g)?.length, 1);
    assert.match(text, /^# Benchmarks\n\nhand-written before\n\n<!-- begin robustness -->\n## Robustness experiment \(generated\)\n/);
    assert.match(text, /`npx lnn-ros robustness --seeds 1,2,3` \(10\.0 min wall;/);
    assert.match(text, /\| ltc \| night \| 5 \| 2 \(2 \/ 0 \/ 0\) \|/);
    assert.match(text, /!\[runs that left the road, by condition\]\(bench\/robustness_off_road\.svg\)/);
    assert.match(text, /<!-- end robustness -->\n\nhand-written after\n$/);
    assert.equal(fs.readFileSync(path.join(root, 'bench', 'robustness.md'), 'utf8').trim(), text.split('<!-- begin robustness -->\n')[1].split('\n<!-- end robustness -->')[0]);
    for (const svg of ['robustness_off_road.svg', 'robustness_cross_track.svg']) assert.match(fs.readFileSync(path.join(root, 'bench', svg), 'utf8'), /^<svg/);
  });

  it('sums attention up per model and condition over seeds, and ranks it against staying on the road', () => {
    const runs: RobustnessRun[] = [
      // Seed 1: roads 101 (10 frames, 0.2 on edges) and 102 (30 frames, 0.6): 0.5 frame-weighted; seed 2: 0.3.
      // Edge areas: ltc 1 0.5, ltc 2 0.1, cfc 1 0.05 (attention over area: 1, 3, 2).
      { ...run('ltc', 1, 'winter', 101, 0, 0.1), attention: attention(0.2, 0.1, 10, 0.5) },
      { ...run('ltc', 1, 'winter', 102, 0, 0.1), attention: attention(0.6, 0.1, 30, 0.5) },
      { ...run('ltc', 2, 'winter', 101, 1, 2), attention: attention(0.3, 0.4) },
      { ...run('ltc', 2, 'winter', 102, 1, 2), attention: attention(0.3, 0.4) },
      { ...run('cfc', 1, 'winter', 101, 2, 3), attention: attention(0.1, 0.5, 10, 0.05) },
      { ...run('cfc', 1, 'winter', 102, 0, 0.1), attention: attention(0.1, 0.5, 10, 0.05) },
      { ...run('cfc', 1, 'summer', 101, 0, 0.1), attention: attention(0.4, 0.2) },
      { ...run('ltc', 1, 'summer', 101, 0, 0.1), attention: attention(0.1, 0.2) },
      run('cfc', 1, 'night', 101, 0, 0.1), // not a saliency condition: no attention
    ];
    const cells = summariseAttention(runs);
    assert.deepEqual(cells.map((c) => `${c.model}/${c.condition}/${c.seeds}/${c.frames}`), ['ltc/summer/1/10', 'ltc/winter/2/60', 'cfc/summer/1/10', 'cfc/winter/1/20']);
    const edge = cells[1].classes.road_edge;
    assert.ok(Math.abs(edge.attention.mean - 0.4) < 1e-12 && Math.abs(edge.attention.sd - Math.sqrt(0.02)) < 1e-12, JSON.stringify(edge));
    assert.ok(Math.abs(edge.area - 0.3) < 1e-12);
    // Winter, per policy: ltc 1 (edge 0.5, horizon 0.1, clean 1), ltc 2 (0.3, 0.4, 0), cfc 1 (0.1, 0.5, 0.5).
    const [winter, all, trained] = attentionVsRoad(runs);
    assert.deepEqual([winter.scope, winter.points, all.scope, all.points], ['winter', 3, 'out of distribution', 3]);
    assert.ok(Math.abs(winter.edge - spearman([0.5, 0.3, 0.1], [1, 0, 0.5])) < 1e-12);
    assert.ok(Math.abs(winter.edge - 0.5) < 1e-12 && Math.abs(winter.horizon - -0.5) < 1e-12, JSON.stringify(winter));
    assert.ok(Math.abs(winter.edgeOverArea - -1) < 1e-12, 'over their area the edges rank the other way');
    // Summer attention (ltc 1: 0.1, cfc 1: 0.4) against each policy's clean share of all its other runs (ltc 1: 2 of 2, cfc 1: 2 of 3).
    assert.deepEqual([trained.scope, trained.points], ['summer maps → all out-of-distribution runs', 2]);
    assert.ok(Math.abs(trained.edge - -1) < 1e-12, JSON.stringify(trained));
    assert.equal(spearman([1, 2, 3, 4], [10, 20, 20, 30]), spearman([1, 2, 3, 4], [1, 2.5, 2.5, 4]), 'ties share their mean rank');
    assert.ok(Number.isNaN(spearman([1, 2, 3], [1, 1, 1])));
    const md = saliencyTable(runs, 'maps.png');
    assert.match(md, /\| ltc \| winter \| 40\.0 ± 14\.1 \(30\.0\) \| 1\.33 \|/);
    assert.match(md, /\| winter \| 3 \| 0\.50 \| -1\.00 \| -0\.50 \|/);
    assert.match(md, /\| summer maps → all out-of-distribution runs \| 2 \| -1\.00 \|/);
    assert.match(md, /!\[typical VisualBackProp maps: rows ltc, cfc; columns summer, winter\]\(maps\.png\)/);
    assert.equal(saliencyTable(RUNS, null), '', 'nothing without attention');
  });

  it('--from re-renders an experiment in place only with --overwrite, keeping its bags and policies', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-rerender-'));
    const results = { command: 'npx lnn-ros robustness', wall_seconds: 1, setup: { models: ['ltc', 'feedforward'], conditions: ['summer', 'night'], trainRoads: [1], recordSeconds: 60, seeds: [1, 2, 3], training: { image: { width: 64, height: 24 }, epochs: 12 }, testRoads: [101, 102], laps: 1 }, runs: RUNS };
    writeRobustnessReport(out, results);
    fs.mkdirSync(path.join(out, 'policies'));
    fs.writeFileSync(path.join(out, 'policies', 'kept.txt'), 'a policy');
    fs.writeFileSync(path.join(out, 'table.md'), 'stale');
    const from = path.join(out, 'results.json');
    await assert.rejects(main(['robustness', '--from', from, '--out', out]), /already holds a robustness experiment; pass --overwrite to replace it/);
    assert.equal(await main(['robustness', '--from', from, '--out', out, '--overwrite']), 0);
    assert.match(fs.readFileSync(path.join(out, 'table.md'), 'utf8'), /\| ltc \| night \|/);
    assert.equal(fs.readFileSync(path.join(out, 'policies', 'kept.txt'), 'utf8'), 'a policy');
    assert.deepEqual(fs.readdirSync(path.dirname(out)).filter((n) => n.startsWith(`.${path.basename(out)}.`)), []);
  });

  it('refuses a results file that is not one', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-bench-')), 'results.json');
    fs.writeFileSync(file, '{"runs": []}');
    assert.throws(() => readRobustnessResults(file), /results\.json: not a robustness results\.json \(expected command, setup and runs\)/);
    fs.writeFileSync(file, '{"runs": [');
    assert.throws(() => readRobustnessResults(file), /results\.json: cannot read the experiment's results/);
  });
});
