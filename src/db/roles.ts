// The least-privilege role the API and workers run as. Migrations create it and grant it exactly
// what the app needs: in particular only SELECT and INSERT on the audit log.
export const APP_ROLE = 'synthbus_app';

/** A connection string that makes every session of the pool run as the app role. */
export function asAppRole(ownerUrl: string): string {
  const url = new URL(ownerUrl);
  url.searchParams.set('options', `-c role=${APP_ROLE}`);
  return url.toString();
}
