// Sends queued webhook deliveries. Runs in every API process (so under `npm start` too); any
// number run at once, each claiming different rows (db/webhook-queue.ts). Each attempt is signed
// afresh (a new timestamp), recorded with its status or error, and a failure is retried with
// capped exponential backoff until the retry policy gives up. A database outage is waited out.
import type { DataSource } from 'typeorm';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signatureHeader } from '../domain/webhook-signature';
import { RetryPolicy, retryDelaySeconds } from '../domain/webhook';
import type { WebhookUrlPolicy } from '../domain/webhook-url';
import { ClaimedDelivery, claimDueDeliveries, recordAttempt } from '../db/webhook-queue';
import type { SecretBox } from '../services/secret-box';
import { postJson, PostResult } from './webhook-post';

export interface WebhookDispatcherOptions {
  box: SecretBox;
  policy: WebhookUrlPolicy;
  retry: RetryPolicy;
  timeoutSeconds: number;
  log: (line: string) => void;
  /** How often to look for due deliveries when the last look found fewer than a batch. */
  pollMs?: number;
}

export interface WebhookDispatcher {
  stop(): Promise<void>;
}

const BATCH = 20;
/** A claimed delivery's lease outlives its attempt's deadline by this much. */
const LEASE_MARGIN_SECONDS = 30;

async function attempt(ds: DataSource, d: ClaimedDelivery, opts: WebhookDispatcherOptions): Promise<void> {
  const started = Date.now();
  let result: PostResult;
  try {
    const secret = opts.box.open(d.secretSealed, d.webhookId);
    const signature = signatureHeader(secret, Math.floor(started / 1000), d.body);
    result = await postJson(d.url, d.body, { [SIGNATURE_HEADER]: signature, [DELIVERY_HEADER]: d.id, [EVENT_HEADER]: d.event }, { timeoutMs: opts.timeoutSeconds * 1000, policy: opts.policy });
  } catch (e) {
    // The secret would not open (another key?) or the URL would not parse: the operator must look.
    opts.log(`webhook delivery ${d.id}: ${(e as Error).message}`);
    result = { status: null, error: 'the delivery could not be sent (the server logged why)' };
  }
  const ok = result.status !== null && result.status >= 200 && result.status < 300;
  const retryIn = ok ? null : retryDelaySeconds(opts.retry, d.attemptCount + 1);
  await recordAttempt(ds, d, { at: new Date(started).toISOString(), status: result.status, error: result.error, durationMs: Date.now() - started }, retryIn);
}

export function startWebhookDispatcher(ds: DataSource, opts: WebhookDispatcherOptions): WebhookDispatcher {
  const pollMs = opts.pollMs ?? 1000;
  let stopped = false;
  let wake: (() => void) | null = null;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  const loop = (async () => {
    while (!stopped) {
      let claimed: ClaimedDelivery[] = [];
      try {
        claimed = await claimDueDeliveries(ds, BATCH, opts.timeoutSeconds + LEASE_MARGIN_SECONDS);
        await Promise.all(claimed.map((d) => attempt(ds, d, opts)));
      } catch (e) {
        // An outage: the claimed rows' leases run out and they are tried again.
        opts.log(`webhook dispatcher: ${(e as Error).message}`);
      }
      if (!stopped && claimed.length < BATCH) await pause(pollMs);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
