/**
 * Allocation-free streaming step of ncps's LSTMCell, batch 1: the mixed-memory LSTM in front of
 * a CfC / LTC cell, and the LSTM baseline cell (state [h | c]). The input and recurrent maps are
 * joined into one (4H, I+H) matrix over [x | h], so a step is one mat-vec.
 */
import type { LSTMCell } from '../model/cells/lstm_cell';
import { concatColumns, Dense, sigmoid, stackLinear } from './dense';
import type { CellKernel } from './kernel_policy';

export class LSTMKernel implements CellKernel {
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** As a cell (the LSTM baseline): state [h | c], output h. */
  readonly stateSize: number;
  readonly outputSize: number;
  /** [x | h] → the gate pre-activations [i | ig | fg | og]. */
  private readonly gates: Dense;

  constructor(cell: LSTMCell) {
    this.inputSize = cell.inputSize;
    this.hiddenSize = cell.hiddenSize;
    this.stateSize = 2 * cell.hiddenSize;
    this.outputSize = cell.hiddenSize;
    this.gates = new Dense(concatColumns(stackLinear([cell.inputMap]), stackLinear([cell.recurrentMap])));
  }

  /** The baseline cell's step; an LSTM has no notion of elapsed time, so dt is unused. */
  step(x: Float32Array, state: Float32Array, _dt: number, out: Float32Array): void {
    this.advance(x, state, state, this.hiddenSize);
    for (let j = 0; j < this.hiddenSize; j++) out[j] = state[j];
  }

  /**
   * Advances h[0, H) and c[cOffset, +H) in place:
   * c' = c·σ(fg + 1) + tanh(i)·σ(ig), h' = tanh(c')·σ(og).
   */
  advance(x: Float32Array, h: Float32Array, c: Float32Array, cOffset: number): void {
    const { input: z, output: g } = this.gates;
    const I = this.inputSize;
    const H = this.hiddenSize;
    for (let k = 0; k < I; k++) z[k] = x[k];
    for (let j = 0; j < H; j++) z[I + j] = h[j];
    this.gates.apply();
    for (let j = 0; j < H; j++) {
      const cj = cOffset + j;
      c[cj] = c[cj] * sigmoid(g[2 * H + j] + 1) + Math.tanh(g[j]) * sigmoid(g[H + j]);
      h[j] = Math.tanh(c[cj]) * sigmoid(g[3 * H + j]);
    }
  }
}
