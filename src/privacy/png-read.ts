// Reads back what generation/png.ts writes (8-bit grayscale, any filter, text chunks): used by the
// verifier and the tests to check a delivered file's pixels and provenance without a PNG library.
import { crc32, inflateSync } from 'node:zlib';

export interface DecodedPng {
  width: number;
  height: number;
  pixels: Uint8Array;
  text: Record<string, string>;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function decodeGrayPng(png: Buffer): DecodedPng {
  if (png.length < 8 || png.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG file (bad signature)');
  let pos = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  const text: Record<string, string> = {};
  while (pos + 12 <= png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + len);
    if (data.length !== len) throw new Error(`PNG chunk ${type} is truncated`);
    if (crc32(data, crc32(png.subarray(pos + 4, pos + 8))) !== png.readUInt32BE(pos + 8 + len)) {
      throw new Error(`PNG chunk ${type} has a bad CRC`);
    }
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[9] !== 0 || data[12] !== 0) throw new Error('only 8-bit grayscale non-interlaced PNGs are read');
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'tEXt') {
      const nul = data.indexOf(0);
      text[data.toString('latin1', 0, nul)] = data.toString('latin1', nul + 1);
    } else if (type === 'iTXt') {
      const nul = data.indexOf(0);
      const keyword = data.toString('latin1', 0, nul);
      if (data[nul + 1] !== 0) throw new Error(`compressed iTXt chunk "${keyword}" is not supported`);
      const langEnd = data.indexOf(0, nul + 3);
      const transEnd = data.indexOf(0, langEnd + 1);
      text[keyword] = data.toString('utf8', transEnd + 1);
    } else if (type === 'IEND') {
      break;
    }
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length !== (width + 1) * height) throw new Error('PNG image data has the wrong length');
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (width + 1)];
    for (let x = 0; x < width; x++) {
      const v = raw[y * (width + 1) + 1 + x];
      const a = x > 0 ? pixels[y * width + x - 1] : 0;
      const b = y > 0 ? pixels[(y - 1) * width + x] : 0;
      const c = x > 0 && y > 0 ? pixels[(y - 1) * width + x - 1] : 0;
      const predictors = [0, a, b, (a + b) >> 1, paeth(a, b, c)];
      if (filter > 4) throw new Error(`PNG row ${y} has unknown filter ${filter}`);
      pixels[y * width + x] = (v + predictors[filter]) & 0xff;
    }
  }
  return { width, height, pixels, text };
}
