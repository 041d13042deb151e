// The errors a partner can act on. Each carries a GraphQL `extensions.code`, and a `reason` that
// names the exact problem so that clients can branch on it without parsing the message.
import { GraphQLError } from 'graphql';
import { InputError } from '../domain/input-error';

/** GONE: the thing existed but was deleted for good (a cohort's images). */
export type ErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'NOT_FOUND' | 'QUOTA_EXCEEDED' | 'CONFLICT' | 'GONE';

export class AppError extends GraphQLError {
  constructor(code: ErrorCode, reason: string, message: string, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { code, reason, ...extra } });
    this.name = 'AppError';
  }
}

/** Bad input: `field` is the path of the offending input field, e.g. `input.mix[1].birads`. */
export function badInput(field: string, reason: string, message: string): AppError {
  return new AppError('BAD_USER_INPUT', reason, message, { field });
}

export function notFound(what: string, id: string): AppError {
  return new AppError('NOT_FOUND', `${what.toUpperCase().replace(/ /g, '_')}_NOT_FOUND`, `No ${what} with id "${id}" exists for you.`);
}

export function forbidden(reason: string, message: string): AppError {
  return new AppError('FORBIDDEN', reason, message);
}

export function unauthenticated(reason: string, message: string): AppError {
  return new AppError('UNAUTHENTICATED', reason, message);
}

/** A text's length as people count it: characters (code points), not UTF-16 units (an emoji is one). */
export function codePoints(text: string): number {
  return Array.from(text).length;
}

/** Runs a domain rule check, turning its InputError into the API's BAD_USER_INPUT error. */
export function asBadInput<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof InputError) throw badInput(e.field, e.reason, e.message);
    throw e;
  }
}
