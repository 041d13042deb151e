import { parseArgs, UsageError } from '../../src/cli/args';
import { CliError } from '../../src/cli/api';
import { parseMix } from '../../src/cli/mix';
import { formatBytes, formatTimeLeft, progressBar, renderBar } from '../../src/cli/progress';

describe('parseMix', () => {
  it('reads BIRADS=FRACTION pairs', () => {
    expect(parseMix('3=0.4, 4=0.3,5=.3')).toEqual([
      { birads: 3, fraction: 0.4 },
      { birads: 4, fraction: 0.3 },
      { birads: 5, fraction: 0.3 },
    ]);
  });
  it.each([
    ['3:0.4', /"3:0.4" is not BIRADS=FRACTION/],
    ['3=0.5,3=0.5', /BI-RADS 3 is given twice/],
    ['', /"" is not BIRADS=FRACTION/],
  ])('refuses %p as a usage error', (text, message) => {
    expect(() => parseMix(text)).toThrow(message);
    expect(() => parseMix(text)).toThrow(expect.objectContaining({ exitCode: 2 }) as unknown as CliError);
  });
});

describe('parseArgs', () => {
  it('takes --name value, --name=value, flags and positionals', () => {
    const a = parseArgs(['id-1', '--out', 'dir', '--format=tar', '--keep'], ['out', 'format'], ['keep']);
    expect(a.positionals).toEqual(['id-1']);
    expect([...a.options]).toEqual([['out', 'dir'], ['format', 'tar'], ['keep', true]]);
  });
  it('names unknown options and missing values', () => {
    expect(() => parseArgs(['--bogus'], ['out'])).toThrow(new UsageError('unknown option --bogus'));
    expect(() => parseArgs(['--out'], ['out'])).toThrow(new UsageError('--out needs a value'));
  });
});

describe('progress bar', () => {
  it('renders the fraction done', () => {
    expect(renderBar('dl', 1, 4, 40, 'x')).toBe(`dl [${'#'.repeat(7)}${'-'.repeat(20)}]  25% x`);
    expect(renderBar('dl', 9, 0, 40)).toMatch(/\[-+\]   0%$/);
    expect(formatBytes(5000)).toBe('4.9 KiB');
    expect(formatBytes(12)).toBe('12 B');
  });

  it('says roughly how long is left, and nothing when that is unknown', () => {
    expect([null, 0, 44.2, 60, 61, 3599, 7500].map(formatTimeLeft)).toEqual(['', '', '~45 s left', '~1 min left', '~2 min left', '~1 h left', '~2 h 5 min left']);
  });

  it('redraws one line on a terminal', () => {
    let out = '';
    const bar = progressBar('dl', { isTTY: true, columns: 40, write: (s: string) => (out += s) });
    bar.update(1, 2);
    bar.update(2, 2);
    bar.finish('done');
    expect(out.split('\r').length).toBe(4);
    expect(out.endsWith('100% done\n')).toBe(true);
  });

  it('prints a plain line at most every 2 s elsewhere, and always the last one', () => {
    const lines: string[] = [];
    let now = 0;
    const bar = progressBar('dl', { write: (s: string) => lines.push(s) }, () => now);
    for (let i = 1; i <= 10; i++) {
      now += 500;
      bar.update(i, 10);
    }
    bar.finish();
    expect(lines.map((l) => l.match(/\d+%/)?.[0])).toEqual(['10%', '50%', '90%', '100%']);
    expect(lines.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
  });
});
