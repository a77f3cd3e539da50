/**
 * Allocation-free streaming step of ncps's CfCCell (default / no_gate / pure, any backbone) and
 * WiredCfCCell (a chain of backbone-free, mask-sparse CfC layers), batch 1, over Float32Arrays.
 * Weights are snapshotted at construction; the equations are those of ../model/cells/cfc_cell.ts.
 */
import type { Activation } from '../model/activations';
import { CfCCell, CfCMode } from '../model/cells/cfc_cell';
import { WiredCfCCell } from '../model/cells/wired_cfc_cell';
import { activate, Dense, sigmoid, snapshot, stackLinear } from './dense';
import type { CellKernel } from './kernel_policy';

/** One CfCCell's constants and scratch buffers. */
interface Layer {
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** Where this layer's slice starts in the cell state (wired: inter | command | motor). */
  readonly stateOffset: number;
  readonly mode: CfCMode;
  readonly activation: Activation;
  readonly backbone: Dense[];
  /** All heads in one map: [ff1⊙mask; ff2⊙mask; time_a; time_b], or ff1⊙mask alone in pure mode. */
  readonly heads: Dense;
  /** [x | h]: the input of the first backbone layer, or of the heads without a backbone. */
  readonly z: Float32Array;
  /** Pure mode: |w_tau| (its abs is constant) and A; empty otherwise. */
  readonly wTauAbs: Float32Array;
  readonly A: Float32Array;
}

function buildLayer(cell: CfCCell, stateOffset: number): Layer {
  const pure = cell.mode === 'pure';
  const backbone = cell.backbone ? cell.backbone.layers.map((l) => new Dense(stackLinear([l]))) : [];
  const mask = cell.sparsityMask ? snapshot(cell.sparsityMask) : null;
  // ncps masks ff1 and ff2 only; the time heads stay dense. Masked weights stay in the dense
  // matrix: with SIMD lanes, skipping the zeros of an NCP layer would cost more than it saves.
  const heads = new Dense(
    pure
      ? stackLinear([cell.ff1], mask, [true])
      : stackLinear([cell.ff1, cell.ff2!, cell.timeA!, cell.timeB!], mask, [true, true, false, false]),
  );
  return {
    inputSize: cell.inputSize,
    hiddenSize: cell.hiddenSize,
    stateOffset,
    mode: cell.mode,
    activation: cell.activationName,
    backbone,
    heads,
    z: (backbone[0] ?? heads).input,
    wTauAbs: cell.wTau ? snapshot(cell.wTau).map(Math.abs) : new Float32Array(0),
    A: cell.A ? snapshot(cell.A) : new Float32Array(0),
  };
}

/** Advances state[stateOffset, +H) in place; x[xOffset, +I) is the layer's input. */
function stepLayer(layer: Layer, x: Float32Array, xOffset: number, state: Float32Array, dt: number): void {
  const { inputSize: I, hiddenSize: H, stateOffset: o, z, backbone, heads } = layer;
  for (let k = 0; k < I; k++) z[k] = x[xOffset + k]; // input first, then state
  for (let j = 0; j < H; j++) z[I + j] = state[o + j];
  for (let l = 0; l < backbone.length; l++) {
    backbone[l].apply();
    const next = l + 1 < backbone.length ? backbone[l + 1] : heads;
    activate(layer.activation, backbone[l].output, next.input.length, next.input);
  }
  heads.apply();
  const f = heads.output;
  if (layer.mode === 'pure') {
    // h' = -A·exp(-ts·(|w_tau| + |ff1|))·ff1 + A, on the raw ff1.
    const { A, wTauAbs } = layer;
    for (let j = 0; j < H; j++) {
      const ff1 = f[j];
      state[o + j] = -A[j] * Math.exp(-dt * (wTauAbs[j] + Math.abs(ff1))) * ff1 + A[j];
    }
    return;
  }
  const gated = layer.mode === 'default';
  for (let j = 0; j < H; j++) {
    const ff1 = Math.tanh(f[j]);
    const ff2 = Math.tanh(f[H + j]);
    const g = sigmoid(f[2 * H + j] * dt + f[3 * H + j]); // torch: +t_a·ts
    state[o + j] = gated ? ff1 * (1 - g) + g * ff2 : ff1 + g * ff2;
  }
}

export class CfCKernel implements CellKernel {
  readonly inputSize: number;
  readonly stateSize: number;
  readonly outputSize: number;
  private readonly layers: Layer[];

  constructor(cell: CfCCell | WiredCfCCell) {
    const cells = cell instanceof WiredCfCCell ? cell.layers : [cell];
    let offset = 0;
    this.layers = cells.map((c) => {
      const layer = buildLayer(c, offset);
      offset += c.hiddenSize;
      return layer;
    });
    this.inputSize = cell.inputSize;
    this.stateSize = cell.stateSize;
    this.outputSize = cell.outputSize;
  }

  step(x: Float32Array, state: Float32Array, dt: number, out: Float32Array): void {
    // Each wired layer reads the current-step output of the layer before it.
    let input = x;
    let inputOffset = 0;
    for (let l = 0; l < this.layers.length; l++) {
      const layer = this.layers[l];
      stepLayer(layer, input, inputOffset, state, dt);
      input = state;
      inputOffset = layer.stateOffset;
    }
    // The output is the last layer's new state (motor neurons when wired).
    for (let m = 0; m < this.outputSize; m++) out[m] = state[inputOffset + m];
  }
}
