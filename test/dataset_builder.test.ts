import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { McapBagWriter } from '../lnn_ros/bag/mcap_writer';
import { type DatasetConfig, loadDatasetConfig, parseDatasetConfig } from '../lnn_ros/bag/dataset/config';
import { DatasetBuilder } from '../lnn_ros/bag/dataset/dataset_builder';
import { exportDataset } from '../lnn_ros/bag/dataset/export';
import { decodeCompressedImage, rawImageView } from '../lnn_ros/bag/dataset/image_decode';
import { ImagePreprocessor } from '../lnn_ros/bag/dataset/image_preprocessor';
import { run as exportCommand } from '../lnn_ros/cli/bag_export';
import { ConfigError } from '../lnn_ros/errors';
import { MessageRegistry } from '../lnn_ros/msg/registry';
import { requirePython, runPython } from './python_peer';

const W = 16;
const H = 12;
const H0 = 100_000_000_000n; // header clock (simulation time) starts at 100 s
const L0 = 1_700_000_000_000_000_000n; // log clock (wall time)
const ms = (x: number) => BigInt(Math.round(x * 1e6));
/** The header clock jumps back (simulator reset) at τ = 3.95 s to 0.05 s after its start. */
const JUMP = 3.95;
const header = (tau: number) => H0 + (tau < JUMP ? ms(tau * 1000) : ms((tau - JUMP + 0.05) * 1000));
const jitter = (k: number) => (((k * 37) % 17) - 8) / 1000;
/** Camera frames 1..59 at 10 Hz with ±8 ms jitter, frames 20..29 missing (a 1.1 s gap). */
const FRAMES = [...Array(60).keys()].filter((k) => k >= 1 && (k < 20 || k >= 30));
const cameraTau = (k: number) => 0.1 * k + jitter(k);

/** rgb8 test pattern: R = 10x + k, G = 20y, B = 200 (linear, so bilinear resizing is exact). */
function pattern(k: number, width = W, height = H): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([10 * x + k, 20 * y, 200], 3 * (y * width + x));
  }
  return data;
}

function jpegOf(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set([rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], 255], 4 * i);
  return jpeg.encode({ data: rgba, width, height }, 95).data;
}

const stampOf = (ns: bigint) => ({ sec: Number(ns / 1_000_000_000n), nanosec: Number(ns % 1_000_000_000n) });

/**
 * The synthetic recording: camera (raw + JPEG) at 10 Hz with jitter, IMU at 100 Hz, cmd_vel
 * (Twist, no header) at 20 Hz; header stamps on a simulation clock that jumps back at τ = 3.95 s;
 * a camera gap, a wrong-sized frame (k = 5), a duplicate frame (k = 8), a NaN IMU sample (m = 55)
 * and a duplicate IMU stamp (m = 70).
 */
async function writeScenario(bag: string, registry: MessageRegistry): Promise<void> {
  const msgs: { topic: string; log: bigint; msg: unknown }[] = [];
  const at = (tau: number, latency: number) => L0 + ms((tau + latency) * 1000);
  for (const k of FRAMES) {
    const tau = cameraTau(k);
    const h = k === 5 ? 10 : H;
    const hdr = { stamp: stampOf(header(tau)), frame_id: 'camera' };
    const data = pattern(k, W, h);
    const image = { header: hdr, height: h, width: W, encoding: 'rgb8', is_bigendian: 0, step: 3 * W, data };
    const compressed = { header: hdr, format: 'rgb8; jpeg compressed bgr8', data: jpegOf(data, W, h) };
    for (let copy = 0; copy < (k === 8 ? 2 : 1); copy++) {
      msgs.push({ topic: '/camera/image_raw', log: at(tau, 0.004 + copy * 0.001), msg: image });
      msgs.push({ topic: '/camera/image_raw/compressed', log: at(tau, 0.005 + copy * 0.001), msg: compressed });
    }
  }
  for (let m = 0; m < 600; m++) {
    const tau = m / 100;
    const vec = (x: number, y: number, z: number) => ({ x, y, z });
    const imu = {
      header: { stamp: stampOf(header(tau)), frame_id: 'imu' },
      orientation: { x: 0, y: 0, z: 0, w: 1 },
      orientation_covariance: new Array(9).fill(0),
      angular_velocity: vec(0, 0, m === 55 ? NaN : m),
      angular_velocity_covariance: new Array(9).fill(0),
      linear_acceleration: vec(0.5, 0, 9.81),
      linear_acceleration_covariance: new Array(9).fill(0),
    };
    msgs.push({ topic: '/imu', log: at(tau, 0.001), msg: imu });
    if (m === 70) msgs.push({ topic: '/imu', log: at(tau, 0.0015), msg: imu });
    if (m === 80) msgs.push({ topic: '/imu', log: at(0.825, 0.001), msg: imu }); // re-sent late: out of order
  }
  for (let n = 0; n < 120; n++) {
    const twist = { linear: { x: n, y: 0, z: 0 }, angular: { x: 0, y: 0, z: 0.5 } };
    const hdr = { stamp: stampOf(header(n * 0.05)), frame_id: 'base_link' };
    msgs.push({ topic: '/cmd_vel', log: at(n * 0.05, 0.002), msg: twist });
    msgs.push({ topic: '/cmd_vel_stamped', log: at(n * 0.05, 0.003), msg: { header: hdr, twist } });
    const drive = { steering_angle: 0.25, steering_angle_velocity: 0, speed: n, acceleration: 0, jerk: 0 };
    msgs.push({ topic: '/ackermann_cmd', log: at(n * 0.05, 0.003), msg: { header: hdr, drive } });
  }
  msgs.sort((a, b) => (a.log < b.log ? -1 : a.log > b.log ? 1 : 0));
  const w = await McapBagWriter.open(bag, { codec: registry, compression: 'zstd' });
  await w.addTopic({ name: '/camera/image_raw', type: 'sensor_msgs/msg/Image' });
  await w.addTopic({ name: '/camera/image_raw/compressed', type: 'sensor_msgs/msg/CompressedImage' });
  await w.addTopic({ name: '/imu', type: 'sensor_msgs/msg/Imu' });
  await w.addTopic({ name: '/cmd_vel', type: 'geometry_msgs/msg/Twist' });
  await w.addTopic({ name: '/cmd_vel_stamped', type: 'geometry_msgs/msg/TwistStamped' });
  await w.addTopic({ name: '/ackermann_cmd', type: 'ackermann_msgs/msg/AckermannDriveStamped' });
  for (const m of msgs) await w.writeObject(m.topic, m.log, m.msg);
  await w.close();
}

const RAW_CONFIG = `
inputs:
  - topic: /camera/image_raw
    name: camera
    image:
      crop: {x: 2, y: 1, width: 12, height: 10}
      resize: {width: 6, height: 5}
      mean: [0.5, 0.5, 0.5]
      std: [0.25, 0.5, 1.0]
  - topic: /imu
target:
  topic: /cmd_vel
  tolerance: 0.03
alignment:
  max_gap: 0.5
  first_dt: 0.1
`;

const JPEG_CONFIG = `
inputs:
  - topic: /camera/image_raw/compressed
    name: camera
    image: {color: mono}
  - topic: /imu
    fields: [angular_velocity.z]
target:
  topic: /cmd_vel
  fields: [linear.x]
  tolerance: 0.03
`;

describe('dataset builder', function () {
  let tmp: string;
  let bag: string;
  const registry = MessageRegistry.standard();

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-ds-'));
    bag = path.join(tmp, 'drive');
    await writeScenario(bag, registry);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function config(yaml: string, name: string): DatasetConfig {
    const file = path.join(tmp, `${name}.yaml`);
    fs.writeFileSync(file, `${yaml}\nbags: [drive]\ncache:\n  dir: cache-${name}\n`);
    return loadDatasetConfig(file);
  }

  it('aligns multi-rate topics by header stamp, cuts at the gap and the time jump, and keeps dt', async () => {
    const { dataset, reports } = await new DatasetBuilder(config(RAW_CONFIG, 'raw')).build();
    const r = reports[0];
    assert.deepEqual(dataset.sequences.map((s) => s.length), [18, 9, 19], JSON.stringify(r));
    assert.deepEqual(r.cuts, { 'gap longer than max_gap': 1, 'time jumped back': 1 });
    assert.equal(r.messagesDropped['/camera/image_raw: image size mismatch'], 1);
    assert.equal(r.messagesDropped['/camera/image_raw: duplicate stamp'], 1);
    assert.equal(r.messagesDropped['/imu: non-finite value'], 1);
    assert.equal(r.messagesDropped['/imu: duplicate stamp'], 1);
    assert.equal(r.messagesDropped['/imu: stamp out of order'], 1);
    assert.equal(dataset.layout.featureDim, 5 * 6 * 3 + 6);
    assert.deepEqual(dataset.layout.inputs.map((i) => i.shape), [[5, 6, 3], [6]]);

    // Expected frames per sequence: the first after the gap and after the jump wait for fresh IMU.
    const expected = [FRAMES.filter((k) => k < 20 && k !== 5), FRAMES.filter((k) => k > 30 && k < 40), FRAMES.filter((k) => k > 40)];
    dataset.sequences.forEach((s, i) => {
      const block = dataset.read(s);
      const frames = expected[i];
      frames.forEach((k, j) => {
        const tau = cameraTau(k);
        assert.equal(block.stamps[j], header(tau), `sequence ${i} step ${j} is frame ${k}`);
        const dt = j === 0 ? 0.1 : Number(header(tau) - header(cameraTau(frames[j - 1]))) / 1e9;
        assert.ok(Math.abs(block.dt[j] - dt) < 1e-6, `dt ${block.dt[j]} vs ${dt}`);
        // IMU held at its latest sample stamped at or before the frame (m = 55 was NaN).
        const row = block.inputs.subarray(j * dataset.layout.featureDim, (j + 1) * dataset.layout.featureDim);
        const imu = row.subarray(90);
        assert.equal(imu[2], Math.floor(tau * 100 + 1e-9), `frame ${k}: IMU z`);
        assert.ok(Math.abs(imu[5] - 9.81) < 1e-5);
        // cmd_vel nearest in time: sample n = 2k (cmd_vel has no header: placed by log time).
        assert.equal(block.targets[2 * j], 2 * k);
        assert.equal(block.targets[2 * j + 1], 0.5);
        // Crop (2,1) 12x10 → 6x5 bilinear: source x = 2 + 2·dx + 0.5, y = 1 + 2·dy + 0.5 (exact on a linear pattern).
        for (let dy = 0; dy < 5; dy++) {
          for (let dx = 0; dx < 6; dx++) {
            const px = row.subarray(3 * (dy * 6 + dx), 3 * (dy * 6 + dx) + 3);
            const rgb = [(10 * (2.5 + 2 * dx) + k) / 255, (20 * (1.5 + 2 * dy)) / 255, 200 / 255];
            const want = [(rgb[0] - 0.5) / 0.25, (rgb[1] - 0.5) / 0.5, rgb[2] - 0.5];
            for (let c = 0; c < 3; c++) assert.ok(Math.abs(px[c] - want[c]) < 1e-5, `frame ${k} (${dx},${dy}) c${c}: ${px[c]} vs ${want[c]}`);
          }
        }
      });
    });
    dataset.close();
  });

  it('caches the preprocessed arrays: a second build decodes no JPEG', async () => {
    const cfg = config(JPEG_CONFIG, 'jpeg');
    const first = await new DatasetBuilder(cfg).build();
    const jpegFrames = FRAMES.length; // every frame decoded once (the duplicate is dropped before decoding)
    assert.equal(first.reports[0].imagesDecoded, jpegFrames);
    assert.equal(first.reports[0].cached, false);
    const second = await new DatasetBuilder(cfg).build();
    assert.equal(second.reports[0].cached, true);
    assert.equal(second.reports[0].imagesDecoded, 0);
    assert.equal(second.dataset.steps, first.dataset.steps);
    const a = first.dataset.read(first.dataset.sequences[1]);
    const b = second.dataset.read(second.dataset.sequences[1]);
    assert.deepEqual(b.inputs, a.inputs);
    // Mono luma of the JPEG frame ≈ the exact luma of the pattern at the pixel centre.
    const k = FRAMES.filter((f) => f > 30)[0];
    const luma = (x: number, y: number) => (0.299 * (10 * x + k) + 0.587 * 20 * y + 0.114 * 200) / 255;
    for (const [x, y] of [[3, 4], [10, 7]]) assert.ok(Math.abs(a.inputs[y * W + x] - luma(x, y)) < 0.04, `luma at ${x},${y}`);
    assert.equal(first.dataset.layout.featureDim, W * H + 1);
    const rebuilt = await new DatasetBuilder(cfg, { rebuild: true }).build();
    assert.equal(rebuilt.reports[0].imagesDecoded, jpegFrames);
    for (const d of [first, second, rebuilt]) d.dataset.close();
  });

  it('takes TwistStamped and AckermannDriveStamped targets by their header stamps', async () => {
    for (const [topic, second] of [['/cmd_vel_stamped', 0.5], ['/ackermann_cmd', 0.25]] as const) {
      const yaml = RAW_CONFIG.replace('topic: /cmd_vel\n', `topic: ${topic}\n`);
      const { dataset } = await new DatasetBuilder(config(yaml, topic.slice(1))).build();
      assert.deepEqual(dataset.sequences.map((q) => q.length), [18, 9, 19], topic);
      const block = dataset.read(dataset.sequences[0]);
      FRAMES.filter((k) => k < 20 && k !== 5).forEach((k, j) => assert.deepEqual([...block.targets.subarray(2 * j, 2 * j + 2)], [2 * k, second], `${topic} frame ${k}`));
      dataset.close();
    }
  });

  it('cuts windows inside sequences only', async () => {
    const { dataset } = await new DatasetBuilder(config(RAW_CONFIG, 'raw')).build();
    const windows = dataset.windows(8, 4);
    // 18 → 0,4,8 ; 9 → 0 ; 19 → 0,4,8
    assert.equal(windows.length, 7);
    for (const w of windows) {
      const s = dataset.sequences.find((q) => q.entry === w.entry && w.start >= q.start && w.start + w.length <= q.start + q.length);
      assert.ok(s, 'window within one sequence');
    }
    dataset.close();
  });

  it('exports .npy and safetensors that numpy reads back', async function () {
    requirePython(this, ['numpy']);
    const raw = config(RAW_CONFIG, 'raw');
    const { dataset } = await new DatasetBuilder(raw).build();
    const npyDir = path.join(tmp, 'export-npy');
    const stDir = path.join(tmp, 'export-st');
    await exportDataset(dataset, npyDir, { format: 'npy', blockSteps: 7 });
    assert.equal(await exportCommand([raw.file!, stDir, '--format', 'safetensors']), 0);
    type Arr = { shape: number[]; dtype: string; sum: number; first: number[] };
    const { arrays: out, featureDim } = runPython<{ arrays: Record<string, Arr>; featureDim: number }>(
      String.raw`
import json, struct, sys
import numpy as np
npy, st = sys.argv[1], sys.argv[2]
res = {}
for name in ['camera', 'imu', 'targets', 'dt', 'stamps', 'sequences']:
    a = np.load(f'{npy}/{name}.npy')
    res[name] = {'shape': list(a.shape), 'dtype': str(a.dtype), 'sum': float(a.astype(np.float64).sum()), 'first': a.reshape(-1)[:4].astype(np.float64).tolist()}
with open(f'{st}/dataset.safetensors', 'rb') as f:
    n = struct.unpack('<Q', f.read(8))[0]
    header = json.loads(f.read(n))
    data = f.read()
kinds = {'F32': np.float32, 'I64': np.int64}
for name, t in header.items():
    if name == '__metadata__': continue
    a = np.frombuffer(data[t['data_offsets'][0]:t['data_offsets'][1]], dtype=kinds[t['dtype']]).reshape(t['shape'])
    b = np.load(f'{npy}/{name}.npy')
    assert (a == b).all(), name
print(json.dumps({'arrays': res, 'featureDim': json.loads(header['__metadata__']['layout'])['featureDim']}))
`,
      [npyDir, stDir],
    );
    const n = dataset.steps;
    assert.deepEqual(out.camera.shape, [n, 5, 6, 3]);
    assert.equal(out.camera.dtype, 'float32');
    assert.deepEqual(out.imu.shape, [n, 6]);
    assert.deepEqual(out.targets.shape, [n, 2]);
    assert.deepEqual(out.dt.shape, [n]);
    assert.equal(out.stamps.dtype, 'int64');
    assert.deepEqual(out.sequences.first, [0, 18, 18, 9]);
    assert.equal(featureDim, dataset.layout.featureDim);
    // Sums agree with what the cache holds.
    let camera = 0;
    let targets = 0;
    for (const s of dataset.sequences) {
      const b = dataset.read(s);
      for (let j = 0; j < s.length; j++) for (let c = 0; c < 90; c++) camera += b.inputs[j * dataset.layout.featureDim + c];
      targets += b.targets.reduce((x, y) => x + y, 0);
    }
    assert.ok(Math.abs(out.camera.sum - camera) < 1e-2, `${out.camera.sum} vs ${camera}`);
    assert.ok(Math.abs(out.targets.sum - targets) < 1e-6);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(npyDir, 'dataset.json'), 'utf8')).arrays.camera.shape, [n, 5, 6, 3]);
    dataset.close();
  });

  it('validates the YAML and names the file and the key', async () => {
    const file = path.join(tmp, 'bad.yaml');
    const bad = (doc: unknown, key: RegExp) =>
      assert.throws(() => parseDatasetConfig(doc, file), (e: unknown) => e instanceof ConfigError && e.file === file && key.test(e.key), JSON.stringify(doc));
    const ok = { inputs: [{ topic: '/camera' }], target: { topic: '/cmd_vel' } };
    bad({ ...ok, target: undefined }, /^target$/);
    bad({ ...ok, inputs: [{ topic: '/camera', image: { resize: { width: 0, height: 4 } } }] }, /^inputs\[0\]\.image\.resize\.width$/);
    bad({ ...ok, inputs: [{ topic: '/camera', image: { mean: [1, 2] } }] }, /^inputs\[0\]\.image\.mean$/);
    bad({ ...ok, inputs: [{ topic: '/camera', colour: 'rgb' }] }, /^inputs\[0\]\.colour$/);
    bad({ ...ok, inputs: [{ topic: '/a' }, { topic: '/a' }] }, /^inputs\[1\]\.topic$/);
    bad({ ...ok, alignment: { step_topic: '/imu' } }, /^alignment\.step_topic$/);
    bad({ ...ok, alignment: { max_gap: -1 } }, /^alignment\.max_gap$/);
    bad({ ...ok, target: { topic: 'cmd_vel' } }, /^target\.topic$/);
    // Problems only the bag reveals are config errors too.
    fs.writeFileSync(file, 'inputs:\n  - topic: /nope\ntarget: {topic: /cmd_vel}\ncache: {dir: cache-bad}\n');
    await assert.rejects(new DatasetBuilder(loadDatasetConfig(file), { bags: [bag] }).build(), (e: unknown) => e instanceof ConfigError && e.key === 'inputs[0].topic' && /not in/.test(e.message));
    fs.writeFileSync(file, 'inputs:\n  - {topic: /imu, fields: [angular_velocity.w]}\ntarget: {topic: /cmd_vel}\ncache: {dir: cache-bad}\n');
    await assert.rejects(new DatasetBuilder(loadDatasetConfig(file), { bags: [bag] }).build(), (e: unknown) => e instanceof ConfigError && e.key === 'inputs[0].fields[0]');
    fs.writeFileSync(file, 'inputs:\n  - {topic: /imu, image: {}}\ntarget: {topic: /cmd_vel}\ncache: {dir: cache-bad}\n');
    await assert.rejects(new DatasetBuilder(loadDatasetConfig(file), { bags: [bag] }).build(), (e: unknown) => e instanceof ConfigError && e.key === 'inputs[0].image');
  });

  it('lays a map over its output back over the source image (NaN outside the crop), and undoes the normalisation for display', () => {
    const spec = { color: 'rgb' as const, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], crop: { x: 2, y: 1, width: 16, height: 8 }, resize: { width: 8, height: 4 } };
    const p = new ImagePreprocessor(spec);
    // A ramp over the output's columns: each source column inside the crop gets the output coordinate it falls on.
    const map = Float32Array.from({ length: 8 * 4 }, (_, i) => i % 8);
    const source = new Float32Array(20 * 10);
    p.toSource(map, { width: 20, height: 10 }, source);
    for (let y = 0; y < 10; y++) {
      for (let x = 0; x < 20; x++) {
        const v = source[y * 20 + x];
        if (y < 1 || y >= 9 || x < 2 || x >= 18) assert.ok(Number.isNaN(v), `(${x}, ${y}) is outside the crop`);
        else assert.ok(Math.abs(v - Math.min(7, Math.max(0, (x - 2 + 0.5) / 2 - 0.5))) < 1e-6, `(${x}, ${y}): ${v}`);
      }
    }
    const rgb = new Uint8Array(8 * 4 * 3);
    p.toRgb8(Float32Array.from({ length: 8 * 4 * 3 }, (_, i) => ((i % 256) / 255 - 0.5) / 0.25), rgb);
    assert.deepEqual(Array.from(rgb), Array.from({ length: 8 * 4 * 3 }, (_, i) => i % 256));
    const grey = new Uint8Array(3);
    new ImagePreprocessor({ color: 'mono', mean: [0], std: [1] }).toRgb8(Float32Array.of(2), grey);
    assert.deepEqual(Array.from(grey), [255, 255, 255], 'mono as grey, clipped to the displayable range');
  });

  it('reads every raw encoding and PNG alike', () => {
    const w = 5;
    const h = 4;
    const rgb = pattern(3, w, h);
    const spec = { color: 'rgb' as const, mean: [0, 0, 0], std: [1, 1, 1], resize: { width: 3, height: 2 } };
    const reference = new ImagePreprocessor(spec).process(rawImageView({ width: w, height: h, encoding: 'rgb8', is_bigendian: 0, step: 3 * w, data: rgb }));
    const repack = (channels: number, fill: (px: Uint8Array, r: number, g: number, b: number) => void, step = w * channels) => {
      const data = new Uint8Array(step * h);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) fill(data.subarray(y * step + x * channels), rgb[3 * (y * w + x)], rgb[3 * (y * w + x) + 1], rgb[3 * (y * w + x) + 2]);
      return data;
    };
    const cases: [string, number, (px: Uint8Array, r: number, g: number, b: number) => void][] = [
      ['bgr8', 3, (p, r, g, b) => p.set([b, g, r])],
      ['rgba8', 4, (p, r, g, b) => p.set([r, g, b, 7])],
      ['bgra8', 4, (p, r, g, b) => p.set([b, g, r, 7])],
    ];
    for (const [encoding, channels, fill] of cases) {
      const data = repack(channels, fill, w * channels + 2); // padded rows
      const out = new ImagePreprocessor(spec).process(rawImageView({ width: w, height: h, encoding, is_bigendian: 0, step: w * channels + 2, data }));
      assert.deepEqual(out, reference, encoding);
    }
    // mono8 / mono16 (both byte orders) give the same luma.
    const mono = { ...spec, color: 'mono' as const, mean: [0], std: [1] };
    const gray = repack(1, (p, r) => p.set([r]));
    const m8 = new ImagePreprocessor(mono).process(rawImageView({ width: w, height: h, encoding: 'mono8', is_bigendian: 0, step: w, data: gray }));
    const r16 = repack(2, (p, r) => p.set([r, r])); // r·257: mono16 of the same brightness
    const m16 = new ImagePreprocessor(mono).process(rawImageView({ width: w, height: h, encoding: 'mono16', is_bigendian: 0, step: 2 * w, data: r16 }));
    m16.forEach((v, i) => assert.ok(Math.abs(v - m8[i]) < 1e-6));
    // Byte order: value 1000x + 300y + 7, unresized, in both orders.
    const identity = { color: 'mono' as const, mean: [0], std: [1] };
    for (const big of [0, 1]) {
      const d16 = new Uint8Array(2 * w * h);
      for (let i = 0; i < w * h; i++) {
        const v = 1000 * (i % w) + 300 * Math.floor(i / w) + 7;
        d16.set(big ? [v >> 8, v & 255] : [v & 255, v >> 8], 2 * i);
      }
      const out = new ImagePreprocessor(identity).process(rawImageView({ width: w, height: h, encoding: 'mono16', is_bigendian: big, step: 2 * w, data: d16 }));
      out.forEach((v, i) => assert.ok(Math.abs(v - (1000 * (i % w) + 300 * Math.floor(i / w) + 7) / 65535) < 1e-6, `mono16 big=${big} at ${i}`));
    }
    const png = new PNG({ width: w, height: h });
    for (let i = 0; i < w * h; i++) png.data.set([rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], 255], 4 * i);
    const fromPng = new ImagePreprocessor(spec).process(decodeCompressedImage({ format: 'png', data: PNG.sync.write(png) }));
    assert.deepEqual(fromPng, reference);
    assert.throws(() => rawImageView({ width: w, height: h, encoding: 'rgb8', is_bigendian: 0, step: 3 * w, data: rgb.subarray(5) }), /image size mismatch/);
    assert.throws(() => rawImageView({ width: w, height: h, encoding: 'yuv422', is_bigendian: 0, step: 2 * w, data: rgb }), /unsupported image encoding/);
    assert.throws(() => decodeCompressedImage({ format: 'jpeg', data: new Uint8Array([0xff, 0xd8, 1, 2]) }), /image decode error/);
  });
});
