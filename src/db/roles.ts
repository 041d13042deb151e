// The least-privilege role the API and workers run as. Migrations create it and grant it exactly
// what the app needs: in particular only SELECT and INSERT on the audit log.
export const APP_ROLE = 'synthbus_app';

/**
 * A connection string whose sessions all run as the app role. `url` logs in as a role that may
 * take it: the owner (the default, simple setup) or a dedicated login granted only synthbus_app.
 */
export function asAppRole(loginUrl: string): string {
  const url = new URL(loginUrl);
  url.searchParams.set('options', `-c role=${APP_ROLE}`);
  return url.toString();
}
