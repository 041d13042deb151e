// /graphql over HTTP: node:http straight into Apollo Server's executeHTTPGraphQLRequest (its
// documented hook for any HTTP framework), so that the hot path skips express's router, its
// request and response decorations and its ETag hash of every answer (issue 15: these were a
// fifth of the API's CPU per read). Express serves every other route (app.ts). The body is read
// by body-parser, which express.json() is, so limits, encodings and parse errors are unchanged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer, BaseContext, HeaderMap } from '@apollo/server';
import bodyParser from 'body-parser';
import type { Logger } from '../log/logger';

/** The request paths this handler answers: /graphql, with a query string or without. */
export function isGraphqlPath(url: string | undefined): boolean {
  const path = url?.split('?', 1)[0];
  return path === '/graphql' || path === '/graphql/';
}

export interface GraphqlHttpOptions<C> {
  bodyLimit: string;
  /** Each request's context; what it throws is answered by Apollo as an error. */
  context(req: IncomingMessage): Promise<C>;
  /** A body that could not be read or parsed, or an unexpected failure: answered as JSON. */
  onError(err: Error & { status?: number; type?: string }, req: IncomingMessage, res: ServerResponse): void;
}

function headersOf(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  return headers;
}

export function graphqlHttp<C extends BaseContext>(apollo: ApolloServer<C>, options: GraphqlHttpOptions<C>): (req: IncomingMessage, res: ServerResponse) => void {
  const parseJson = bodyParser.json({ limit: options.bodyLimit });
  const execute = async (req: IncomingMessage & { body?: unknown }, res: ServerResponse) => {
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers: headersOf(req), search: query < 0 ? '' : url.slice(query), body: req.body },
      context: () => options.context(req),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    // Incremental delivery (@defer): written as Apollo yields it.
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
  return (req, res) => {
    res.setHeader('Cache-Control', 'no-store'); // every answer is one partner's own data
    parseJson(req, res, (err?: Error) => {
      if (err) options.onError(err, req, res);
      else execute(req, res).catch((e: Error) => options.onError(e, req, res));
    });
  };
}

/**
 * A request that failed before GraphQL (body too large or not JSON, or an unexpected error in a
 * route): a GraphQL-shaped JSON error, never express's HTML page with a stack.
 */
export function answerHttpError(bodyLimit: string, logger: Logger): (err: Error & { status?: number; type?: string }, req: IncomingMessage, res: ServerResponse) => void {
  return (err, req, res) => {
    if (res.headersSent) {
      res.destroy(err); // half an answer sent: the client must not take it for a whole one
      return;
    }
    const status = err.status ?? 500;
    const message = err.type === 'entity.too.large' ? `Request body exceeds the ${bodyLimit} limit.` : status < 500 ? err.message : 'Internal server error.';
    if (status >= 500) logger.error({ requestId: req.headers['x-request-id'] }, `http error: ${err.stack ?? err.message}`);
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(JSON.stringify({ errors: [{ message, extensions: { code: status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR' } }] }));
  };
}
