/**
 * A policy in streaming mode: camera frames go through the encoder when they arrive (the
 * embedding is held until the next frame), feature vectors are normalised when they arrive, and
 * `step(dt)` advances the recurrent core by the elapsed time and returns the command fields.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors';
import { createStreamingPolicy, StreamingEngine } from '../kernels/kernel_policy';
import { Policy } from './policy';
import { gradientSaliency, SaliencyMethod, steeringOutput, VisualBackProp } from './saliency';
import { StreamingPolicy } from './streaming';
import { timeConstants } from './time_constants';

export class PolicyRunner {
  private readonly stream: StreamingPolicy;
  private readonly features: Float32Array;
  private readonly output: Float32Array;
  private readonly embeddingSize: number;
  private haveImage: boolean;
  private haveVector: boolean;
  private vbp: VisualBackProp | null = null;
  /** The saliency asked for with the last frame, and what computing it needs of the step that frame takes. */
  private readonly pending: { method: SaliencyMethod | null; frame: Float32Array | null; features: Float32Array | null; state: Float32Array | null; dt: number; stepped: boolean } = {
    method: null, frame: null, features: null, state: null, dt: 0, stepped: false,
  };

  constructor(
    readonly policy: Policy,
    engine: StreamingEngine = 'kernel',
  ) {
    this.stream = createStreamingPolicy(policy.rnn, { engine });
    this.features = new Float32Array(policy.featureSize);
    this.output = new Float32Array(policy.config.outputs.names.length);
    this.embeddingSize = policy.encoder?.outputSize ?? 0;
    this.haveImage = policy.encoder === null;
    this.haveVector = policy.config.vector === null;
  }

  /**
   * A preprocessed frame (float32 HWC of the policy's image shape). With a saliency method, the
   * map of this frame for the step it takes next can be had from `saliency` after that step
   * (VisualBackProp from this very encoder pass; nothing extra is computed without one).
   */
  setImage(frame: Float32Array, saliency: SaliencyMethod | null = null): void {
    const encoder = this.policy.encoder;
    if (!encoder) throw new InputError('this policy takes no camera');
    const [h, w, c] = encoder.inputShape;
    if (frame.length !== h * w * c) throw new InputError(`camera frame has ${frame.length} values, the policy expects ${h}×${w}×${c}`);
    if (saliency === 'visual_backprop') {
      this.vbp ??= new VisualBackProp(encoder);
      const vbp = this.vbp;
      tf.tidy(() => {
        const { features, meanMaps } = encoder.forwardWithMeanMaps(tf.tensor4d(frame, [1, h, w, c]));
        this.features.set(features.dataSync(), 0);
        vbp.meanMaps.set(meanMaps.dataSync());
      });
    } else {
      const embedding = tf.tidy(() => encoder.forward(tf.tensor4d(frame, [1, h, w, c])).dataSync());
      this.features.set(embedding, 0);
    }
    Object.assign(this.pending, { method: saliency, frame, stepped: false });
    this.haveImage = true;
  }

  /** The raw (unnormalised) feature vector, e.g. IMU fields. */
  setVector(values: ArrayLike<number>): void {
    const v = this.policy.config.vector;
    if (!v) throw new InputError('this policy takes no feature vector');
    if (values.length !== v.size) throw new InputError(`feature vector has ${values.length} values, the policy expects ${v.size}`);
    for (let i = 0; i < v.size; i++) {
      if (!Number.isFinite(values[i])) throw new InputError(`feature ${i} is ${values[i]}`);
      this.features[this.embeddingSize + i] = (values[i] - v.mean[i]) / v.std[i];
    }
    this.haveVector = true;
  }

  /** True once every input the policy needs has arrived at least once. */
  ready(): boolean {
    return this.haveImage && this.haveVector;
  }

  /** Advances by `dt` seconds; returns the command fields (a buffer reused by the next step). */
  step(dt: number): Float32Array {
    if (!this.ready()) throw new InputError('step before every input has arrived');
    const p = this.pending;
    if (p.method !== null && !p.stepped) {
      // The gradient goes through this step, from the state before it.
      if (p.method === 'gradient') [p.state, p.features] = [this.stream.state(), this.features.slice()];
      p.dt = dt;
      p.stepped = true;
    } else {
      p.method = null; // a later step on the same frame: its map would no longer match
    }
    this.output.set(this.stream.step(this.features, dt));
    this.policy.denormalise(this.output);
    return this.output;
  }

  /**
   * The saliency map asked for with the last frame, for the step it took, into `out` (the
   * frame's height × width, the largest value 1). Throws when no map was asked for or that frame
   * has not stepped yet.
   */
  saliency(out: Float32Array): void {
    const p = this.pending;
    if (p.method === null || !p.stepped) throw new InputError('no saliency map was asked for with the frame of the last step');
    if (p.method === 'visual_backprop') return this.vbp!.compute(out);
    gradientSaliency(this.policy, { frame: p.frame!, features: p.features!, state: p.state!, dt: p.dt, output: steeringOutput(this.policy.config.outputs.names) }, out);
  }

  reset(): void {
    this.stream.reset();
  }

  state(): Float32Array {
    return this.stream.state();
  }

  /** Per-neuron effective time constants (s) at the current state and inputs; empty for an LSTM. */
  timeConstants(): Float32Array {
    return timeConstants(this.policy.rnn.cell, this.features, this.stream.state());
  }
}
