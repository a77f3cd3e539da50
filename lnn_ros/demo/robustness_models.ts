/** The policy cores the robustness experiment compares, by the names its command and tables use. */
import { DEMO_RNN } from './demo_config';

/** The trainer sizes their outputs (LSTM, feed-forward and fully connected CfC get a projection). */
export const ROBUSTNESS_MODELS: Record<string, Record<string, unknown>> = {
  'ncp-cfc': DEMO_RNN,
  cfc: { class: 'CfC', units: 16, backbone_units: 32 },
  ltc: { class: 'LTC', units: { wiring: 'AutoNCP', units: 16, output_size: 2, sparsity_level: 0.5, seed: 22222 } },
  lstm: { class: 'LSTM', units: 16 },
  // The CNN alone: the same encoder and a 16-unit hidden layer, no memory.
  feedforward: { class: 'FeedForward', units: 16 },
};

/** The condition the policies are trained in; every other one is out of distribution. */
export const TRAINING_CONDITION = 'summer';

export const unique = <T>(values: T[]): T[] => [...new Set(values)];

/**
 * Items grouped by model × condition, models in order of first appearance and conditions too,
 * the training condition first; combinations without items are left out.
 */
export function byModelAndCondition<T extends { model: string; condition: string }>(items: T[]): Array<{ model: string; condition: string; items: T[] }> {
  const conditions = unique(items.map((i) => i.condition)).sort((a, b) => Number(b === TRAINING_CONDITION) - Number(a === TRAINING_CONDITION));
  return unique(items.map((i) => i.model)).flatMap((model) =>
    conditions.map((condition) => ({ model, condition, items: items.filter((i) => i.model === model && i.condition === condition) })).filter((g) => g.items.length > 0),
  );
}
