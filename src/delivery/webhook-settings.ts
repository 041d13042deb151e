// What the API needs for webhooks, from config: the box that seals signing secrets (its key from
// SYNTHBUS_WEBHOOK_SECRET_KEY or generated once into the data dir), the URL policy and the retry policy.
import type { Config } from '../config';
import type { RetryPolicy } from '../domain/webhook';
import type { WebhookUrlPolicy } from '../domain/webhook-url';
import { SecretBox } from '../services/secret-box';
import { WEBHOOK_SECRET_PURPOSE } from '../services/webhooks';
import { loadOrCreateSecret } from './secret-file';

export const WEBHOOK_KEY_FILE = 'webhook-secrets.key';

export interface WebhookSettings {
  box: SecretBox;
  policy: WebhookUrlPolicy;
  retry: RetryPolicy;
  timeoutSeconds: number;
}

export async function loadWebhookSettings(config: Config): Promise<WebhookSettings> {
  const w = config.webhooks;
  const material = await loadOrCreateSecret({ configured: w.secretKey, dataDir: config.dataDir, file: WEBHOOK_KEY_FILE, what: 'webhook secret key' });
  return {
    box: new SecretBox(material, WEBHOOK_SECRET_PURPOSE),
    // Unset means off here; `start` (a developer's machine) turns it on before the API starts.
    policy: { allowLoopbackHttp: w.allowLoopbackHttp ?? false },
    retry: { maxAttempts: w.maxAttempts, baseSeconds: w.retryBaseSeconds, maxSeconds: w.retryMaxSeconds },
    timeoutSeconds: w.timeoutSeconds,
  };
}
