/**
 * Batch-1 streaming over a sequence model for robots: `step(x, dt)` advances the state by one
 * observation that arrived `dt` seconds after the previous one.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors';
import { SequenceModel } from './sequence_model';

export interface StreamingPolicy {
  /** Output for this observation (length model.outputSize). */
  step(x: ArrayLike<number>, dt: number): Float32Array;
  /** Back to the zero state (e.g. after a time jump). */
  reset(): void;
  /** A copy of the current state (ncps layout). */
  state(): Float32Array;
}

export class TfjsStreamingPolicy implements StreamingPolicy {
  private h: tf.Tensor2D;
  private c: tf.Tensor2D | null;

  constructor(readonly model: SequenceModel) {
    this.h = tf.zeros([1, model.stateSize]);
    this.c = model.lstm ? tf.zeros([1, model.stateSize]) : null;
  }

  step(x: ArrayLike<number>, dt: number): Float32Array {
    checkStep(x, dt, this.model.inputSize);
    // tidy keeps the returned tensors and frees every intermediate.
    const [out, h, c] = tf.tidy(() => {
      let state = this.h;
      let cell = this.c;
      const input = tf.tensor2d(Array.from(x), [1, x.length]);
      if (this.model.lstm) [state, cell] = this.model.lstm.step(input, state, cell as tf.Tensor2D);
      const [y, next] = this.model.cell.step(input, state, tf.tensor2d([[dt]]));
      const projected = this.model.fc ? this.model.fc.apply(y) : y;
      return cell ? [projected, next, cell] : [projected, next];
    }) as tf.Tensor2D[];
    if (h !== this.h) this.h.dispose(); // a stateless cell hands its empty state back
    this.c?.dispose();
    this.h = h;
    this.c = c ?? null;
    const result = (out.dataSync() as Float32Array).slice();
    if (out !== h) out.dispose(); // an unprojected CfC's output is its state
    return result;
  }

  reset(): void {
    this.h.dispose();
    this.c?.dispose();
    this.h = tf.zeros([1, this.model.stateSize]);
    this.c = this.model.lstm ? tf.zeros([1, this.model.stateSize]) : null;
  }

  state(): Float32Array {
    return this.h.dataSync().slice() as Float32Array;
  }
}

/** The streaming contract: finite features of the right length, finite positive dt. */
export function checkStep(x: ArrayLike<number>, dt: number, inputSize: number): void {
  if (x.length !== inputSize) throw new InputError(`step: expected ${inputSize} input features, got ${x.length}`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw new InputError(`step: input feature ${i} is ${x[i]}`);
  }
  if (!(Number.isFinite(dt) && dt > 0)) throw new InputError(`step: dt must be a finite number of seconds > 0, got ${dt}`);
}
