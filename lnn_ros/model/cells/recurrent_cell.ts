/** What a sequence wrapper needs from a cell (CfCCell, WiredCfCCell, LTCCell). */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../module';

/** What a cell's window path gives: every step's output and the state after the last step. */
export interface CellWindow {
  readonly output: tf.Tensor3D;
  readonly h: tf.Tensor2D;
}

export interface RecurrentCell extends Module {
  readonly inputSize: number;
  /** Length of the state vector carried between steps. */
  readonly stateSize: number;
  /** Length of the per-step output (motor neurons for wired cells). */
  readonly outputSize: number;
  /** Advances by `ts` (B, 1) seconds: x (B, inputSize), h (B, stateSize) → [output, new state]. */
  step(x: tf.Tensor2D, h: tf.Tensor2D, ts: tf.Tensor2D, training?: boolean): [tf.Tensor2D, tf.Tensor2D];
  /**
   * Every step of a window at once, where the cell has such a path: x (B, T, inputSize),
   * h (B, stateSize), ts (B, T) or (1, T) → every step's output (B, T, outputSize) and the final
   * state; null to be stepped.
   */
  sequence?(x: tf.Tensor3D, h: tf.Tensor2D, ts: tf.Tensor2D, training?: boolean): CellWindow | null;
}
