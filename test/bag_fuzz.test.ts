/**
 * Fuzzing of the bag readers and the CDR decoder with mutated copies of the real bags: every case
 * must end in a (possibly partial) read or an InputError: no other exception, no crash, no hang,
 * no unbounded allocation. Seeded and deterministic; a failure prints the case to replay.
 */

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openBag } from '../lnn_ros/bag/open';
import { InputError } from '../lnn_ros/errors';
import { MessageRegistry } from '../lnn_ros/msg/registry';
import { collect, realBags, tempDir } from './bag_helpers';

const SEED = 20240611;
/** Mutated bag files (storage files and metadata.yaml), opened and read to the end. */
const FILE_CASES = 6000;
/** Mutated CDR payloads of the real messages, decoded. */
const CDR_CASES = 50000;
/** Resident memory may not grow by more than this over the whole suite. */
const MAX_RSS_GROWTH = 512 * 1024 * 1024;

/** mulberry32: a small, seedable PRNG (Math.random cannot be replayed). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values that break length fields: empty, off by one, huge, negative as int32. */
function interestingLength(random: () => number, size: number): number {
  const choices = [0, 1, 2, 3, 4, size - 1, size, size + 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, Math.floor(random() * 0x10000)];
  return (choices[Math.floor(random() * choices.length)] ?? 0) >>> 0;
}

/** One mutation of `input`: flipped bytes, a truncation, or a length-like word overwritten. */
function mutate(input: Uint8Array, random: () => number, minOffset = 0): { bytes: Uint8Array; how: string } {
  const bytes = Uint8Array.from(input);
  const at = (): number => minOffset + Math.floor(random() * Math.max(1, bytes.byteLength - minOffset));
  const kind = random();
  if (kind < 0.45) {
    const flips = 1 + Math.floor(random() * 8);
    const where: number[] = [];
    for (let i = 0; i < flips; i++) {
      const p = at();
      bytes[p] = (bytes[p] ?? 0) ^ (1 + Math.floor(random() * 255));
      where.push(p);
    }
    return { bytes, how: `flipped bytes at ${where.join(',')}` };
  }
  if (kind < 0.65) {
    const length = Math.floor(random() * bytes.byteLength);
    return { bytes: bytes.subarray(0, length), how: `truncated to ${length} bytes` };
  }
  const offset = Math.min(at() & ~3, Math.max(0, bytes.byteLength - 4));
  const value = interestingLength(random, bytes.byteLength - offset);
  if (bytes.byteLength >= offset + 4) new DataView(bytes.buffer).setUint32(offset, value, true);
  return { bytes, how: `uint32 at ${offset} set to ${value}` };
}

/** Reads everything readable; InputErrors (whole bag or one message) are expected outcomes. */
async function readAll(bagPath: string, outcome: Record<string, number>): Promise<void> {
  try {
    const reader = await openBag(bagPath, { warn: () => undefined });
    try {
      for await (const m of reader.messages()) {
        try {
          m.decoded();
          outcome['decoded'] = (outcome['decoded'] ?? 0) + 1;
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
          outcome['undecodable'] = (outcome['undecodable'] ?? 0) + 1;
        }
      }
      outcome['read to the end'] = (outcome['read to the end'] ?? 0) + 1;
    } finally {
      reader.close();
    }
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    outcome['InputError'] = (outcome['InputError'] ?? 0) + 1;
  }
}

describe('bag reader fuzzing (seeded)', function () {
  this.timeout(120_000);
  let dir: string;
  let baselineRss: number;
  let peakRss = 0;
  const sampleRss = (): void => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  };

  before(() => {
    dir = tempDir('fuzz');
    baselineRss = process.memoryUsage().rss;
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    assert.ok(peakRss - baselineRss < MAX_RSS_GROWTH, `resident memory grew by ${((peakRss - baselineRss) / 1e6).toFixed(0)} MB`);
  });

  it(`${FILE_CASES} mutated copies of the real bag files read partially or fail with an InputError`, async () => {
    const sources: { name: string; file: string; metadata?: string }[] = [];
    for (const bag of realBags()) {
      const reader = await openBag(bag.path, { warn: () => undefined });
      for (const file of reader.summary().files) sources.push({ name: bag.name, file });
      reader.close();
      const metadata = path.join(bag.path, 'metadata.yaml');
      if (fs.existsSync(metadata)) sources.push({ name: `${bag.name}/metadata.yaml`, file: reader.summary().files[0] as string, metadata });
    }
    const contents = new Map(sources.map((s) => [s.metadata ?? s.file, fs.readFileSync(s.metadata ?? s.file)]));
    const random = prng(SEED);
    const outcome: Record<string, number> = {};
    for (let i = 0; i < FILE_CASES; i++) {
      const source = sources[i % sources.length] as (typeof sources)[number];
      const target = source.metadata ?? source.file;
      const { bytes, how } = mutate(contents.get(target) as Uint8Array, random);
      const caseDir = path.join(dir, `case_${i}`);
      fs.mkdirSync(caseDir);
      let bagPath = path.join(caseDir, path.basename(source.file));
      if (source.metadata) {
        // A bag directory: mutated metadata.yaml next to an intact storage file.
        fs.copyFileSync(source.file, bagPath);
        fs.writeFileSync(path.join(caseDir, 'metadata.yaml'), bytes);
        bagPath = caseDir;
      } else {
        fs.writeFileSync(bagPath, bytes);
      }
      try {
        await readAll(bagPath, outcome);
      } catch (err) {
        assert.fail(`case ${i} (seed ${SEED}, ${source.name}, ${how}): ${(err as Error).stack}`);
      }
      fs.rmSync(caseDir, { recursive: true, force: true });
      sampleRss();
    }
    console.log(`      ${FILE_CASES} file cases: ${JSON.stringify(outcome)}`);
    assert.ok((outcome['InputError'] ?? 0) > 0 && (outcome['read to the end'] ?? 0) > 0);
  });

  it(`${CDR_CASES} mutated CDR payloads (lengths of strings and sequences, bytes) decode or fail with an InputError`, async () => {
    const payloads: { type: string; data: Uint8Array; registry: MessageRegistry }[] = [];
    for (const bag of realBags()) {
      const reader = await openBag(bag.path, { warn: () => undefined });
      // The bag's own definitions (test_msgs, service events) in a registry of its own.
      const registry = MessageRegistry.standard().extend();
      for (const t of reader.topics()) if (t.definition !== undefined && !registry.has(t.type)) registry.addFromText(t.type, t.definition);
      for (const m of await collect(reader)) payloads.push({ type: m.type, data: m.data, registry });
      reader.close();
    }
    const random = prng(SEED + 1);
    let failed = 0;
    for (let i = 0; i < CDR_CASES; i++) {
      const p = payloads[i % payloads.length] as (typeof payloads)[number];
      // Keep the encapsulation header in most cases, so that the body gets decoded.
      const { bytes, how } = mutate(p.data, random, i % 10 === 0 ? 0 : 4);
      try {
        p.registry.decode(p.type, bytes);
      } catch (err) {
        if (!(err instanceof InputError)) assert.fail(`case ${i} (seed ${SEED + 1}, ${p.type}, ${how}): ${(err as Error).stack}`);
        failed++;
      }
      if (i % 1000 === 0) sampleRss();
    }
    console.log(`      ${CDR_CASES} CDR cases over ${payloads.length} real messages: ${failed} InputErrors, ${CDR_CASES - failed} decoded`);
    assert.ok(failed > 0 && failed < CDR_CASES);
  });
});
