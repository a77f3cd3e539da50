/**
 * Declared parameters of an in-process node, checked as rclcpp checks a `ros2 param set`:
 * undeclared names, read-only parameters, wrong types and out-of-range numbers are refused before
 * the node's own handler sees the change.
 */
import { ParameterChange, ParameterChangeHandler, ParameterSpec, ParameterValue } from './types';

/** Why `value` does not fit `spec`, or null. Shared with the rclnodejs transport's wording. */
export function parameterMismatch(spec: ParameterSpec, value: ParameterValue): string | null {
  const kind = Array.isArray(value) ? 'a list' : typeof value;
  const ok = (() => {
    switch (spec.type) {
      case 'bool': return typeof value === 'boolean';
      case 'integer': return typeof value === 'number' && Number.isInteger(value);
      case 'double': return typeof value === 'number';
      case 'string': return typeof value === 'string';
      case 'bool_array': return Array.isArray(value) && value.every((v) => typeof v === 'boolean');
      case 'integer_array': return Array.isArray(value) && value.every((v) => Number.isInteger(v));
      case 'double_array': return Array.isArray(value) && value.every((v) => typeof v === 'number');
      case 'string_array': return Array.isArray(value) && value.every((v) => typeof v === 'string');
    }
  })();
  if (!ok) return `parameter '${spec.name}' is of type ${spec.type}, got ${kind} ${JSON.stringify(value)}`;
  if (spec.range && typeof value === 'number' && (value < spec.range.from || value > spec.range.to)) {
    return `parameter '${spec.name}' must be within [${spec.range.from}, ${spec.range.to}], got ${value}`;
  }
  return null;
}

export class ParameterStore {
  private readonly specs = new Map<string, ParameterSpec>();
  private readonly values = new Map<string, ParameterValue>();

  constructor(
    specs: readonly ParameterSpec[],
    private readonly onChange: ParameterChangeHandler | undefined,
  ) {
    for (const spec of specs) {
      this.specs.set(spec.name, spec);
      this.values.set(spec.name, spec.value);
    }
  }

  get(name: string): ParameterValue | undefined {
    return this.values.get(name);
  }

  /** Applies the changes all together, or none of them; returns why they were refused. */
  set(changes: readonly ParameterChange[]): string | null {
    for (const { name, value } of changes) {
      const spec = this.specs.get(name);
      if (!spec) return `parameter '${name}' is not declared`;
      if (spec.readOnly) return `parameter '${name}' is read-only: ${spec.description}`;
      const mismatch = parameterMismatch(spec, value);
      if (mismatch) return mismatch;
    }
    const refused = this.onChange ? this.onChange(changes) : 'this node accepts no parameter changes at run time';
    if (refused !== null) return refused;
    for (const { name, value } of changes) this.values.set(name, value);
    return null;
  }
}
