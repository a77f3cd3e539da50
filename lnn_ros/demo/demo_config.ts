/**
 * The demo's fixed choices, in one place so that the pipeline, the robustness experiment and the
 * closed-loop test drive under the same rules: the expert (a constant 5 m/s cruise makes the
 * task mostly steering), the steering noise that makes it show corrections, the policy's inputs
 * and architecture, and the drive node's limits.
 */
import * as path from 'node:path';
import type { DriveParams } from '../nodes/drive_node';
import { StanleyOptions } from '../sim/expert';
import { OuNoiseOptions } from '../sim/ou_noise';
import { parseTrainConfig, PolicyTrainingConfig } from '../train/train_config';

export const DEMO_EXPERT: Partial<StanleyOptions> = { cruiseSpeed: 5 };
/** Drifts of ~0.1 rad lasting ~1 s: the expert's command then shows how to get back to the centre. */
export const DEMO_STEERING_NOISE: OuNoiseOptions = { std: 0.1, timeConstant: 1 };

export const CAMERA_TOPIC = '/camera/image_raw';
export const IMU_TOPIC = '/imu/data';
export const EXPERT_TOPIC = '/expert/cmd_vel';

export interface DemoTraining {
  /** Frames are resized to this before the encoder (the simulator renders 200×78). */
  image: { width: number; height: number };
  epochs: number;
  /** Seeds the weights' initialisation and the batch order (the train config's `training.seed`); default 1. */
  seed?: number;
  /** The recurrent core (`rnn` of the train config); default an AutoNCP-wired CfC. */
  rnn?: Record<string, unknown>;
}

/**
 * A wired CfC's motor neurons are bounded (±1, i.e. ±1 training std of a command once
 * denormalised), which cannot reach the yaw rate of the tightest bends; ncps's linear projection
 * of the motor neurons (proj_size) lifts that bound.
 */
export const DEMO_RNN = { class: 'CfC', units: { wiring: 'AutoNCP', units: 16, output_size: 2, sparsity_level: 0.5, seed: 22222 }, proj_size: 2 };
/** `CfC (AutoNCP 16)`, `LSTM (16)`: for logs and tables. */
export function describeRnn(rnn: Record<string, unknown>): string {
  const units = rnn.units as number | { wiring: string; units: number };
  return `${String(rnn.class)} (${typeof units === 'number' ? units : `${units.wiring} ${units.units}`})`;
}

export const DEMO_TRAINING: DemoTraining = { image: { width: 64, height: 24 }, epochs: 12 };

/** The trainer's config: camera + yaw rate in, the expert's speed and yaw rate out. */
export function demoTrainConfig(bags: string[], output: string, training: DemoTraining = DEMO_TRAINING): PolicyTrainingConfig {
  return parseTrainConfig({
    dataset: {
      bags,
      inputs: [
        { topic: CAMERA_TOPIC, name: 'camera', image: { resize: training.image, color: 'rgb', mean: [0.5], std: [0.25] } },
        { topic: IMU_TOPIC, name: 'imu', fields: ['angular_velocity.z'] },
      ],
      target: { topic: EXPERT_TOPIC, fields: ['linear.x', 'angular.z'] },
      // Beside the bags, so that re-recording them (which replaces their folder) drops the stale cache too.
      cache: { dir: path.join(path.dirname(bags[0]), '.cache') },
    },
    encoder: { conv: [{ filters: 8, kernel: 5, stride: 2 }, { filters: 16, kernel: 3, stride: 2 }, { filters: 16, kernel: 3, stride: 2 }], features: 16 },
    rnn: structuredClone(training.rnn ?? DEMO_RNN),
    training: { epochs: training.epochs, window: 16, batch_size: 8, lr: 3e-3, seed: training.seed ?? 1 },
    output,
  });
}

/** drive_node on sim time, stepping on camera frames, within the demo's speed and yaw-rate limits (speed from 0, so that the watchdog's stop really stops); PolicyState every step, recorded with the run. */
export function demoDriveParams(policyDir: string): DriveParams {
  return {
    params: {
      use_sim_time: true,
      policy: policyDir,
      step_on: 'camera',
      command: { limits: { 'linear.x': { min: 0, max: 8, max_rate: 4 }, 'angular.z': { min: -1, max: 1 } } },
      policy_state: { rate: 20 },
    },
  };
}
