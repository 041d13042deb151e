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

  it('cohort retention: 90 days and an hourly sweep by default, 0 keeps cohorts until deleted, days in whole numbers', () => {
    expect(loadConfig({})).toMatchObject({ cohortRetentionSeconds: 90 * 86400, cohortSweepSeconds: 3600 });
    expect(loadConfig({ SYNTHBUS_COHORT_RETENTION_DAYS: '0', SYNTHBUS_COHORT_SWEEP_SECONDS: '60' })).toMatchObject({ cohortRetentionSeconds: 0, cohortSweepSeconds: 60 });
    expect(() => loadConfig({ SYNTHBUS_COHORT_RETENTION_DAYS: '0.5' })).toThrow('SYNTHBUS_COHORT_RETENTION_DAYS must be an integer from 0 to 36500, got "0.5"');
    expect(() => loadConfig({ SYNTHBUS_COHORT_SWEEP_SECONDS: '0' })).toThrow('SYNTHBUS_COHORT_SWEEP_SECONDS must be an integer >= 1, got "0"');
  });

  it('webhooks: loopback http decided by the command when unset, a generated key, 20 attempts backing off 1 s to 1 h, 10 s per attempt', () => {
    expect(loadConfig({}).webhooks).toEqual({ allowLoopbackHttp: null, secretKey: undefined, maxAttempts: 20, retryBaseSeconds: 1, retryMaxSeconds: 3600, timeoutSeconds: 10 });
    const c = loadConfig({ SYNTHBUS_WEBHOOK_ALLOW_LOOPBACK_HTTP: 'false', SYNTHBUS_WEBHOOK_SECRET_KEY: 'k'.repeat(32), SYNTHBUS_WEBHOOK_MAX_ATTEMPTS: '3', SYNTHBUS_WEBHOOK_RETRY_BASE_SECONDS: '5', SYNTHBUS_WEBHOOK_RETRY_MAX_SECONDS: '60', SYNTHBUS_WEBHOOK_TIMEOUT_SECONDS: '2' });
    expect(c.webhooks).toEqual({ allowLoopbackHttp: false, secretKey: 'k'.repeat(32), maxAttempts: 3, retryBaseSeconds: 5, retryMaxSeconds: 60, timeoutSeconds: 2 });
    expect(loadConfig({ SYNTHBUS_WEBHOOK_ALLOW_LOOPBACK_HTTP: 'yes' }).webhooks.allowLoopbackHttp).toBe(true);
    expect(() => loadConfig({ SYNTHBUS_WEBHOOK_ALLOW_LOOPBACK_HTTP: 'sometimes' })).toThrow('SYNTHBUS_WEBHOOK_ALLOW_LOOPBACK_HTTP must be true or false, got "sometimes"');
    expect(() => loadConfig({ SYNTHBUS_WEBHOOK_MAX_ATTEMPTS: '0' })).toThrow('SYNTHBUS_WEBHOOK_MAX_ATTEMPTS must be an integer from 1 to 100, got "0"');
    expect(() => loadConfig({ SYNTHBUS_WEBHOOK_TIMEOUT_SECONDS: '301' })).toThrow('SYNTHBUS_WEBHOOK_TIMEOUT_SECONDS must be an integer from 1 to 300, got "301"');
  });
});

describe('leases', () => {
  it('defaults to a heartbeat every 3 s, a 15 s lease, and an order failing when a shard lost its worker 5 times', () => {
    expect(loadConfig({})).toMatchObject({ heartbeatSeconds: 3, leaseSeconds: 15, shardLapseLimit: 5 });
    expect(loadConfig({ SYNTHBUS_SHARD_LAPSE_LIMIT: '2' })).toMatchObject({ shardLapseLimit: 2 });
    expect(() => loadConfig({ SYNTHBUS_SHARD_LAPSE_LIMIT: '0' })).toThrow('SYNTHBUS_SHARD_LAPSE_LIMIT must be an integer >= 1, got "0"');
  });

  it('refuses a lease shorter than two heartbeats, naming both settings', () => {
    expect(loadConfig({ SYNTHBUS_HEARTBEAT_SECONDS: '5', SYNTHBUS_LEASE_SECONDS: '10' })).toMatchObject({ heartbeatSeconds: 5, leaseSeconds: 10 });
    expect(() => loadConfig({ SYNTHBUS_HEARTBEAT_SECONDS: '5', SYNTHBUS_LEASE_SECONDS: '9' })).toThrow(
      'SYNTHBUS_LEASE_SECONDS (9) must be at least twice SYNTHBUS_HEARTBEAT_SECONDS (5), or one late heartbeat loses a healthy worker\'s shards',
    );
  });
});
