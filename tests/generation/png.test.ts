import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeGrayPng, toUint8 } from '../../src/generation/png';
import { decodeGrayPng } from '../../src/privacy/png-read';

const width = 37;
const height = 11;
const pixels = Uint8Array.from({ length: width * height }, (_, i) => (i * 97 + (i >> 3) * 13) & 0xff);
const text = { 'SynthBUS-Synthetic': 'true', 'SynthBUS-OrderId': 'order-42', Description: 'Synthetic — not a real patient (ünïcode)' };

describe('encodeGrayPng', () => {
  it('is read back by an independent decoder (Pillow) with the same pixels and text chunks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synthbus-png-'));
    try {
      const file = join(dir, 'x.png');
      writeFileSync(file, encodeGrayPng({ width, height, pixels }, text));
      const script =
        'import sys, json\nfrom PIL import Image\nim = Image.open(sys.argv[1]); im.load()\n' +
        'print(json.dumps({"mode": im.mode, "size": im.size, "pixels": list(im.tobytes()), "text": im.text}))';
      const out = JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' }));
      expect(out.mode).toBe('L');
      expect(out.size).toEqual([width, height]);
      expect(out.pixels).toEqual([...pixels]);
      expect(out.text).toEqual(text);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('round-trips through the built-in reader, and is byte-identical for the same input', () => {
    const png = encodeGrayPng({ width, height, pixels }, text);
    const back = decodeGrayPng(png);
    expect(back).toEqual({ width, height, pixels, text });
    expect(encodeGrayPng({ width, height, pixels }, { ...text })).toEqual(png);
  });

  it('refuses a pixel buffer of the wrong size and a bad keyword, naming them', () => {
    expect(() => encodeGrayPng({ width: 4, height: 4, pixels: new Uint8Array(15) })).toThrow(/15 bytes, expected 16/);
    expect(() => encodeGrayPng({ width: 1, height: 1, pixels: new Uint8Array(1) }, { ' bad': 'x' })).toThrow(/keyword " bad"/);
  });

  it('the reader detects a corrupted chunk', () => {
    const png = encodeGrayPng({ width, height, pixels }, text);
    png[png.length - 20] ^= 0xff;
    expect(() => decodeGrayPng(png)).toThrow(/bad CRC/);
  });
});

describe('toUint8', () => {
  it('maps [-1, 1] to 0..255 with rounding and clamping', () => {
    expect([...toUint8(Float32Array.from([-1, 1, 0, -2, 3, -0.996, 0.5]))]).toEqual([0, 255, 128, 0, 255, 1, 191]);
  });
});
