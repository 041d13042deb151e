// The checks every free-text input of people's details shares: trimmed, not empty, bounded; and
// e-mail addresses as mail systems accept them.
import isEmail from 'validator/lib/isEmail';
import { badInput, codePoints } from './errors';

/** `value` trimmed; BAD_USER_INPUT on `field` (named `label` in the message) if empty or over `max` characters. */
export function requiredText(field: string, label: string, value: string, max: number): string {
  const v = value.trim();
  if (!v) throw badInput(field, 'REQUIRED', `${label} must not be empty.`);
  if (codePoints(v) > max) throw badInput(field, 'TOO_LONG', `${label} must be at most ${max} characters.`);
  return v;
}

/** An e-mail address, trimmed; BAD_USER_INPUT on `field` if it is not one. */
export function emailAddress(field: string, label: string, value: string): string {
  const v = requiredText(field, label, value, 200);
  // validator.js's RFC 5321/5322 checks (no quoted local parts, no IP literals): what mail systems accept.
  if (!isEmail(v, { allow_display_name: false, allow_ip_domain: false, require_tld: true })) throw badInput(field, 'EMAIL_INVALID', `"${v}" is not an e-mail address.`);
  return v;
}
