/**
 * tfjs backend selection. Preference: `tensorflow` (tfjs-node, an optional dependency, used only
 * when it loads), else `wasm` (the default here: offline from node_modules, SIMD), else `cpu`.
 * Overridable by config and by the LNN_ROS_BACKEND environment variable; logged once.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// The union package registers the gradient functions that tfjs-core's CommonJS build leaves out.
import '@tensorflow/tfjs';
import { ConfigError } from '../errors';
import { registerWasmTrainingKernels } from './wasm_training_kernels';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];
export const BACKEND_ENV = 'LNN_ROS_BACKEND';

let chosen: Promise<BackendName> | undefined;

async function tryBackend(name: BackendName): Promise<boolean> {
  try {
    if (name === 'tensorflow') {
      // Optional: absent wherever libtensorflow could not be downloaded at install time.
      require('@tensorflow/tfjs-node');
    } else if (name === 'wasm') {
      const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
      const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      wasm.setWasmPaths(dist + path.sep);
    }
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

/**
 * Selects the backend once per process. `requested` (from config) wins over the environment
 * variable; with neither, the preference order above is tried. Returns the backend in use.
 */
export async function initBackend(requested?: string, log: (line: string) => void = (l) => console.error(l)): Promise<BackendName> {
  if (chosen) return chosen;
  const wanted = requested ?? (process.env[BACKEND_ENV] || undefined);
  if (wanted !== undefined && !(BACKEND_NAMES as readonly string[]).includes(wanted)) {
    const source = requested !== undefined ? 'backend' : BACKEND_ENV;
    throw new ConfigError(requested !== undefined ? undefined : 'environment', source, `unknown backend '${wanted}' (expected one of ${BACKEND_NAMES.join(', ')})`);
  }
  // PROD silences tfjs's console banners (e.g. the cpu backend's tfjs-node advert) on stdout/stderr.
  tf.env().set('PROD', true);
  chosen = (async () => {
    const order: BackendName[] = wanted ? [wanted as BackendName] : [...BACKEND_NAMES];
    for (const name of order) {
      if (await tryBackend(name)) {
        await tf.ready();
        if (name === 'wasm') registerWasmTrainingKernels();
        log(`lnn_ros: tfjs backend '${name}'`);
        return name;
      }
    }
    throw new Error(`tfjs backend '${order.join("', '")}' could not be initialised`);
  })();
  return chosen;
}
