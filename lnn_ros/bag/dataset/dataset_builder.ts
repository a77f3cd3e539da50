/**
 * Bags → training sequences. Streams each bag once (log-time order), turns messages into features
 * (FeatureExtractor), aligns them (StreamAligner) and appends the steps to an on-disk cache
 * (CacheWriter) keyed by the bag's files and the config, so the next epoch or the next run reads
 * arrays instead of decoding JPEG again.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, InputError, Stopped } from '../../errors';
import { Yielder } from '../../event_loop';
import { removeStaleSiblings, swapIntoPlace, tempSibling } from '../../io/atomic';
import { MessageRegistry } from '../../msg/registry';
import { openBag } from '../open';
import type { BagReader, TopicInfo } from '../types';
import { CACHE_FILES, CACHE_FORMAT, type BagBuildReport, type CacheIndex, type DatasetLayout } from './cache_format';
import { CacheWriter } from './cache_writer';
import { type DatasetConfig, featureConfigHash } from './config';
import { Dataset } from './dataset';
import { Dropped } from './dropped';
import { type ConfigPlace, FeatureExtractor, headerStamp } from './feature_extractor';
import { StreamAligner } from './stream_aligner';

export interface DatasetBuilderOptions {
  /** Bags to build (default: the config's `bags`). */
  bags?: string[];
  /** Ignore existing cache entries and build again. */
  rebuild?: boolean;
  /** Progress lines (one per bag). */
  log?: (line: string) => void;
  /** Opens a bag; defaults to the package's reader (tests may pass their own). */
  open?: (bag: string) => Promise<BagReader>;
  /** Asked between messages: true abandons the build (throws Stopped; no cache entry is written). */
  shouldStop?: () => boolean;
}

export interface BuildResult {
  dataset: Dataset;
  /** One per bag, in order. */
  reports: BagBuildReport[];
  /** The cache folders, one per bag. */
  cacheDirs: string[];
}

const NS_PER_S = 1e9;
const ns = (seconds: number) => BigInt(Math.round(seconds * NS_PER_S));

/** Whether the topic's messages carry a std_msgs/Header (others are placed on the header clock by log time). */
function hasHeader(topic: TopicInfo): boolean {
  const registry = MessageRegistry.standard();
  if (registry.has(topic.type)) return registry.definition(topic.type).definitions.some((f) => f.name === 'header' && f.type === 'std_msgs/msg/Header');
  return /^\s*(std_msgs\/(msg\/)?)?Header\s+header\b/m.test(topic.definition ?? '');
}

export class DatasetBuilder {
  private readonly configHash: string;

  constructor(
    private readonly config: DatasetConfig,
    private readonly options: DatasetBuilderOptions = {},
  ) {
    this.configHash = featureConfigHash(config);
  }

  async build(): Promise<BuildResult> {
    const bags = this.options.bags ?? this.config.bags;
    if (bags.length === 0) throw new ConfigError(this.config.file, 'bags', 'no bags to build (list them in the config or pass them)');
    const reports: BagBuildReport[] = [];
    const cacheDirs: string[] = [];
    for (const bag of bags) {
      const dir = this.cacheDirFor(bag);
      const indexFile = path.join(dir, CACHE_FILES.index);
      let report: BagBuildReport;
      if (!this.options.rebuild && fs.existsSync(indexFile)) {
        const index = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as CacheIndex;
        report = { ...index.report, cached: true, imagesDecoded: 0, seconds: 0 };
      } else {
        report = await this.buildBag(bag, dir);
      }
      this.options.log?.(describeReport(report));
      reports.push(report);
      cacheDirs.push(dir);
    }
    return { dataset: Dataset.open(cacheDirs), reports, cacheDirs };
  }

  /** `<cacheDir>/<bag name>-<hash of bag files, config and cache format>`. */
  cacheDirFor(bag: string): string {
    const resolved = path.resolve(bag);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(resolved);
    } catch {
      throw new InputError(`${bag}: no such bag`);
    }
    const files = stat.isDirectory() ? fs.readdirSync(resolved).sort().map((f) => path.join(resolved, f)) : [resolved];
    const fingerprint = files.map((f) => {
      const s = fs.statSync(f);
      return [path.basename(f), s.size, s.mtimeMs];
    });
    const key = createHash('sha256')
      .update(JSON.stringify({ format: CACHE_FORMAT, config: this.configHash, bag: resolved, fingerprint }))
      .digest('hex')
      .slice(0, 20);
    const name = path.basename(resolved).replace(/\.(mcap|db3)$/, '').replace(/[^A-Za-z0-9_.-]+/g, '_');
    return path.join(this.config.cacheDir, `${name}-${key}`);
  }

  private async buildBag(bag: string, dir: string): Promise<BagBuildReport> {
    const started = Date.now();
    const { inputs, target, alignment } = this.config;
    const reader = await (this.options.open ?? openBag)(bag);
    removeStaleSiblings(dir);
    const tmp = tempSibling(dir);
    fs.mkdirSync(tmp, { recursive: true });
    const writer = new CacheWriter(tmp, alignment.minLength);
    try {
      const topics = this.topicsOf(reader, bag);
      const extractors = topics.map((t, i) => new FeatureExtractor(t.name, t.type, i < inputs.length ? inputs[i] : target, this.place(i)));
      const aligner = new StreamAligner(
        {
          topics: topics.map((t) => t.name),
          stepInput: inputs.findIndex((inp) => inp.topic === alignment.stepTopic),
          toleranceNs: ns(target.toleranceS),
          maxGapNs: ns(alignment.maxGapS),
          maxInputAgeNs: ns(alignment.maxInputAgeS),
          reorderWindowNs: ns(alignment.reorderWindowS),
          firstDt: alignment.firstDtS,
        },
        writer,
      );
      const messagesRead = await this.stream(reader, topics, extractors, aligner);
      aligner.finish();
      writer.close();

      const report: BagBuildReport = {
        bag,
        cached: false,
        messagesRead,
        messagesDropped: aligner.report.messages.toJSON(),
        stepsDropped: aligner.report.steps.toJSON(),
        cuts: aligner.report.cuts.toJSON(),
        shortSequencesDropped: writer.shortSequencesDropped,
        steps: writer.steps,
        sequences: writer.sequences.length,
        imagesDecoded: extractors.reduce((n, x) => n + x.decodedImages, 0),
        seconds: (Date.now() - started) / 1000,
      };
      const layout = this.layout(extractors, topics, writer);
      const index: CacheIndex = { format: CACHE_FORMAT, bag: path.resolve(bag), configHash: this.configHash, layout, steps: writer.steps, sequences: writer.sequences, report };
      fs.writeFileSync(path.join(tmp, CACHE_FILES.index), JSON.stringify(index, null, 1));
      swapIntoPlace(tmp, dir);
      return report;
    } catch (e) {
      writer.close();
      fs.rmSync(tmp, { recursive: true, force: true });
      throw e;
    } finally {
      reader.close();
    }
  }

  /** Where input i (or the target, after the inputs) is configured, for errors. */
  private place(i: number): ConfigPlace {
    return { file: this.config.file, key: i < this.config.inputs.length ? `inputs[${i}]` : 'target' };
  }

  /** The bag's TopicInfo of every input, then the target; a ConfigError for a topic it lacks. */
  private topicsOf(reader: BagReader, bag: string): TopicInfo[] {
    const byName = new Map(reader.topics().map((t) => [t.name, t]));
    return [...this.config.inputs, this.config.target].map((spec, i) => {
      const t = byName.get(spec.topic);
      if (!t) throw new ConfigError(this.config.file, `${this.place(i).key}.topic`, `${spec.topic} is not in ${bag} (topics: ${[...byName.keys()].join(', ')})`);
      return t;
    });
  }

  /** Reads the bag once: decode, stamp, admit, extract, push. Returns the number of messages read. */
  private async stream(reader: BagReader, topics: TopicInfo[], extractors: FeatureExtractor[], aligner: StreamAligner): Promise<number> {
    const index = new Map(topics.map((t, i) => [t.name, i]));
    const drops = aligner.report.messages;
    const headerClock = this.config.alignment.clock === 'header' && topics.some(hasHeader);
    // Header stamp − log time of the latest stamped message: places header-less messages on the
    // header clock (which is simulation time in simulator recordings, not wall time).
    let clockOffset: bigint | undefined;
    let messagesRead = 0;
    const yielder = new Yielder();
    for await (const msg of reader.messages({ topics: topics.map((t) => t.name) })) {
      await yielder.turn();
      if (this.options.shouldStop?.()) throw new Stopped('the dataset cache of this bag was not written');
      messagesRead++;
      const i = index.get(msg.topic)!;
      try {
        let decoded: unknown;
        try {
          decoded = msg.decoded();
        } catch (e) {
          throw new Dropped('decode error', (e as Error).message);
        }
        let stamp = headerClock ? headerStamp(decoded) : msg.logTimeNs;
        if (stamp !== undefined) {
          if (headerClock) clockOffset = stamp - msg.logTimeNs;
        } else {
          if (clockOffset === undefined) throw new Dropped('no header stamp seen yet to place log time on the header clock');
          stamp = msg.logTimeNs + clockOffset;
        }
        if (aligner.admit(i, stamp)) aligner.push({ topic: i, stampNs: stamp, logNs: msg.logTimeNs, value: extractors[i].extract(decoded) });
      } catch (e) {
        if (!(e instanceof Dropped)) throw e;
        drops.add(`${msg.topic}: ${e.reason}`);
      }
    }
    return messagesRead;
  }

  private layout(extractors: FeatureExtractor[], topics: TopicInfo[], writer: CacheWriter): DatasetLayout {
    const { inputs, target } = this.config;
    let offset = 0;
    const inputLayouts = inputs.map((inp, i) => {
      const shape = extractors[i].shape ?? [];
      const size = writer.inputSizes[i] ?? shape.reduce((a, b) => a * b, 1);
      const entry = { name: inp.name, topic: inp.topic, type: topics[i].type, shape, fields: extractors[i].fields, offset, size };
      offset += size;
      return entry;
    });
    const t = extractors[inputs.length];
    return {
      inputs: inputLayouts,
      target: { topic: target.topic, type: topics[inputs.length].type, fields: t.fields!, size: t.fields!.length },
      featureDim: offset,
      targetDim: t.fields!.length,
    };
  }
}

function describeCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? 'none' : entries.map(([k, n]) => `${k} ×${n}`).join('; ');
}

/** One human-readable line per bag. */
export function describeReport(r: BagBuildReport): string {
  if (r.cached) return `${r.bag}: ${r.steps} steps in ${r.sequences} sequences (from cache)`;
  return (
    `${r.bag}: ${r.messagesRead} messages → ${r.steps} steps in ${r.sequences} sequences in ${r.seconds.toFixed(1)} s` +
    ` (${r.imagesDecoded} images decoded); dropped messages: ${describeCounts(r.messagesDropped)}; dropped steps: ` +
    `${describeCounts(r.stepsDropped)}; cuts: ${describeCounts(r.cuts)}; short sequences dropped: ${r.shortSequencesDropped}`
  );
}

