/**
 * A minimal torch-like module tree: parameters and buffers registered under ncps's state_dict
 * names, so that a checkpoint maps one key to one tensor in both directions.
 */
// Functional ops only (tf.mul(a, b)): tfjs-core's CommonJS build has no chained x.mul(y).
import * as tf from '@tensorflow/tfjs-core';

interface Entry {
  name: string;
  variable: tf.Variable;
  trainable: boolean;
}

export abstract class Module {
  private readonly entries: Entry[] = [];
  private readonly children: Array<{ name: string; module: Module }> = [];

  /** Registers a tensor under `name`; non-trainable entries are ncps's requires_grad=False masks. */
  protected register(name: string, value: tf.Tensor, trainable = true): tf.Variable {
    const variable = tf.variable(value, trainable);
    value.dispose();
    this.entries.push({ name, variable, trainable });
    return variable;
  }

  protected submodule<M extends Module>(name: string, module: M): M {
    this.children.push({ name, module });
    return module;
  }

  /** All entries in registration order (the torch state_dict order), with dotted names. */
  namedTensors(prefix = ''): Array<{ name: string; variable: tf.Variable; trainable: boolean }> {
    const own = this.entries.map((e) => ({ ...e, name: prefix + e.name }));
    const nested = this.children.flatMap((c) => c.module.namedTensors(`${prefix}${c.name}.`));
    return [...own, ...nested];
  }

  trainableVariables(): tf.Variable[] {
    return this.namedTensors().filter((e) => e.trainable).map((e) => e.variable);
  }

  dispose(): void {
    for (const e of this.namedTensors()) e.variable.dispose();
  }
}
