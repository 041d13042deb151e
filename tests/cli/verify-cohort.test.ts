import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { verifyCohort } from '../../src/cli/verify-cohort';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'synthbus-verify-'));
  const png = Buffer.from('not really a png');
  await fs.mkdir(join(dir, 'images', '3'), { recursive: true });
  await fs.writeFile(join(dir, 'images', '3', '000000.png'), png);
  const sha = createHash('sha256').update(png).digest('hex');
  await fs.writeFile(join(dir, 'metadata.csv'), `file_name,birads,seed,nn_distance,sha256\nimages/3/000000.png,3,1,0.5,${sha}\n`);
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

describe('verifyCohort', () => {
  // README's `synthbus pull <id> --out cohort/` passes a relative folder.
  it('checks a folder given by a relative path exactly as by its absolute path', async () => {
    const rel = relative(process.cwd(), dir);
    expect(rel.startsWith('/')).toBe(false);
    const problems = await verifyCohort(rel, []);
    expect(problems).toEqual(['certificate.json: missing']);
    expect(problems).toEqual(await verifyCohort(dir, []));
  });

  it('still names an image that metadata.csv does not list', async () => {
    await fs.writeFile(join(dir, 'images', '3', '000001.png'), 'extra');
    try {
      expect(await verifyCohort(relative(process.cwd(), dir), [])).toContain('images/3/000001.png: not listed in metadata.csv');
    } finally {
      await fs.rm(join(dir, 'images', '3', '000001.png'));
    }
  });
});
