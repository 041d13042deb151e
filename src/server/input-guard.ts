// Every string argument of every field, checked once before any resolver sees it: control
// characters (other than tab and line breaks) and unpaired UTF-16 surrogates are refused with
// BAD_USER_INPUT naming the field. PostgreSQL cannot store U+0000 at all, and the others have no
// business in names, e-mail addresses, ids or keys.
import { GraphQLFieldResolver, GraphQLSchema, defaultFieldResolver, isObjectType } from 'graphql';
import { badInput } from '../services/errors';

// C0 controls but \t \n \r, DEL, and C1 controls.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function describe(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Throws for the first string in `value` (at `path`) that a caller may not send. */
function checkStrings(value: unknown, path: string): void {
  if (typeof value === 'string') {
    const bad = CONTROL.exec(value);
    if (bad) throw badInput(path, 'CONTROL_CHARACTER', `${path} contains the control character ${describe(bad[0])}; remove it.`);
    if (LONE_SURROGATE.test(value)) throw badInput(path, 'INVALID_UNICODE', `${path} contains an unpaired UTF-16 surrogate; send well-formed Unicode.`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkStrings(v, `${path}[${i}]`));
  } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) checkStrings(v, `${path}.${k}`);
  }
}

function guarded<T extends GraphQLFieldResolver<unknown, unknown>>(resolve: T): T {
  const wrapped: GraphQLFieldResolver<unknown, unknown> = (root, args: Record<string, unknown>, context, info) => {
    for (const [name, value] of Object.entries(args)) checkStrings(value, name);
    return resolve(root, args, context, info);
  };
  return wrapped as T;
}

/** Wraps the resolve (and subscribe) of every field that takes arguments. */
export function guardInputs(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length === 0) continue;
      field.resolve = guarded(field.resolve ?? defaultFieldResolver);
      if (field.subscribe) field.subscribe = guarded(field.subscribe);
    }
  }
  return schema;
}
