// Test helper: copies a bundle to a temp folder so a test can alter it, then re-hashes the
// manifest's file entries so the alteration gets past the integrity check to the check under test.
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Manifest } from '../../../src/generation/manifest';

export function copyBundle(from: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'synthbus-bundle-'));
  cpSync(from, dir, { recursive: true });
  return dir;
}

export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
}

/** Writes the manifest (after `edit`), re-hashing every listed file that still exists. */
export function rewriteManifest(dir: string, edit: (m: Manifest) => void = () => undefined): void {
  const m = readManifest(dir);
  edit(m);
  for (const file of Object.keys(m.files)) {
    try {
      const bytes = readFileSync(join(dir, file));
      m.files[file] = { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
    } catch {
      // a file the test removed stays listed with its old hash: the loader must name it missing
    }
  }
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(m, null, 2)}\n`);
}
