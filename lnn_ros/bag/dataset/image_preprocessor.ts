/**
 * Crop → bilinear resize → RGB or mono → normalise, in one pass straight from the source pixels,
 * producing a float32 HWC array. The resize samples at pixel centres (src = (dst + 0.5)·scale − 0.5,
 * clamped at the borders), the convention of OpenCV's INTER_LINEAR and of tf.image.resize without
 * antialiasing, so a Python pipeline can reproduce the values.
 */
import type { CropSpec, ImageSpec, SizeSpec } from './config';
import { Dropped } from './dropped';
import type { RawImage } from './image_decode';

/** ITU-R BT.601 luma weights, as OpenCV's RGB2GRAY. */
const LUMA = [0.299, 0.587, 0.114];

export class ImagePreprocessor {
  readonly channels: number;

  constructor(private readonly spec: ImageSpec) {
    this.channels = spec.color === 'rgb' ? 3 : 1;
  }

  /** [height, width, channels] of the output, once the source size is known. */
  outputShape(source: SizeSpec): [number, number, number] {
    const crop = this.crop(source);
    const out = this.spec.resize ?? crop;
    return [out.height, out.width, this.channels];
  }

  private crop(source: SizeSpec): CropSpec {
    return this.spec.crop ?? { x: 0, y: 0, width: source.width, height: source.height };
  }

  /** Each frame is checked on its own: against `expect` when the spec has one, else only that the crop fits. */
  process(img: RawImage): Float32Array {
    const expected = this.spec.expect;
    if (expected && (img.width !== expected.width || img.height !== expected.height)) {
      throw new Dropped('image size mismatch', `${img.width}x${img.height}, expected ${expected.width}x${expected.height}`);
    }
    const crop = this.crop(img);
    if (crop.x + crop.width > img.width || crop.y + crop.height > img.height) {
      throw new Dropped('image size mismatch', `crop ${crop.width}x${crop.height}+${crop.x}+${crop.y} exceeds ${img.width}x${img.height}`);
    }
    const [outH, outW, outC] = this.outputShape(img);
    const out = new Float32Array(outH * outW * outC);
    const xs = taps(outW, crop.width, crop.x);
    const ys = taps(outH, crop.height, crop.y);
    const read = sampler(img);
    const rgb = [0, 0, 0];
    const { mean, std } = this.spec;
    let o = 0;
    for (let j = 0; j < outH; j++) {
      const rowA = ys.i0[j] * img.rowStride;
      const rowB = ys.i1[j] * img.rowStride;
      const fy = ys.f[j];
      for (let i = 0; i < outW; i++) {
        const colA = xs.i0[i] * img.pixelStride;
        const colB = xs.i1[i] * img.pixelStride;
        const fx = xs.f[i];
        for (let c = 0; c < 3; c++) {
          const off = img.offsets[c];
          const top = read(rowA + colA + off) * (1 - fx) + read(rowA + colB + off) * fx;
          const bottom = read(rowB + colA + off) * (1 - fx) + read(rowB + colB + off) * fx;
          rgb[c] = top * (1 - fy) + bottom * fy;
        }
        if (outC === 3) {
          for (let c = 0; c < 3; c++) out[o++] = (rgb[c] - mean[c]) / std[c];
        } else {
          out[o++] = (LUMA[0] * rgb[0] + LUMA[1] * rgb[1] + LUMA[2] * rgb[2] - mean[0]) / std[0];
        }
      }
    }
    return out;
  }

  /**
   * A map over the output (height × width, e.g. a saliency map) laid back over a source image of
   * size `source`: bilinear at each source pixel centre inside the crop, NaN outside it (pixels
   * the policy never sees). The inverse of the resize's sampling.
   */
  toSource(map: Float32Array, source: SizeSpec, out: Float32Array): void {
    const crop = this.crop(source);
    const [outH, outW] = this.outputShape(source);
    if (map.length !== outH * outW) throw new RangeError(`map holds ${map.length} values, expected ${outH}×${outW}`);
    if (out.length !== source.width * source.height) throw new RangeError(`source buffer holds ${out.length} values, expected ${source.width}×${source.height}`);
    out.fill(NaN);
    const xs = taps(crop.width, outW, 0);
    const ys = taps(crop.height, outH, 0);
    for (let j = 0; j < crop.height; j++) {
      const [a, b, fy] = [ys.i0[j] * outW, ys.i1[j] * outW, ys.f[j]];
      for (let i = 0; i < crop.width; i++) {
        const [c, d, fx] = [xs.i0[i], xs.i1[i], xs.f[i]];
        const top = map[a + c] * (1 - fx) + map[a + d] * fx;
        const bottom = map[b + c] * (1 - fx) + map[b + d] * fx;
        out[(crop.y + j) * source.width + crop.x + i] = top * (1 - fy) + bottom * fy;
      }
    }
  }

  /** A preprocessed frame back to displayable rgb8 (normalisation undone; mono as grey), into `out` (height·width·3). */
  toRgb8(frame: Float32Array, out: Uint8Array): void {
    const { mean, std } = this.spec;
    const pixels = frame.length / this.channels;
    if (out.length !== pixels * 3) throw new RangeError(`rgb buffer holds ${out.length} bytes, expected ${pixels * 3}`);
    for (let p = 0; p < pixels; p++) {
      for (let c = 0; c < 3; c++) {
        const k = this.channels === 3 ? c : 0;
        out[3 * p + c] = Math.round(Math.min(1, Math.max(0, frame[this.channels * p + k] * std[k] + mean[k])) * 255);
      }
    }
  }
}

interface Taps {
  i0: Int32Array;
  i1: Int32Array;
  f: Float32Array;
}

/** Source indices and weights along one axis for `outSize` samples of a `size`-long crop at `start`. */
function taps(outSize: number, size: number, start: number): Taps {
  const t: Taps = { i0: new Int32Array(outSize), i1: new Int32Array(outSize), f: new Float32Array(outSize) };
  const scale = size / outSize;
  for (let d = 0; d < outSize; d++) {
    const s = Math.min(Math.max((d + 0.5) * scale - 0.5, 0), size - 1);
    const s0 = Math.floor(s);
    t.i0[d] = start + s0;
    t.i1[d] = start + Math.min(s0 + 1, size - 1);
    t.f[d] = s - s0;
  }
  return t;
}

/** Reads the sample at a byte offset, scaled to [0, 1]. */
function sampler(img: RawImage): (offset: number) => number {
  const d = img.data;
  if (img.bits === 8) return (k) => d[k] / 255;
  return img.bigEndian ? (k) => ((d[k] << 8) | d[k + 1]) / 65535 : (k) => (d[k] | (d[k + 1] << 8)) / 65535;
}
