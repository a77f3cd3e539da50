/**
 * Turns decoded `sensor_msgs/Image` and `sensor_msgs/CompressedImage` messages into one pixel view
 * (`RawImage`) that the preprocessor samples from, without copying raw images.
 */
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { Dropped } from './dropped';

/** Pixels addressed in bytes: sample (x, y, channel c) sits at y*rowStride + x*pixelStride + offsets[c]. */
export interface RawImage {
  width: number;
  height: number;
  data: Uint8Array;
  rowStride: number;
  pixelStride: number;
  /** Byte offsets of red, green and blue in a pixel; all 0 for mono. */
  offsets: [number, number, number];
  /** 16-bit samples take two bytes, in the byte order below. */
  bits: 8 | 16;
  bigEndian: boolean;
}

interface Layout {
  pixelStride: number;
  offsets: [number, number, number];
  bits: 8 | 16;
}

const RGB: [number, number, number] = [0, 1, 2];
const BGR: [number, number, number] = [2, 1, 0];
const MONO: [number, number, number] = [0, 0, 0];

/** The raw encodings we read (sensor_msgs/image_encodings names; 8UC1/16UC1 as cv_bridge maps them). */
const ENCODINGS: Record<string, Layout> = {
  rgb8: { pixelStride: 3, offsets: RGB, bits: 8 },
  bgr8: { pixelStride: 3, offsets: BGR, bits: 8 },
  rgba8: { pixelStride: 4, offsets: RGB, bits: 8 },
  bgra8: { pixelStride: 4, offsets: BGR, bits: 8 },
  mono8: { pixelStride: 1, offsets: MONO, bits: 8 },
  '8uc1': { pixelStride: 1, offsets: MONO, bits: 8 },
  mono16: { pixelStride: 2, offsets: MONO, bits: 16 },
  '16uc1': { pixelStride: 2, offsets: MONO, bits: 16 },
};

interface ImageMessage {
  height: number;
  width: number;
  encoding: string;
  is_bigendian: number | boolean;
  step: number;
  data: Uint8Array;
}

interface CompressedImageMessage {
  format: string;
  data: Uint8Array;
}

/** A message's `data` as bytes, or Dropped naming the field. */
function bytesField(msg: { data?: unknown }, type: string): Uint8Array {
  const data = msg.data;
  if (data instanceof Uint8Array) return data;
  if (Array.isArray(data) && data.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) return Uint8Array.from(data);
  throw new Dropped('malformed', `${type}.data is ${data === undefined ? 'missing' : 'not a byte array'}`);
}

/** A view of a `sensor_msgs/Image`; checks that its size fields are whole numbers and that step and data length hold the declared size. */
export function rawImageView(msg: ImageMessage): RawImage {
  const layout = ENCODINGS[String(msg.encoding).toLowerCase()];
  if (!layout) throw new Dropped('unsupported image encoding', `'${msg.encoding}'`);
  const { width, height, step } = msg;
  for (const [field, v] of [['width', width], ['height', height], ['step', step]] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Dropped('malformed', `Image.${field} = ${String(v)} is not a whole number`);
  }
  if (width <= 0 || height <= 0) throw new Dropped('image size mismatch', `${width}x${height}`);
  const data = bytesField(msg, 'Image');
  if (step < width * layout.pixelStride) throw new Dropped('image size mismatch', `step ${step} < ${width} px × ${layout.pixelStride} B`);
  if (data.length < step * (height - 1) + width * layout.pixelStride) {
    throw new Dropped('image size mismatch', `${data.length} data bytes for ${width}x${height} ${msg.encoding} with step ${step}`);
  }
  return { width, height, data, rowStride: step, ...layout, bigEndian: Boolean(msg.is_bigendian) };
}

function rgbaView(width: number, height: number, data: Uint8Array, pixelStride: number): RawImage {
  return { width, height, data, rowStride: width * pixelStride, pixelStride, offsets: RGB, bits: 8, bigEndian: false };
}

/** Decodes a JPEG or PNG `sensor_msgs/CompressedImage` (recognised by content, not by `format`). */
export function decodeCompressedImage(msg: CompressedImageMessage): RawImage {
  const bytes = bytesField(msg, 'CompressedImage');
  try {
    if (bytes[0] === 0xff && bytes[1] === 0xd8) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: 64 });
      return rgbaView(img.width, img.height, img.data, 3);
    }
    if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
      const img = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return rgbaView(img.width, img.height, img.data, 4);
    }
  } catch (e) {
    throw new Dropped('image decode error', `${msg.format}: ${(e as Error).message}`);
  }
  throw new Dropped('unsupported image format', `'${msg.format}' (only JPEG and PNG are read)`);
}
