import { PreparedDownload, PreparedDownloads } from '../../src/delivery/prepared-downloads';

const prepared = (fileName: string): PreparedDownload => ({ plan: { segments: [], length: 0 }, etag: '"e"', fileName, contentType: 'application/zip' });

describe('PreparedDownloads', () => {
  it('builds an archive once, also for concurrent requests', async () => {
    const cache = new PreparedDownloads();
    const build = jest.fn(async () => prepared('a.zip'));
    const [x, y] = await Promise.all([cache.get('o1', 'zip', build), cache.get('o1', 'zip', build)]);
    expect(await cache.get('o1', 'zip', build)).toBe(x);
    expect(y).toBe(x);
    expect(build).toHaveBeenCalledTimes(1);
    await cache.get('o1', 'tar', async () => prepared('a.tar'));
    expect((await cache.get('o1', 'tar', build)).fileName).toBe('a.tar');
  });

  it('does not remember a failed build', async () => {
    const cache = new PreparedDownloads();
    await expect(cache.get('o1', 'zip', async () => Promise.reject(new Error('no certificate')))).rejects.toThrow('no certificate');
    expect((await cache.get('o1', 'zip', async () => prepared('a.zip'))).fileName).toBe('a.zip');
  });

  it('drops the least recently used archive beyond its bound', async () => {
    const cache = new PreparedDownloads(2);
    await cache.get('o1', 'zip', async () => prepared('1'));
    await cache.get('o2', 'zip', async () => prepared('2'));
    await cache.get('o1', 'zip', async () => prepared('rebuilt 1'));
    await cache.get('o3', 'zip', async () => prepared('3'));
    expect((await cache.get('o1', 'zip', async () => prepared('rebuilt 1'))).fileName).toBe('1');
    expect((await cache.get('o2', 'zip', async () => prepared('rebuilt 2'))).fileName).toBe('rebuilt 2');
  });
});
