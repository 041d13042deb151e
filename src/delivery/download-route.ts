// GET/HEAD /downloads/:token — streams a cohort archive. The caller must present the API key of
// the partner the link was issued to; refusals are answered with a reason and audited. Single
// byte ranges are honoured (206), so interrupted downloads resume without re-sending bytes.
import type { Express, Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import { pipeline } from 'node:stream/promises';
import { appendAudit } from '../audit/log';
import { AppError } from '../services/errors';
import { asPartner, auditActor, authorize, PartnerPrincipal, Principal } from '../services/principal';
import { readRange } from './archive-plan';
import { DeliveryDeps, prepareDownload } from './downloads';
import { decideRange } from './http-range';
import { TokenRefusal, verifyDownloadToken } from './links';
import type { PreparedDownload } from './prepared-downloads';

export interface DownloadRouteDeps {
  delivery: DeliveryDeps;
  /**
   * The caller of an `Authorization` header: null without one; UNAUTHENTICATED (audited) for a
   * bad key. The same function authenticates /graphql.
   */
  authenticate(header: string | undefined, ip: string): Promise<Principal | null>;
}

const STATUS: Record<string, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, GONE: 410, BAD_USER_INPUT: 400 };

const INVALID = { reason: 'LINK_INVALID', message: 'This download link is not valid: it was altered or truncated. Ask for a new one with createDownloadLink.' };
const REFUSALS: Record<TokenRefusal, { reason: string; message: string }> = {
  malformed: INVALID,
  'bad-signature': INVALID,
  expired: { reason: 'LINK_EXPIRED', message: 'This download link has expired. Ask for a new one with createDownloadLink.' },
  'other-partner': { reason: 'LINK_OTHER_PARTNER', message: "This download link was issued to another partner; it only works with that partner's API key." },
};

/** The same error shape as /graphql's, with the HTTP status the code implies unless one is given. */
function sendError(res: Response, code: string, reason: string, message: string, status = STATUS[code] ?? 500): void {
  res.status(status).json({ errors: [{ message, extensions: { code, reason } }] });
}

export function mountDownloads(app: Express, { delivery: deps, authenticate }: DownloadRouteDeps): void {
  const handle = async (req: Request, res: Response): Promise<void> => {
    const token = String(req.params.token);
    const ip = req.socket.remoteAddress ?? '';
    let principal: Principal | null = null;
    let who: PartnerPrincipal;
    try {
      principal = await authenticate(req.headers.authorization, ip);
      if (!principal) {
        await appendAudit(deps.ds, { actor: 'anonymous', action: 'download.refused', outcome: 'denied', detail: { reason: 'NO_API_KEY', ip } });
        return sendError(res, 'UNAUTHENTICATED', 'NO_API_KEY', 'Send the API key the link was issued to, as "Authorization: Bearer <key>".');
      }
      who = asPartner(authorize(principal, ['downloads']));
    } catch (e) {
      if (!(e instanceof GraphQLError)) throw e;
      // Bad keys are audited by authenticate; a key that may not download, here.
      if (principal) {
        await appendAudit(deps.ds, { ...auditActor(principal), action: 'download.refused', outcome: 'denied', detail: { reason: e.extensions.reason, ip } });
      }
      return sendError(res, String(e.extensions.code), String(e.extensions.reason), e.message);
    }
    const check = verifyDownloadToken(token, deps.linkSecret, { now: new Date(), partnerId: who.partnerId });
    if (!check.ok) {
      const refusal = REFUSALS[check.reason];
      // The token itself is a bearer credential for its partner: only its first characters are kept.
      await appendAudit(deps.ds, {
        ...auditActor(who),
        action: 'download.refused',
        targetType: 'download-link',
        targetId: token.slice(0, 24),
        outcome: 'denied',
        detail: { reason: refusal.reason, ip },
      });
      return sendError(res, 'FORBIDDEN', refusal.reason, refusal.message);
    }
    let prepared: PreparedDownload;
    try {
      prepared = await prepareDownload(deps, who, check.claims);
    } catch (e) {
      if (e instanceof AppError) return sendError(res, String(e.extensions.code), String(e.extensions.reason), e.message);
      throw e;
    }
    const { plan, etag } = prepared;
    const range = decideRange(req.get('range'), req.get('if-range'), plan.length, etag);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('Content-Type', prepared.contentType);
    res.setHeader('Content-Disposition', `attachment; filename="${prepared.fileName}"`);
    if (range.status === 416) {
      res.setHeader('Content-Range', `bytes */${plan.length}`);
      return sendError(res, 'BAD_USER_INPUT', 'RANGE_NOT_SATISFIABLE', `The archive is ${plan.length} bytes; the requested range starts past its end.`, 416);
    }
    const [start, end] = range.status === 206 ? [range.start, range.end] : [0, plan.length - 1];
    res.status(range.status);
    if (range.status === 206) res.setHeader('Content-Range', `bytes ${start}-${end}/${plan.length}`);
    res.setHeader('Content-Length', String(end - start + 1));
    await appendAudit(deps.ds, {
      ...auditActor(who),
      action: req.method === 'HEAD' ? 'download.head' : 'download.serve',
      targetType: 'order',
      targetId: check.claims.orderId,
      detail: { format: check.claims.format, status: range.status, start, end, length: plan.length, ip },
    });
    if (req.method === 'HEAD' || plan.length === 0) {
      res.end();
      return;
    }
    // A failure mid-stream (client gone, store error) ends the connection; clients resume with Range.
    await pipeline(readRange(plan, start, end), res).catch(() => res.destroy());
  };
  const route = (req: Request, res: Response, next: (e?: unknown) => void) => handle(req, res).catch(next);
  app.get('/downloads/:token', route);
  app.head('/downloads/:token', route);
}
