/**
 * Streaming mode on Float32Array kernels: batch-1 `step(x, dt)` without tfjs, whose per-op
 * overhead dominates at this size. The cell's kernel (CfC, wired CfC, LTC, or the LSTM or
 * feed-forward baseline), the optional mixed-memory LSTM in front of it and the optional
 * projection after it run over buffers allocated once here, so a step allocates nothing.
 */
import { InputError } from '../errors';
import { CfCCell } from '../model/cells/cfc_cell';
import { FeedForwardCell } from '../model/cells/feed_forward_cell';
import { LSTMRecurrentCell } from '../model/cells/lstm_recurrent_cell';
import { LTCCell } from '../model/cells/ltc_cell';
import type { RecurrentCell } from '../model/cells/recurrent_cell';
import { WiredCfCCell } from '../model/cells/wired_cfc_cell';
import { SequenceModel } from '../model/sequence_model';
import { checkStep, StreamingPolicy, TfjsStreamingPolicy } from '../model/streaming';
import { CfCKernel } from './cfc_kernel';
import { Dense, stackLinear } from './dense';
import { FeedForwardKernel } from './feed_forward_kernel';
import { LSTMKernel } from './lstm_kernel';
import { LTCKernel } from './ltc_kernel';

/** One cell's streaming step. */
export interface CellKernel {
  readonly inputSize: number;
  readonly stateSize: number;
  readonly outputSize: number;
  /** Advances `state` (ncps layout) in place by `dt` seconds on input `x`; writes the cell output to `out`. */
  step(x: Float32Array, state: Float32Array, dt: number, out: Float32Array): void;
}

function cellKernel(cell: RecurrentCell): CellKernel {
  if (cell instanceof LTCCell) return new LTCKernel(cell);
  if (cell instanceof CfCCell || cell instanceof WiredCfCCell) return new CfCKernel(cell);
  if (cell instanceof LSTMRecurrentCell) return new LSTMKernel(cell.lstm);
  if (cell instanceof FeedForwardCell) return new FeedForwardKernel(cell);
  throw new Error(`no streaming kernel for ${cell.constructor.name}`);
}

/** Copies `values` into `into` after checking its length and that every value is finite. */
function assign(into: Float32Array, values: ArrayLike<number>, what: string): void {
  if (values.length !== into.length) throw new InputError(`setState: ${what} has ${values.length} values, expected ${into.length}`);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new InputError(`setState: ${what}[${i}] is ${values[i]}`);
  }
  into.set(values);
}

/**
 * The model's weights are snapshotted at construction: a model trained further afterwards needs
 * a new policy (the tfjs engine reads the live variables instead).
 */
export class KernelStreamingPolicy implements StreamingPolicy {
  readonly inputSize: number;
  readonly stateSize: number;
  readonly outputSize: number;
  private readonly cell: CellKernel;
  private readonly lstm: LSTMKernel | null;
  private readonly fc: Dense | null;
  /** The observation as float32, the graph's input precision. */
  private readonly x: Float32Array;
  private readonly h: Float32Array;
  private readonly c: Float32Array | null;
  private readonly cellOut: Float32Array;
  private readonly output: Float32Array;

  constructor(model: SequenceModel) {
    this.inputSize = model.inputSize;
    this.stateSize = model.stateSize;
    this.outputSize = model.outputSize;
    this.cell = cellKernel(model.cell);
    this.lstm = model.lstm ? new LSTMKernel(model.lstm) : null;
    this.fc = model.fc ? new Dense(stackLinear([model.fc])) : null;
    this.x = new Float32Array(this.inputSize);
    this.h = new Float32Array(this.stateSize);
    this.c = model.lstm ? new Float32Array(this.stateSize) : null;
    // The cell writes straight into the projection's input when there is one.
    this.output = this.fc ? this.fc.output : new Float32Array(this.outputSize);
    this.cellOut = this.fc ? this.fc.input : this.output;
  }

  /**
   * The output for observation `x`, which arrived `dt` seconds after the previous one. The result
   * is this policy's own buffer, overwritten by the next step: copy it (`.slice()`) to keep it.
   * Invalid input throws InputError (from checkStep) before the state is touched.
   */
  step(x: ArrayLike<number>, dt: number): Float32Array {
    checkStep(x, dt, this.inputSize);
    const input = this.x;
    for (let i = 0; i < input.length; i++) input[i] = x[i];
    // Mixed memory: the LSTM's output becomes the cell's state; the cell still sees raw x.
    if (this.lstm) this.lstm.advance(input, this.h, this.c!, 0);
    this.cell.step(input, this.h, dt, this.cellOut);
    this.fc?.apply();
    return this.output;
  }

  reset(): void {
    this.h.fill(0);
    this.c?.fill(0);
  }

  state(): Float32Array {
    return this.h.slice();
  }

  /** A copy of the mixed-memory LSTM's cell state; null without mixed memory. */
  cellState(): Float32Array | null {
    return this.c ? this.c.slice() : null;
  }

  /**
   * Replaces the state (ncps layout, as state() returns it) and, with mixed memory, the LSTM
   * cell state (zeros when omitted): resuming, or a sequence's initial hx / cx. Validated first.
   */
  setState(h: ArrayLike<number>, c?: ArrayLike<number>): void {
    if (c !== undefined && !this.c) throw new InputError('setState: a cell state was given, but the model has no mixed memory');
    const nextC = this.c ? new Float32Array(this.stateSize) : null;
    if (nextC && c !== undefined) assign(nextC, c, 'c');
    assign(this.h, h, 'h');
    if (nextC) this.c!.set(nextC);
  }
}

export type StreamingEngine = 'kernel' | 'tfjs';
export const STREAMING_ENGINES: readonly StreamingEngine[] = ['kernel', 'tfjs'];

export interface StreamingPolicyOptions {
  /**
   * 'kernel' (default): the Float32Array kernels above, allocation-free, weights snapshotted now.
   * 'tfjs': the training graph op by op (TfjsStreamingPolicy), slower at batch 1, reads the
   * model's variables live.
   */
  engine?: StreamingEngine;
}

/** The model in streaming mode: batch 1, one observation per step. */
export function createStreamingPolicy(model: SequenceModel, options: StreamingPolicyOptions = {}): StreamingPolicy {
  const engine = options.engine ?? 'kernel';
  if (!STREAMING_ENGINES.includes(engine)) throw new InputError(`streaming engine '${engine}' is unknown (expected ${STREAMING_ENGINES.join(' or ')})`);
  return engine === 'kernel' ? new KernelStreamingPolicy(model) : new TfjsStreamingPolicy(model);
}
