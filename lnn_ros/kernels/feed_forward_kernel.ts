/** Allocation-free streaming step of the feed-forward baseline: its layers' mat-vecs, activated in place. */
import type { Activation } from '../model/activations';
import type { FeedForwardCell } from '../model/cells/feed_forward_cell';
import { activate, Dense, stackLinear } from './dense';
import type { CellKernel } from './kernel_policy';

export class FeedForwardKernel implements CellKernel {
  readonly inputSize: number;
  readonly stateSize = 0;
  readonly outputSize: number;
  private readonly layers: Dense[];
  private readonly activation: Activation;

  constructor(cell: FeedForwardCell) {
    this.inputSize = cell.inputSize;
    this.activation = cell.activationName;
    this.outputSize = cell.outputSize;
    this.layers = cell.layers.map((l) => new Dense(stackLinear([l])));
  }

  /** No state to advance and no use for dt. */
  step(x: Float32Array, _state: Float32Array, _dt: number, out: Float32Array): void {
    this.layers[0].input.set(x);
    for (let l = 0; l < this.layers.length; l++) {
      const layer = this.layers[l];
      layer.apply();
      activate(this.activation, layer.output, this.outputSize, l + 1 < this.layers.length ? this.layers[l + 1].input : out);
    }
  }
}
