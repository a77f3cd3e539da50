/** Test-side tfjs setup: the package's default backend (wasm), selected once, quietly. */
import * as tf from '@tensorflow/tfjs-core';
import { BackendName, initBackend } from '../../lnn_ros/kernels/backend';

/** Switches to `name`, or back to the package's choice when absent. */
export async function useBackend(name?: BackendName): Promise<void> {
  const chosen = await initBackend(undefined, () => undefined);
  if (tf.getBackend() !== (name ?? chosen)) await tf.setBackend(name ?? chosen);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

export function flatten(value: unknown): number[] {
  return Array.isArray(value) ? value.flatMap(flatten) : [value as number];
}
