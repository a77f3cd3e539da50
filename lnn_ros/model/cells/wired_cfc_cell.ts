/**
 * ncps WiredCfCCell: one mask-sparse CfC (no backbone) per wiring layer, each layer fed the
 * current-step output of the layer before it. State layout is the layers concatenated in order
 * (NCP: inter | command | motor), which is not neuron-id order.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Wiring } from '../wirings/wiring';
import { Module } from '../module';
import { CfCCell, CfCMode } from './cfc_cell';
import { CellWindow, RecurrentCell } from './recurrent_cell';

/** Synapses into wiring layer `l` from its source (inputs or layer l-1), stacked over an all-ones self block. */
function layerMask(wiring: Wiring, layer: number): number[][] {
  const dest = wiring.neuronsOfLayer(layer);
  const sources =
    layer === 0
      ? (wiring.sensoryAdjacency as number[][])
      : wiring.neuronsOfLayer(layer - 1).map((src) => wiring.adjacency[src]);
  const fromSources = sources.map((row) => dest.map((d) => row[d]));
  // Each layer is fully recurrent within itself; command→command synapses of the wiring are unused.
  const selfBlock = dest.map(() => dest.map(() => 1));
  return [...fromSources, ...selfBlock];
}

export class WiredCfCCell extends Module implements RecurrentCell {
  readonly layers: CfCCell[] = [];
  readonly layerSizes: number[];
  readonly stateSize: number;
  readonly outputSize: number;

  constructor(
    readonly inputSize: number,
    readonly wiring: Wiring,
    mode: CfCMode = 'default',
  ) {
    super();
    if (!wiring.isBuilt()) wiring.build(inputSize);
    this.layerSizes = Array.from({ length: wiring.numLayers }, (_, l) => wiring.neuronsOfLayer(l).length);
    let inFeatures = inputSize;
    this.layerSizes.forEach((size, l) => {
      const cell = new CfCCell(inFeatures, size, {
        mode,
        backboneLayers: 0,
        backboneUnits: 0,
        sparsityMask: layerMask(wiring, l),
      });
      this.layers.push(this.submodule(`layer_${l}`, cell));
      inFeatures = size;
    });
    this.stateSize = wiring.units;
    this.outputSize = this.layerSizes[this.layerSizes.length - 1];
  }

  step(x: tf.Tensor2D, h: tf.Tensor2D, ts: tf.Tensor2D, training = false): [tf.Tensor2D, tf.Tensor2D] {
    const states = tf.split(h, this.layerSizes, 1) as tf.Tensor2D[];
    let inputs = x;
    const next = this.layers.map((layer, l) => {
      inputs = layer.step(inputs, states[l], ts, training)[1];
      return inputs;
    });
    return [inputs, tf.concat(next, 1)];
  }

  /**
   * The window layer by layer (RecurrentCell.sequence): a layer's step t needs only its own step
   * t − 1 and the layer below's step t, so each layer takes every step in one op, fed the whole
   * output sequence of the layer below.
   */
  sequence(x: tf.Tensor3D, h: tf.Tensor2D, ts: tf.Tensor2D, training = false): CellWindow | null {
    const states = tf.split(h, this.layerSizes, 1) as tf.Tensor2D[];
    let output = x;
    const finals: tf.Tensor2D[] = [];
    for (const [l, layer] of this.layers.entries()) {
      const window = layer.sequence(output, states[l], ts, training);
      if (!window) return null;
      output = window.output;
      finals.push(window.h);
    }
    return { output, h: tf.concat(finals, 1) };
  }
}
