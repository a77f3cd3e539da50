/**
 * Decompression for MCAP chunks and message-compressed rosbag2 bags (@mcap/support's wasm zstd,
 * lz4, bz2), guarded against the sizes a damaged file claims: the wasm decoders allocate the
 * claimed output size up front, and a failed wasm allocation corrupts the decoder for good.
 */

import type { DecompressHandlers } from '@mcap/core';
import { loadDecompressHandlers } from '@mcap/support';

/** Default cap on one decompressed chunk or message (rosbag2 writes chunks of ~768 KiB). */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

/** Highest output/input ratio of LZ4 (a match copies at most 255 bytes per length byte). */
const LZ4_MAX_RATIO = 256n;

/** Decompression handlers that reject claimed sizes above `maxBytes` or inconsistent with the data. */
export async function guardedDecompressHandlers(maxBytes: number): Promise<DecompressHandlers> {
  const raw = await loadDecompressHandlers();
  const guarded: DecompressHandlers = {};
  for (const [name, handler] of Object.entries(raw)) {
    guarded[name] = (buffer, size) => {
      if (size > BigInt(maxBytes)) throw new Error(`${name} data claims ${size} uncompressed bytes, more than the limit of ${maxBytes}`);
      const declared = name === 'zstd' ? zstdContentSize(buffer) : undefined;
      if (declared !== undefined && declared !== size) throw new Error(`zstd frame holds ${declared} bytes, the record claims ${size}`);
      if (name === 'lz4' && size > BigInt(buffer.byteLength) * LZ4_MAX_RATIO + 1024n) {
        throw new Error(`lz4 data of ${buffer.byteLength} bytes cannot expand to the claimed ${size} bytes`);
      }
      const out = handler(buffer, size);
      if (BigInt(out.byteLength) !== size) throw new Error(`${name} data decompressed to ${out.byteLength} bytes, expected ${size}`);
      return out;
    };
  }
  return guarded;
}

/** Decompresses one zstd frame that records its size (rosbag2's per-message compression does). */
export function decompressZstdFrame(handlers: DecompressHandlers, data: Uint8Array): Uint8Array {
  const size = zstdContentSize(data);
  const zstd = handlers['zstd'];
  if (size === undefined || !zstd) throw new Error('not a zstd frame with a recorded content size');
  return zstd(data, size);
}

/** Frame_Content_Size from a zstd frame header (RFC 8878 §3.1.1.1), when the frame has one. */
function zstdContentSize(data: Uint8Array): bigint | undefined {
  if (data.byteLength < 6 || data[0] !== 0x28 || data[1] !== 0xb5 || data[2] !== 0x2f || data[3] !== 0xfd) return undefined;
  const descriptor = data[4] ?? 0;
  const singleSegment = (descriptor >> 5) & 1;
  const fcsBytes = [singleSegment, 2, 4, 8][descriptor >> 6] ?? 0;
  const offset = 5 + (singleSegment ? 0 : 1) + ([0, 1, 2, 4][descriptor & 3] ?? 0);
  if (fcsBytes === 0 || offset + fcsBytes > data.byteLength) return undefined;
  let size = 0n;
  for (let i = fcsBytes - 1; i >= 0; i--) size = (size << 8n) | BigInt(data[offset + i] ?? 0);
  return fcsBytes === 2 ? size + 256n : size;
}
