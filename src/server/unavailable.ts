// While PostgreSQL is down (restarting, failing over) the API answers a coded, retryable error:
// HTTP 503 with Retry-After and code SERVICE_UNAVAILABLE, instead of a masked 500. It recovers by
// itself: the connection pool reconnects on the next request once the database is back.
import { ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { isDatabaseUnavailable } from '../db/unavailable';

export const RETRY_AFTER_SECONDS = 5;
const MESSAGE = `The service is briefly unavailable (its database cannot be reached); retry in ${RETRY_AFTER_SECONDS} s.`;
const EXTENSIONS = { code: 'SERVICE_UNAVAILABLE', reason: 'DATABASE_UNAVAILABLE', retryAfterSeconds: RETRY_AFTER_SECONDS };

/** For the context function (authentication reads the database before any resolver runs). */
export function unavailableError(): GraphQLError {
  return new GraphQLError(MESSAGE, { extensions: { ...EXTENSIONS, http: { status: 503, headers: new HeaderMap([['retry-after', String(RETRY_AFTER_SECONDS)]]) } } });
}

/** Wraps formatError: an outage is reported as such, never masked as an internal error. */
export function formatUnavailable(format: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError =>
    formatted.extensions?.code === EXTENSIONS.code || isDatabaseUnavailable(error) ? { message: MESSAGE, locations: formatted.locations, path: formatted.path, extensions: EXTENSIONS } : format(formatted, error);
}

/** A response carrying an outage error gets status 503 and Retry-After. */
export const unavailablePlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async willSendResponse({ response, errors }) {
        if (!errors?.some((e) => isDatabaseUnavailable(e))) return;
        response.http.status = 503;
        response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
      },
    };
  },
};
