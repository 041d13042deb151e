// 8-bit grayscale PNG encoder with provenance text chunks (PNG spec 1.2 / ISO 15948).
// Output bytes depend only on the pixels and the text (fixed filter and zlib level), which the
// crash-recovery guarantee (byte-identical retries) relies on.
import { crc32, deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface GrayImage {
  width: number;
  height: number;
  /** Row-major 8-bit pixels, width * height bytes. */
  pixels: Uint8Array;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, crc]);
}

function checkKeyword(keyword: string): void {
  // Keywords are 1-79 printable Latin-1 characters without leading, trailing or double spaces.
  if (!/^[\x21-\x7e\xa1-\xff](?:[\x20-\x7e\xa1-\xff]{0,77}[\x21-\x7e\xa1-\xff])?$/.test(keyword) || keyword.includes('  ')) {
    throw new RangeError(`PNG text keyword "${keyword}" is not 1-79 printable Latin-1 characters`);
  }
}

/** tEXt for printable ASCII values, iTXt (UTF-8, uncompressed) for anything else. */
function textChunk(keyword: string, value: string): Buffer {
  checkKeyword(keyword);
  if (/^[\x20-\x7e\n]*$/.test(value)) {
    return chunk('tEXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(value, 'latin1')]));
  }
  // keyword \0 compression-flag(0) compression-method(0) language-tag \0 translated-keyword \0 text
  return chunk('iTXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(value, 'utf8')]));
}

export function encodeGrayPng(image: GrayImage, text: Record<string, string> = {}): Buffer {
  const { width, height, pixels } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`PNG size ${width}x${height} is not positive integers`);
  }
  if (pixels.length !== width * height) {
    throw new RangeError(`PNG pixel buffer has ${pixels.length} bytes, expected ${width * height}`);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type: grayscale
  // compression, filter and interlace methods: 0
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    // filter type 1 (Sub): each byte minus its left neighbour, mod 256; compresses smooth images well.
    const row = y * (width + 1);
    raw[row] = 1;
    for (let x = 0; x < width; x++) {
      const v = pixels[y * width + x];
      raw[row + 1 + x] = (v - (x > 0 ? pixels[y * width + x - 1] : 0)) & 0xff;
    }
  }
  const texts = Object.keys(text).sort().map((k) => textChunk(k, text[k]));
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    ...texts,
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Float image in [-1, 1] to 8-bit: clamp(round((x + 1) * 127.5), 0, 255), per docs/bundle-format.md.
 * Half-up and half-even rounding agree here: (x + 1) * 127.5 is an exact half only for x = 0.
 */
export function toUint8(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.round((values[i] + 1) * 127.5);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}
