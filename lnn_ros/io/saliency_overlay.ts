/**
 * A saliency map drawn over the frame it belongs to, as rgb8: the frame shows through where the
 * map is zero and a heat colour (dark red → yellow → white) covers it as the map rises to 1.
 * Enlarged by whole pixels (each input pixel a scale × scale block), so a small policy frame is
 * readable and its pixels stay what the policy saw.
 */

/** Heat colours at map values 0, 1/3, 2/3, 1. */
const HEAT: Array<[number, number, number]> = [
  [90, 0, 0],
  [230, 40, 0],
  [255, 210, 0],
  [255, 255, 255],
];
/** Opacity of the heat colour where the map is 1. */
const MAX_ALPHA = 0.75;
/** Overlays are enlarged to at least this width. */
const MIN_WIDTH = 320;

/** The whole-pixel enlargement for a frame `width` pixels wide. */
export function overlayScale(width: number): number {
  return Math.max(1, Math.ceil(MIN_WIDTH / width));
}

/**
 * `rgb` (width·height·3) with `map` (width·height, values in [0, 1]) over it, enlarged by
 * `scale`, into `out` (width·scale · height·scale · 3).
 */
export function saliencyOverlay(rgb: Uint8Array, map: Float32Array, width: number, height: number, scale: number, out: Uint8Array): void {
  if (rgb.length !== width * height * 3 || map.length !== width * height) throw new RangeError(`overlay of a ${width}×${height} frame: got ${rgb.length} rgb bytes and ${map.length} map values`);
  const outWidth = width * scale;
  if (out.length !== outWidth * height * scale * 3) throw new RangeError(`overlay buffer holds ${out.length} bytes, expected ${outWidth}×${height * scale}×3`);
  const colour = [0, 0, 0];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const m = Math.min(1, Math.max(0, map[p] || 0));
      heat(m, colour);
      const alpha = MAX_ALPHA * m;
      const first = (y * scale * outWidth + x * scale) * 3;
      for (let c = 0; c < 3; c++) out[first + c] = Math.round(rgb[3 * p + c] * (1 - alpha) + colour[c] * alpha);
      // The block's first row, then copies of it.
      for (let k = 1; k < scale; k++) out.copyWithin(first + 3 * k, first, first + 3);
      for (let r = 1; r < scale; r++) out.copyWithin(first + r * outWidth * 3, first, first + 3 * scale);
    }
  }
}

function heat(m: number, out: number[]): void {
  const f = m * (HEAT.length - 1);
  const i = Math.min(HEAT.length - 2, Math.floor(f));
  const t = f - i;
  for (let c = 0; c < 3; c++) out[c] = HEAT[i][c] + t * (HEAT[i + 1][c] - HEAT[i][c]);
}
