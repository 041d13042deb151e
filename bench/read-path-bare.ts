// The read-path benchmark's baseline (bench/read-path.ts): a bare graphql-js + pg server answering
// `order(id)` and `orders(first)` with the same fields, from the same database, as the same
// database role, authenticating the same bearer key by its sha256 in one query. What it leaves out
// of the real server: the audit entry of each read, rate limits, last-use tracking, query depth and
// cost limits, CSRF checks, error masking, express, Apollo, type-graphql, typeorm and DataLoader.
// Parsed and validated documents are cached by their text, as Apollo caches them.
//
//   PORT=<port> node dist/bench/read-path-bare.js <database url>
import { createHash } from 'node:crypto';
import http from 'node:http';
import { DocumentNode, GraphQLError, buildSchema, execute, parse, validate } from 'graphql';
import { Pool } from 'pg';
import { asAppRole } from '../src/db/roles';

const schema = buildSchema(`
  type Order { id: ID! status: String! size: Int! modelId: String! steps: Int! guidance: Float! createdAt: String! }
  type OrderEdge { cursor: String! node: Order! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type OrderConnection { edges: [OrderEdge!]! pageInfo: PageInfo! }
  type Query { order(id: ID!): Order! orders(first: Int): OrderConnection! }
`);

interface OrderRow {
  id: string;
  status: string;
  size: number;
  model_id: string;
  steps: number;
  guidance: number;
  created_at: Date;
}

const ORDER_COLUMNS = 'id, status, size, model_id, steps, guidance, created_at';

function order(r: OrderRow) {
  return { id: r.id, status: r.status, size: r.size, modelId: r.model_id, steps: r.steps, guidance: r.guidance, createdAt: r.created_at.toISOString() };
}

function cursorOf(r: OrderRow): string {
  return Buffer.from(JSON.stringify([r.created_at.toISOString(), r.id]), 'utf8').toString('base64url');
}

function serve(pool: Pool, port: number): http.Server {
  const documents = new Map<string, DocumentNode | readonly GraphQLError[]>();
  const rootValue = {
    async order({ id }: { id: string }, ctx: { partnerId: string }) {
      const { rows } = await pool.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1 AND partner_id = $2`, [id, ctx.partnerId]);
      if (!rows[0]) throw new GraphQLError(`No order ${id}.`, { extensions: { code: 'NOT_FOUND' } });
      return order(rows[0]);
    },
    async orders({ first }: { first?: number }, ctx: { partnerId: string }) {
      const limit = first ?? 20;
      const { rows } = await pool.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE partner_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [ctx.partnerId, limit + 1]);
      const page = rows.slice(0, limit);
      return { edges: page.map((r) => ({ cursor: cursorOf(r), node: order(r) })), pageInfo: { hasNextPage: rows.length > limit, endCursor: page.length ? cursorOf(page[page.length - 1]) : null } };
    },
  };
  const document = (query: string): DocumentNode | readonly GraphQLError[] => {
    let d = documents.get(query);
    if (!d) {
      const doc = parse(query);
      const errors = validate(schema, doc);
      documents.set(query, (d = errors.length ? errors : doc));
    }
    return d;
  };
  const reply = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        try {
          const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
          const { rows } = token
            ? await pool.query<{ partner_id: string | null; revoked_at: Date | null; status: string | null }>(
                'SELECT k.partner_id, k.revoked_at, p.status FROM api_keys k LEFT JOIN partners p ON p.id = k.partner_id WHERE k.token_hash = $1',
                [createHash('sha256').update(token, 'utf8').digest('hex')],
              )
            : { rows: [] };
          const key = rows[0];
          if (!key || key.revoked_at || !key.partner_id || key.status !== 'APPROVED') return reply(res, 401, { errors: [{ message: 'Unauthenticated.', extensions: { code: 'UNAUTHENTICATED' } }] });
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables?: Record<string, unknown> };
          const doc = document(body.query);
          if (Array.isArray(doc)) return reply(res, 400, { errors: doc });
          const result = await execute({ schema, document: doc as DocumentNode, rootValue, contextValue: { partnerId: key.partner_id }, variableValues: body.variables });
          reply(res, 200, result);
        } catch (e) {
          reply(res, 500, { errors: [{ message: (e as Error).message }] });
        }
      })();
    });
  });
  return server.listen(port, '127.0.0.1');
}

const url = process.argv[2];
const port = Number(process.env.PORT);
if (!url || !port) throw new Error('usage: PORT=<port> node dist/bench/read-path-bare.js <database url>');
const pool = new Pool({ connectionString: asAppRole(url), max: 10 });
const server = serve(pool, Number(port));
process.on('SIGTERM', () => server.close(() => void pool.end()));
