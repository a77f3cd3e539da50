/**
 * A policy in streaming mode: camera frames go through the encoder when they arrive (the
 * embedding is held until the next frame), feature vectors are normalised when they arrive, and
 * `step(dt)` advances the recurrent core by the elapsed time and returns the command fields.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors';
import { createStreamingPolicy, StreamingEngine } from '../kernels/kernel_policy';
import { Policy } from './policy';
import { StreamingPolicy } from './streaming';
import { timeConstants } from './time_constants';

export class PolicyRunner {
  private readonly stream: StreamingPolicy;
  private readonly features: Float32Array;
  private readonly output: Float32Array;
  private readonly embeddingSize: number;
  private haveImage: boolean;
  private haveVector: boolean;

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

  /** A preprocessed frame (float32 HWC of the policy's image shape). */
  setImage(frame: Float32Array): void {
    const encoder = this.policy.encoder;
    if (!encoder) throw new InputError('this policy takes no camera');
    const [h, w, c] = encoder.inputShape;
    if (frame.length !== h * w * c) throw new InputError(`camera frame has ${frame.length} values, the policy expects ${h}×${w}×${c}`);
    const embedding = tf.tidy(() => encoder.forward(tf.tensor4d(frame, [1, h, w, c])).dataSync());
    this.features.set(embedding, 0);
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
    this.output.set(this.stream.step(this.features, dt));
    this.policy.denormalise(this.output);
    return this.output;
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
