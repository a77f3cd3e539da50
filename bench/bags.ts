/**
 * Recorded-data benchmarks: writing and reading a ~100 MB camera bag (MCAP and SQLite, same
 * content), building a dataset from its JPEG topic (decode + resize), reading training windows back
 * from the cache, and the same reads with Python `rosbags` when python3 has it.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as jpeg from 'jpeg-js';
import { parseDatasetConfig } from '../lnn_ros/bag/dataset/config';
import { DatasetBuilder } from '../lnn_ros/bag/dataset/dataset_builder';
import { McapBagWriter } from '../lnn_ros/bag/mcap_writer';
import { openBag } from '../lnn_ros/bag/open';
import { MessageRegistry } from '../lnn_ros/msg/registry';
import { SqliteBagWriter } from './sqlite_bag_writer';
import type { BenchEntry } from './types';

const COMMAND = 'npm run bench -- bags';
const WIDTH = 640;
const HEIGHT = 480;
/** 110 raw 640×480 rgb8 frames ≈ 101 MB of payload, plus JPEG, IMU and cmd_vel topics. */
const RAW_FRAMES = 110;
const JPEG_FRAMES = 300;
const DISTINCT_JPEGS = 10;

function frame(k: number): Uint8Array {
  const data = new Uint8Array(WIDTH * HEIGHT * 3);
  for (let y = 0, i = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++, i += 3) {
      data[i] = (x + 3 * k) & 255;
      data[i + 1] = (y + 5 * k) & 255;
      data[i + 2] = ((x ^ y) + k) & 255;
    }
  }
  return data;
}

function jpegFrame(k: number): Uint8Array {
  const rgb = frame(k);
  const rgba = new Uint8Array(WIDTH * HEIGHT * 4);
  for (let i = 0; i < WIDTH * HEIGHT; i++) rgba.set([rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], 255], 4 * i);
  return jpeg.encode({ data: rgba, width: WIDTH, height: HEIGHT }, 85).data;
}

interface Message {
  topic: string;
  logNs: bigint;
  data: Uint8Array;
}

const v3 = (x: number) => ({ x, y: 0, z: 0 });

const TOPICS: [string, string][] = [
  ['/camera/image_raw', 'sensor_msgs/msg/Image'],
  ['/camera/image_raw/compressed', 'sensor_msgs/msg/CompressedImage'],
  ['/imu', 'sensor_msgs/msg/Imu'],
  ['/cmd_vel', 'geometry_msgs/msg/Twist'],
];

/** The recording, message by message in log-time order (30 s: raw camera ~3.7 Hz, JPEG 10 Hz, IMU 100 Hz, cmd 20 Hz). */
function* recording(registry: MessageRegistry): Generator<Message> {
  const jpegs = [...Array(DISTINCT_JPEGS).keys()].map(jpegFrame);
  const t0 = 1_700_000_000_000_000_000n;
  const ns = (s: number) => t0 + BigInt(Math.round(s * 1e9));
  const stamp = (s: number) => ({ sec: 1_700_000_000 + Math.floor(s), nanosec: Math.round((s % 1) * 1e9) });
  const duration = JPEG_FRAMES / 10;
  const events: { t: number; make: () => Message }[] = [];
  for (let k = 0; k < RAW_FRAMES; k++) {
    const t = (k * duration) / RAW_FRAMES + 0.003;
    const msg = { header: { stamp: stamp(t), frame_id: 'camera' }, height: HEIGHT, width: WIDTH, encoding: 'rgb8', is_bigendian: 0, step: 3 * WIDTH, data: frame(k) };
    events.push({ t, make: () => ({ topic: TOPICS[0][0], logNs: ns(t + 0.004), data: registry.encode(TOPICS[0][1], msg) }) });
  }
  for (let k = 0; k < JPEG_FRAMES; k++) {
    const t = k / 10;
    const msg = { header: { stamp: stamp(t), frame_id: 'camera' }, format: 'rgb8; jpeg compressed bgr8', data: jpegs[k % DISTINCT_JPEGS] };
    events.push({ t, make: () => ({ topic: TOPICS[1][0], logNs: ns(t + 0.004), data: registry.encode(TOPICS[1][1], msg) }) });
  }
  const zeros = new Array(9).fill(0);
  for (let m = 0; m < duration * 100; m++) {
    const t = m / 100;
    const msg = { header: { stamp: stamp(t), frame_id: 'imu' }, orientation: { x: 0, y: 0, z: 0, w: 1 }, orientation_covariance: zeros, angular_velocity: v3(m), angular_velocity_covariance: zeros, linear_acceleration: v3(9.81), linear_acceleration_covariance: zeros };
    events.push({ t, make: () => ({ topic: TOPICS[2][0], logNs: ns(t + 0.001), data: registry.encode(TOPICS[2][1], msg) }) });
  }
  for (let n = 0; n < duration * 20; n++) {
    const t = n / 20;
    events.push({ t, make: () => ({ topic: TOPICS[3][0], logNs: ns(t + 0.002), data: registry.encode(TOPICS[3][1], { linear: v3(n), angular: v3(0.1) }) }) });
  }
  events.sort((a, b) => a.t - b.t);
  for (const e of events) yield e.make();
}

interface ReadResult {
  messages: number;
  bytes: number;
  seconds: number;
}

async function readAll(bag: string): Promise<ReadResult> {
  const started = performance.now();
  const reader = await openBag(bag);
  let messages = 0;
  let bytes = 0;
  try {
    for await (const m of reader.messages()) {
      messages++;
      bytes += m.data.byteLength;
    }
  } finally {
    reader.close();
  }
  return { messages, bytes, seconds: (performance.now() - started) / 1000 };
}

const PY_READ = String.raw`
import json, sys, time
from rosbags.rosbag2 import Reader
out = {}
for bag in sys.argv[1:]:
    t = time.perf_counter(); n = 0; b = 0
    with Reader(bag) as r:
        for _, _, raw in r.messages():
            n += 1; b += len(raw)
    out[bag] = {'messages': n, 'bytes': b, 'seconds': time.perf_counter() - t}
print(json.dumps(out))
`;

/** Python rosbags reads of the bags, or the reason it could not run. */
function pythonReads(bags: string[]): Record<string, ReadResult> | string {
  const r = spawnSync('python3', ['-c', PY_READ, ...bags], { encoding: 'utf8' });
  if (r.error) return `python3 not runnable (${r.error.message})`;
  if (r.status !== 0) return /No module named/.test(r.stderr) ? 'python3 has no rosbags (pip install rosbags)' : `rosbags failed: ${r.stderr.trim().split('\n').pop()}`;
  return JSON.parse(r.stdout) as Record<string, ReadResult>;
}

const MB = 1e6;

function throughput(label: string, r: ReadResult, command: string, note?: string): BenchEntry[] {
  return [
    { name: `${label}: payload`, unit: 'MB/s', value: r.bytes / MB / r.seconds, note, command },
    { name: `${label}: messages`, unit: 'msg/s', value: r.messages / r.seconds, command },
  ];
}

export async function run(): Promise<BenchEntry[]> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-bench-bags-'));
  const entries: BenchEntry[] = [];
  try {
    const registry = MessageRegistry.standard();
    const mcapBag = path.join(tmp, 'camera_mcap');
    const sqliteBag = path.join(tmp, 'camera_sqlite');
    const mcap = await McapBagWriter.open(mcapBag, { codec: registry });
    const sqlite = new SqliteBagWriter(sqliteBag);
    for (const [name, type] of TOPICS) {
      await mcap.addTopic({ name, type });
      sqlite.addTopic(name, type, registry.schemaText(type));
    }
    let mcapSeconds = 0;
    let bytes = 0;
    for (const m of recording(registry)) {
      const t = performance.now();
      await mcap.write(m.topic, m.logNs, m.data);
      mcapSeconds += (performance.now() - t) / 1000;
      sqlite.write(m.topic, m.logNs, m.data);
      bytes += m.data.byteLength;
    }
    const t = performance.now();
    await mcap.close();
    mcapSeconds += (performance.now() - t) / 1000;
    sqlite.close();
    const size = (dir: string) => fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
    const sizes = `${(bytes / MB).toFixed(0)} MB payload in ${mcap.count} messages; MCAP ${(size(mcapBag) / MB).toFixed(0)} MB, SQLite ${(size(sqliteBag) / MB).toFixed(0)} MB on disk`;
    entries.push({ name: 'MCAP write (McapBagWriter, uncompressed chunks)', unit: 'MB/s', value: bytes / MB / mcapSeconds, note: sizes, command: COMMAND });

    entries.push(...throughput('MCAP read (openBag)', await readAll(mcapBag), COMMAND));
    entries.push(...throughput('SQLite read (openBag)', await readAll(sqliteBag), COMMAND));

    const py = pythonReads([mcapBag, sqliteBag]);
    const pyCommand = `${COMMAND} (python3 rosbags Reader.messages(), raw)`;
    for (const [label, bag] of [['MCAP read (Python rosbags)', mcapBag], ['SQLite read (Python rosbags)', sqliteBag]] as const) {
      if (typeof py === 'string') {
        entries.push({ name: `${label}: payload`, unit: 'MB/s', value: null, note: py, command: pyCommand });
      } else {
        entries.push(...throughput(label, py[bag], pyCommand));
      }
    }

    const config = parseDatasetConfig({
      inputs: [{ topic: '/camera/image_raw/compressed', name: 'camera', image: { crop: { x: 0, y: 120, width: 640, height: 360 }, resize: { width: 128, height: 72 } } }, { topic: '/imu' }],
      target: { topic: '/cmd_vel' },
      cache: { dir: path.join(tmp, 'cache') },
    });
    const rssBefore = process.memoryUsage().rss;
    const built = await new DatasetBuilder(config, { bags: [mcapBag] }).build();
    const report = built.reports[0];
    const buildNote = `${report.imagesDecoded} JPEG 640×480 decoded, crop 640×360, bilinear to 128×72; ${report.steps} steps`;
    entries.push({ name: 'dataset build (JPEG decode + crop + resize)', unit: 'frames/s', value: report.imagesDecoded / report.seconds, note: buildNote, command: COMMAND });
    entries.push({ name: 'dataset build: peak RSS of the bench process', unit: 'MB', value: process.resourceUsage().maxRSS / 1024, note: `RSS before the build ${(rssBefore / MB).toFixed(0)} MB (the bag is streamed, features are written to the cache as they come)`, command: COMMAND });

    const started = performance.now();
    const cached = await new DatasetBuilder(config, { bags: [mcapBag] }).build();
    let steps = 0;
    for (const w of cached.dataset.windows(32, 1)) steps += cached.dataset.read(w).dt.length;
    const epochSeconds = (performance.now() - started) / 1000;
    entries.push({ name: 'epoch from the cache (32-step windows, stride 1)', unit: 'steps/s', value: steps / epochSeconds, note: `${cached.reports[0].imagesDecoded} images decoded on the cached run`, command: COMMAND });
    built.dataset.close();
    cached.dataset.close();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return entries;
}
