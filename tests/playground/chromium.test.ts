import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findChromium } from './chromium';

let dir: string;
let fake: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'synthbus-chromium-find-'));
  fake = join(dir, 'chromium-browser');
  writeFileSync(fake, '#!/bin/sh\n');
  chmodSync(fake, 0o755);
  writeFileSync(join(dir, 'chromium'), 'not executable');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('findChromium', () => {
  it('takes SYNTHBUS_CHROMIUM first, and refuses one that is not executable', () => {
    expect(findChromium({ SYNTHBUS_CHROMIUM: fake, PATH: '/usr/bin' })).toBe(fake);
    expect(() => findChromium({ SYNTHBUS_CHROMIUM: join(dir, 'chromium') })).toThrow(/SYNTHBUS_CHROMIUM is ".*chromium", which is not an executable file/);
  });

  it('finds an executable browser on PATH, skipping files that are not executable', () => {
    expect(findChromium({ PATH: `/nonexistent:${dir}` })).toBe(fake);
  });

  it("falls back to playwright's downloaded browser", () => {
    expect(findChromium({ PATH: '/nonexistent' }, fake)).toBe(fake);
  });

  it('says what to install when there is none', () => {
    expect(() => findChromium({ PATH: '/nonexistent' }, join(dir, 'missing'))).toThrow(/apt-get install chromium.*npx playwright-core install chromium.*SYNTHBUS_CHROMIUM/);
  });
});
