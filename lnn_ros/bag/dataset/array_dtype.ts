/** Element types of exported arrays (safetensors names), shared by the npy and safetensors writers. */
export type ArrayDtype = 'F32' | 'F64' | 'I64';
export type TypedArray = Float32Array | Float64Array | BigInt64Array;

export const DTYPE_BYTES: Record<ArrayDtype, number> = { F32: 4, F64: 8, I64: 8 };

/** Throws unless `values` is the typed array of `dtype` (writing raw bytes of another would corrupt). */
export function checkDtype(file: string, dtype: ArrayDtype, values: TypedArray): void {
  const ok = dtype === 'F32' ? values instanceof Float32Array : dtype === 'F64' ? values instanceof Float64Array : values instanceof BigInt64Array;
  if (!ok) throw new Error(`${file}: ${values.constructor.name} written to a ${dtype} array`);
}
