/**
 * Aligns multi-rate topics into steps, streaming, with bounded memory.
 *
 * - Every message of the step topic is a step candidate at its stamp t; the other inputs are held
 *   at their latest value with stamp ≤ t (dropped when none yet or older than max_input_age).
 * - The target is the target message whose stamp is nearest to t within the tolerance, before or
 *   after; a step without one is dropped.
 * - Messages arrive in log-time order but are aligned by stamp, so they pass through a reorder
 *   queue: an event leaves it once every topic has reached its stamp, or once it has waited
 *   reorder_window of log time (a silent topic cannot stall the build).
 * - Per topic, a repeated stamp or one slightly behind the last is dropped. A step-topic stamp more
 *   than max_gap behind the last is a clock jump back (simulator reset, looping bag): everything
 *   pending is flushed, the sequence is cut and held values and targets start again. The step topic
 *   is the clock: other topics' messages stamped more than max_gap ahead of it are dropped (this
 *   discards what is still on the old clock after a jump, and what arrives while the step topic is
 *   silent), and those already behind the aligned stream are dropped when they come out of the queue,
 *   so the first step after a jump or a long gap may be dropped waiting for fresh inputs.
 * - Consecutive steps further apart than max_gap end the sequence; dt is the stamp difference,
 *   first_dt for a sequence's first step.
 */
import { Tally } from './tally';

/** One message reduced to features. `topic` indexes the inputs; the target is `inputs.length`. */
export interface AlignerEvent {
  topic: number;
  stampNs: bigint;
  logNs: bigint;
  value: Float32Array;
}

export interface AlignedStep {
  stampNs: bigint;
  /** Seconds since the previous step of the sequence (first_dt for the first). */
  dt: number;
  /** Feature vectors in input order. */
  inputs: Float32Array[];
  target: Float32Array;
}

/** Receives the output in order. */
export interface StepSink {
  /** `first` starts a new sequence. */
  step(step: AlignedStep, first: boolean): void;
  /** The current sequence is over. */
  endSequence(): void;
}

export interface StreamAlignerOptions {
  /** Topic names of the inputs, then the target (for the report). */
  topics: string[];
  /** Index of the input whose messages are steps. */
  stepInput: number;
  toleranceNs: bigint;
  maxGapNs: bigint;
  maxInputAgeNs: bigint;
  reorderWindowNs: bigint;
  firstDt: number;
}

/** What the aligner did, by reason. */
export interface AlignerReport {
  /** Messages dropped before alignment, keyed `topic: reason`. */
  messages: Tally;
  /** Step candidates dropped, by reason. */
  steps: Tally;
  /** Sequence cuts, by reason. */
  cuts: Tally;
}

interface PendingStep {
  stampNs: bigint;
  inputs: Float32Array[];
}

export class StreamAligner {
  readonly report: AlignerReport = { messages: new Tally(), steps: new Tally(), cuts: new Tally() };
  private readonly targetTopic: number;
  /** Sorted by stamp; ties keep arrival order. */
  private queue: AlignerEvent[] = [];
  private lastStamp: (bigint | undefined)[];
  private held: (AlignerEvent | undefined)[];
  private targets: AlignerEvent[] = [];
  private pending: PendingStep[] = [];
  private lastApplied: bigint | undefined;
  private lastStep: bigint | undefined;
  private logNow = 0n;

  constructor(
    private readonly options: StreamAlignerOptions,
    private readonly sink: StepSink,
  ) {
    this.targetTopic = options.topics.length - 1;
    this.lastStamp = new Array(options.topics.length).fill(undefined);
    this.held = new Array(this.targetTopic).fill(undefined);
  }

  /**
   * Checks a message's stamp against its topic before it is decoded further (so duplicates never
   * cost a JPEG decode). False means dropped (and counted); a clock jump back resets and admits.
   */
  admit(topic: number, stampNs: bigint): boolean {
    const { stepInput, maxGapNs, topics } = this.options;
    const name = topics[topic];
    const stepLast = this.lastStamp[stepInput];
    if (topic !== stepInput && stepLast !== undefined && stampNs - stepLast > maxGapNs) {
      this.report.messages.add(`${name}: stamp more than max_gap ahead of the step topic`);
      return false;
    }
    const last = this.lastStamp[topic];
    if (last === undefined || stampNs > last) return true;
    if (stampNs === last) {
      this.report.messages.add(`${name}: duplicate stamp`);
      return false;
    }
    if (last - stampNs <= maxGapNs) {
      this.report.messages.add(`${name}: stamp out of order`);
      return false;
    }
    // Far behind: the clock jumped back. Only the step topic's jump resets; another topic simply
    // starts again from its new stamp (its first messages fall behind the aligned stream until
    // the step topic jumps too).
    if (topic === stepInput) this.reset('time jumped back');
    return true;
  }

  /** Adds an admitted message. */
  push(event: AlignerEvent): void {
    this.lastStamp[event.topic] = event.stampNs;
    if (event.logNs > this.logNow) this.logNow = event.logNs;
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1].stampNs > event.stampNs) i--;
    this.queue.splice(i, 0, event);
    this.release(false);
  }

  /** End of input: everything still queued or pending is resolved, the last sequence ends. */
  finish(): void {
    this.release(true);
    this.resolvePending(undefined);
    this.endSequence(undefined);
  }

  private release(all: boolean): void {
    while (this.queue.length > 0) {
      const head = this.queue[0];
      const everyTopicPast = this.lastStamp.every((s) => s === undefined || s >= head.stampNs);
      if (!all && !everyTopicPast && this.logNow - head.logNs <= this.options.reorderWindowNs) return;
      this.queue.shift();
      this.apply(head);
    }
  }

  private apply(e: AlignerEvent): void {
    if (this.lastApplied !== undefined && e.stampNs < this.lastApplied) {
      this.report.messages.add(`${this.options.topics[e.topic]}: stamp behind the aligned stream (late, or its clock jumped)`);
      return;
    }
    this.lastApplied = e.stampNs;
    this.resolvePending(e.stampNs);
    if (e.topic === this.targetTopic) {
      this.targets.push(e);
    } else {
      this.held[e.topic] = e;
      if (e.topic === this.options.stepInput) this.candidate(e.stampNs);
    }
    // Targets older than any step that could still want them are no longer needed.
    const horizon = (this.pending[0]?.stampNs ?? e.stampNs) - this.options.toleranceNs;
    while (this.targets.length > 0 && this.targets[0].stampNs < horizon) this.targets.shift();
  }

  private candidate(t: bigint): void {
    const inputs: Float32Array[] = [];
    for (let i = 0; i < this.held.length; i++) {
      const h = this.held[i];
      if (!h) return this.report.steps.add(`no value yet for ${this.options.topics[i]}`);
      if (t - h.stampNs > this.options.maxInputAgeNs) return this.report.steps.add(`${this.options.topics[i]} older than max_input_age`);
      inputs.push(h.value);
    }
    this.pending.push({ stampNs: t, inputs });
  }

  /** Resolves the steps whose tolerance window closed before `now` (all of them when undefined). */
  private resolvePending(now: bigint | undefined): void {
    const tol = this.options.toleranceNs;
    while (this.pending.length > 0 && (now === undefined || this.pending[0].stampNs + tol < now)) {
      const p = this.pending.shift()!;
      let best: AlignerEvent | undefined;
      let bestDistance = tol;
      for (const target of this.targets) {
        const d = target.stampNs > p.stampNs ? target.stampNs - p.stampNs : p.stampNs - target.stampNs;
        // Strictly nearer replaces: on a tie the earlier target (the command already issued) wins.
        if (d < bestDistance || (!best && d === bestDistance)) {
          best = target;
          bestDistance = d;
        }
      }
      if (best) this.emit(p, best.value);
      else this.report.steps.add('no target within tolerance');
    }
  }

  private emit(p: PendingStep, target: Float32Array): void {
    if (this.lastStep !== undefined && p.stampNs - this.lastStep > this.options.maxGapNs) this.endSequence('gap longer than max_gap');
    const first = this.lastStep === undefined;
    const dt = first ? this.options.firstDt : Number(p.stampNs - this.lastStep!) / 1e9;
    this.lastStep = p.stampNs;
    this.sink.step({ stampNs: p.stampNs, dt, inputs: p.inputs, target }, first);
  }

  private endSequence(reason: string | undefined): void {
    if (this.lastStep === undefined) return;
    if (reason) this.report.cuts.add(reason);
    this.lastStep = undefined;
    this.sink.endSequence();
  }

  private reset(reason: string): void {
    this.release(true);
    this.resolvePending(undefined);
    this.report.cuts.add(reason);
    this.endSequence(undefined);
    this.held.fill(undefined);
    this.targets = [];
    this.lastApplied = undefined;
  }
}
