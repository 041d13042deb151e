// A partner's webhooks: register (the signing secret is returned this once and stored sealed),
// list, rotate the secret, delete, and read deliveries with their attempts. Every query is
// scoped to the calling partner: another partner's webhook is NOT_FOUND, its existence not revealed.
import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { WEBHOOK_EVENTS, WebhookDeliveryState, WebhookEvent } from '../domain/webhook';
import { WebhookUrlPolicy, validateWebhookUrl } from '../domain/webhook-url';
import type { DeliveryAttempt } from '../db/webhook-queue';
import { AppError, asBadInput, badInput, notFound } from './errors';
import { Page, pageSize } from './order-access';
import type { SecretBox } from './secret-box';

/** Endpoints per partner: enough for staging + production pipelines, few enough to bound fan-out. */
export const MAX_WEBHOOKS_PER_PARTNER = 10;
const SECRET_PREFIX = 'whsec_';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface Webhook {
  id: string;
  url: string;
  events: WebhookEvent[];
  createdAt: Date;
  secretRotatedAt: Date | null;
}

export interface WebhookWithSecret {
  webhook: Webhook;
  /** Shown once; stored only sealed. */
  secret: string;
}

export interface WebhookDelivery {
  id: string;
  webhookId: string;
  event: WebhookEvent;
  orderId: string;
  state: WebhookDeliveryState;
  attemptCount: number;
  attempts: DeliveryAttempt[];
  nextAttemptAt: Date | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface WebhookDeps {
  ds: DataSource;
  box: SecretBox;
  policy: WebhookUrlPolicy;
}

interface WebhookRow {
  id: string;
  url: string;
  events: WebhookEvent[];
  created_at: Date;
  secret_rotated_at: Date | null;
}
const WEBHOOK_COLUMNS = 'id, url, events, created_at, secret_rotated_at';

function webhookOf(r: WebhookRow): Webhook {
  return { id: r.id, url: r.url, events: r.events, createdAt: r.created_at, secretRotatedAt: r.secret_rotated_at };
}

function newSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64url');
}

/** The purpose the webhook secret box is keyed for (also the AAD's domain). */
export const WEBHOOK_SECRET_PURPOSE = 'webhook signing secrets';

export function validateEvents(events: readonly string[] | null | undefined): WebhookEvent[] {
  if (events === null || events === undefined) return [...WEBHOOK_EVENTS];
  if (events.length === 0) throw badInput('input.events', 'EVENTS_EMPTY', `Give at least one event, or omit events for all of them: ${WEBHOOK_EVENTS.join(', ')}.`);
  events.forEach((e, i) => {
    if (!(WEBHOOK_EVENTS as readonly string[]).includes(e)) throw badInput(`input.events[${i}]`, 'UNKNOWN_EVENT', `Unknown event "${e}"; known events: ${WEBHOOK_EVENTS.join(', ')}.`);
  });
  return WEBHOOK_EVENTS.filter((e) => events.includes(e));
}

export async function registerWebhook(deps: WebhookDeps, partnerId: string, input: { url: string; events?: readonly string[] | null }): Promise<WebhookWithSecret> {
  const url = asBadInput(() => validateWebhookUrl(input.url, deps.policy));
  const events = validateEvents(input.events);
  const id = randomUUID();
  const secret = newSecret();
  const rows = await deps.ds.transaction(async (m) => {
    // Serializes registrations of one partner, so that two at once cannot pass the limit together.
    await m.query('SELECT 1 FROM partners WHERE id = $1 FOR UPDATE', [partnerId]);
    const [{ n }] = (await m.query('SELECT count(*)::int AS n FROM webhooks WHERE partner_id = $1', [partnerId])) as { n: number }[];
    if (n >= MAX_WEBHOOKS_PER_PARTNER) throw new AppError('CONFLICT', 'WEBHOOK_LIMIT', `A partner may register at most ${MAX_WEBHOOKS_PER_PARTNER} webhooks; delete one first.`);
    return (await m.query(`INSERT INTO webhooks (id, partner_id, url, events, secret_sealed) VALUES ($1, $2, $3, $4, $5) RETURNING ${WEBHOOK_COLUMNS}`, [id, partnerId, url, events, deps.box.seal(secret, id)])) as WebhookRow[];
  });
  return { webhook: webhookOf(rows[0]), secret };
}

export async function listWebhooks(ds: DataSource, partnerId: string): Promise<Webhook[]> {
  const rows = (await ds.query(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE partner_id = $1 ORDER BY created_at, id`, [partnerId])) as WebhookRow[];
  return rows.map(webhookOf);
}

/** A new secret replaces the old at once (deliveries signed with the old one that fail are retried with the new). */
export async function rotateWebhookSecret(deps: WebhookDeps, partnerId: string, webhookId: string): Promise<WebhookWithSecret> {
  const secret = newSecret();
  const [rows] = (await deps.ds.query(
    `UPDATE webhooks SET secret_sealed = $3, secret_rotated_at = now() WHERE id = $1 AND partner_id = $2 RETURNING ${WEBHOOK_COLUMNS}`,
    [checkedId(webhookId), partnerId, deps.box.seal(secret, webhookId)],
  )) as [WebhookRow[], number];
  if (!rows[0]) throw notFound('webhook', webhookId);
  return { webhook: webhookOf(rows[0]), secret };
}

/** Deletes the webhook and its deliveries; pending ones are never sent. Returns it as it was. */
export async function deleteWebhook(ds: DataSource, partnerId: string, webhookId: string): Promise<Webhook> {
  const [rows] = (await ds.query(`DELETE FROM webhooks WHERE id = $1 AND partner_id = $2 RETURNING ${WEBHOOK_COLUMNS}`, [checkedId(webhookId), partnerId])) as [WebhookRow[], number];
  if (!rows[0]) throw notFound('webhook', webhookId);
  return webhookOf(rows[0]);
}

/** A malformed id names no webhook: NOT_FOUND, like another partner's (never a database error). */
function checkedId(webhookId: string): string | null {
  return UUID.test(webhookId) ? webhookId : null;
}

interface DeliveryRow {
  id: string;
  webhook_id: string;
  event: WebhookEvent;
  order_id: string;
  state: WebhookDeliveryState;
  attempt_count: number;
  attempts: DeliveryAttempt[];
  next_attempt_at: Date | null;
  created_at: Date;
  finished_at: Date | null;
}

function deliveryOf(r: DeliveryRow): WebhookDelivery {
  return { id: r.id, webhookId: r.webhook_id, event: r.event, orderId: r.order_id, state: r.state, attemptCount: r.attempt_count, attempts: r.attempts, nextAttemptAt: r.next_attempt_at, createdAt: r.created_at, finishedAt: r.finished_at };
}

/** The webhook's deliveries, newest first; the cursor is a delivery's id. NOT_FOUND unless it is the partner's. */
export async function webhookDeliveries(ds: DataSource, partnerId: string, webhookId: string, first: number | null | undefined, after: string | null | undefined): Promise<{ page: Page<WebhookDelivery>; count: () => Promise<number> }> {
  const limit = pageSize(first);
  const [owned] = (await ds.query('SELECT id FROM webhooks WHERE id = $1 AND partner_id = $2', [checkedId(webhookId), partnerId])) as { id: string }[];
  if (!owned) throw notFound('webhook', webhookId);
  let from: { created_at: Date; id: string } | null = null;
  if (after !== null && after !== undefined) {
    // The cursor is a delivery of this webhook: anything else (another webhook's, made up) is refused.
    [from] = UUID.test(after) ? ((await ds.query('SELECT created_at, id FROM webhook_deliveries WHERE id = $1 AND webhook_id = $2', [after, webhookId])) as { created_at: Date; id: string }[]) : [];
    if (!from) throw badInput('after', 'CURSOR_INVALID', `"${after}" is not a cursor this API returned for this webhook.`);
  }
  const rows = (await ds.query(
    `SELECT id, webhook_id, event, order_id, state, attempt_count, attempts, next_attempt_at, created_at, finished_at
       FROM webhook_deliveries d
      WHERE d.webhook_id = $1 AND ($2::timestamptz IS NULL OR (d.created_at, d.id) < ($2, $3::uuid))
      ORDER BY d.created_at DESC, d.id DESC
      LIMIT $4`,
    [webhookId, from?.created_at ?? null, from?.id ?? null, limit + 1],
  )) as DeliveryRow[];
  const items = rows.slice(0, limit).map(deliveryOf);
  return {
    page: { items, hasNextPage: rows.length > limit, cursorOf: (d) => d.id },
    count: async () => ((await ds.query('SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1', [webhookId])) as { n: number }[])[0].n,
  };
}
