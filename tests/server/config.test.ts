import { loadConfig } from '../../src/config';

describe('config reads every setting', () => {
  it('reads the delivery and signing settings', () => {
    const c = loadConfig({
      SYNTHBUS_LINK_SECRET: 's'.repeat(40),
      SYNTHBUS_LINK_TTL_SECONDS: '60',
      SYNTHBUS_PUBLIC_URL: 'https://api.example.org',
      SYNTHBUS_SIGNING_KEY_PASSPHRASE: 'correct horse',
    });
    expect(c).toMatchObject({ linkSecret: 's'.repeat(40), linkTtlSeconds: 60, publicUrl: 'https://api.example.org', signingKeyPassphrase: 'correct horse' });
  });

  it('defaults: a generated link secret, 15-minute links, origin-relative URLs, an unencrypted key', () => {
    expect(loadConfig({})).toMatchObject({ linkSecret: undefined, linkTtlSeconds: 900, publicUrl: null, signingKeyPassphrase: undefined });
  });

  it.each(['9', '604801', '1.5', 'soon'])('refuses a link lifetime of %s seconds', (ttl) => {
    expect(() => loadConfig({ SYNTHBUS_LINK_TTL_SECONDS: ttl })).toThrow(`SYNTHBUS_LINK_TTL_SECONDS must be an integer from 10 to 604800, got "${ttl}"`);
  });
});
