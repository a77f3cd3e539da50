/**
 * rgb8 images as PNG (through pngjs), and an animated PNG (APNG) written frame by frame: each
 * frame is encoded by pngjs and its image data moved into APNG frame chunks, so the file streams
 * to disk and memory does not grow with the number of frames. Browsers, Foxglove's image panel
 * and PIL open APNG; viewers without APNG support show the first frame.
 */
import * as fs from 'node:fs';
import { PNG } from 'pngjs';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  if (rgb.length !== width * height * 3) throw new RangeError(`a ${width}×${height} rgb8 image has ${width * height * 3} bytes, got ${rgb.length}`);
  const png = { width, height, data: Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength) } as PNG;
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

/** A PNG file as rgb8 (any colour type pngjs reads; alpha dropped). */
export function decodePngRgb(data: Buffer): { width: number; height: number; rgb: Uint8Array } {
  const png = PNG.sync.read(data);
  const rgb = new Uint8Array(png.width * png.height * 3);
  for (let p = 0; p < png.width * png.height; p++) rgb.set(png.data.subarray(4 * p, 4 * p + 3), 3 * p);
  return { width: png.width, height: png.height, rgb };
}

interface Chunk {
  type: string;
  data: Buffer;
}

function chunks(png: Buffer): Chunk[] {
  const out: Chunk[] = [];
  for (let at = SIGNATURE.length; at < png.length; ) {
    const length = png.readUInt32BE(at);
    out.push({ type: png.toString('latin1', at + 4, at + 8), data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return out;
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** An APNG file of equally sized rgb8 frames, looping. */
export class ApngWriter {
  private readonly fd: number;
  private frames = 0;
  /** File offset of the acTL chunk, whose frame count is written at close. */
  private actlAt = -1;
  private sequence = 0;
  private size: { width: number; height: number } | null = null;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  /** Appends a frame shown for `delayMs` (whole ms, 1 to 65535). */
  addFrame(width: number, height: number, rgb: Uint8Array, delayMs: number): void {
    if (this.size && (this.size.width !== width || this.size.height !== height)) {
      throw new RangeError(`${this.file}: frame ${this.frames} is ${width}×${height}, the animation ${this.size.width}×${this.size.height}`);
    }
    const parts = chunks(encodePng(width, height, rgb));
    const out: Buffer[] = [];
    if (!this.size) {
      this.size = { width, height };
      out.push(SIGNATURE, chunk('IHDR', parts.find((c) => c.type === 'IHDR')!.data));
      this.actlAt = SIGNATURE.length + 12 + 13;
      out.push(chunk('acTL', Buffer.alloc(8)));
    }
    const fctl = Buffer.alloc(26);
    fctl.writeUInt32BE(this.sequence++, 0);
    fctl.writeUInt32BE(width, 4);
    fctl.writeUInt32BE(height, 8);
    // x, y offsets 0; delay as a fraction of a second; dispose none, blend source.
    fctl.writeUInt16BE(Math.min(65535, Math.max(1, Math.round(delayMs))), 20);
    fctl.writeUInt16BE(1000, 22);
    out.push(chunk('fcTL', fctl));
    for (const c of parts.filter((p) => p.type === 'IDAT')) {
      if (this.frames === 0) {
        out.push(chunk('IDAT', c.data));
      } else {
        const seq = Buffer.alloc(4);
        seq.writeUInt32BE(this.sequence++, 0);
        out.push(chunk('fdAT', Buffer.concat([seq, c.data])));
      }
    }
    fs.writeSync(this.fd, Buffer.concat(out));
    this.frames++;
  }

  /** Closes the file unfinished (not a valid image): for output that is being discarded. */
  abandon(): void {
    fs.closeSync(this.fd);
  }

  /** Ends the file (writes its frame count); an animation needs at least one frame. */
  close(): number {
    try {
      if (this.frames === 0) throw new Error(`${this.file}: an animation needs at least one frame`);
      fs.writeSync(this.fd, chunk('IEND', Buffer.alloc(0)));
      const actl = Buffer.alloc(8);
      actl.writeUInt32BE(this.frames, 0); // plays: 0, forever
      fs.writeSync(this.fd, chunk('acTL', actl), 0, 20, this.actlAt);
    } finally {
      fs.closeSync(this.fd);
    }
    return this.frames;
  }
}
