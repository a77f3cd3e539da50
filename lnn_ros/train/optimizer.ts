/**
 * Adam, AdamW (decoupled weight decay) and RMSprop over named variables, with global-norm
 * gradient clipping. Slots are keyed by state_dict names, so `--resume` restores them exactly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { NamedArray } from '../io/safetensors';

export interface OptimizerOptions {
  kind: 'adam' | 'adamw' | 'rmsprop';
  /** adamw only. */
  weightDecay?: number;
  /** Rescales all gradients together when their global L2 norm exceeds it. */
  clipNorm?: number | null;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const RHO = 0.9; // RMSprop
const EPS = 1e-8;

export class Optimizer {
  private step = 0;
  private readonly slots = new Map<string, tf.Variable[]>();

  constructor(
    private readonly params: Array<{ name: string; variable: tf.Variable }>,
    private readonly options: OptimizerOptions,
  ) {
    const perParam = options.kind === 'rmsprop' ? 1 : 2;
    for (const { name, variable } of params) {
      this.slots.set(name, Array.from({ length: perParam }, () => tf.variable(tf.zerosLike(variable), false)));
    }
  }

  /** Applies `grads` (by variable name) at learning rate `lr`. */
  apply(grads: tf.NamedTensorMap, lr: number): void {
    this.step++;
    const t = this.step;
    tf.tidy(() => {
      const list = this.params.map((p) => grads[p.variable.name]);
      const clip = this.options.clipNorm;
      let scale = 1;
      if (clip) {
        const squares = list.filter((g) => g).map((g) => tf.sum(tf.square(g)));
        const norm = Math.sqrt(tf.addN(squares).dataSync()[0]);
        if (norm > clip) scale = clip / norm;
      }
      this.params.forEach(({ name, variable }, i) => {
        if (!list[i]) return;
        const g = scale === 1 ? list[i] : tf.mul(list[i], scale);
        const slots = this.slots.get(name)!;
        let update: tf.Tensor;
        if (this.options.kind === 'rmsprop') {
          const sq = tf.add(tf.mul(slots[0], RHO), tf.mul(tf.square(g), 1 - RHO));
          slots[0].assign(sq);
          update = tf.div(g, tf.add(tf.sqrt(sq), EPS));
        } else {
          const m = tf.add(tf.mul(slots[0], BETA1), tf.mul(g, 1 - BETA1));
          const v = tf.add(tf.mul(slots[1], BETA2), tf.mul(tf.square(g), 1 - BETA2));
          slots[0].assign(m);
          slots[1].assign(v);
          const mHat = tf.div(m, 1 - BETA1 ** t);
          const vHat = tf.div(v, 1 - BETA2 ** t);
          update = tf.div(mHat, tf.add(tf.sqrt(vHat), EPS));
        }
        let next = tf.sub(variable, tf.mul(update, lr));
        if (this.options.kind === 'adamw' && this.options.weightDecay) {
          next = tf.sub(next, tf.mul(variable, lr * this.options.weightDecay));
        }
        variable.assign(next);
      });
    });
  }

  /** Slots as named arrays (`<param>.slot<k>`) plus the step count, for a resume checkpoint. */
  state(): { step: number; slots: Map<string, NamedArray> } {
    const slots = new Map<string, NamedArray>();
    for (const [name, vars] of this.slots) {
      vars.forEach((v, k) => slots.set(`${name}.slot${k}`, { shape: v.shape, data: v.dataSync() as Float32Array }));
    }
    return { step: this.step, slots };
  }

  loadState(step: number, slots: Map<string, NamedArray>): void {
    for (const [name, vars] of this.slots) {
      vars.forEach((v, k) => {
        const saved = slots.get(`${name}.slot${k}`);
        if (!saved) throw new Error(`optimizer state lacks ${name}.slot${k}`);
        v.assign(tf.tensor(saved.data, saved.shape, 'float32'));
      });
    }
    this.step = step;
  }

  dispose(): void {
    for (const vars of this.slots.values()) vars.forEach((v) => v.dispose());
  }
}

export function scheduledRate(base: number, epoch: number, epochs: number, s: { schedule: string; decay: number; stepEpochs: number }): number {
  switch (s.schedule) {
    case 'cosine':
      return 0.5 * base * (1 + Math.cos((Math.PI * epoch) / epochs));
    case 'exponential':
      return base * s.decay ** epoch;
    case 'step':
      return base * s.decay ** Math.floor(epoch / s.stepEpochs);
    default:
      return base;
  }
}
