const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `s` is a UUID (the shape of every id the API hands out); anything else never came from it. */
export function isUuid(s: string): boolean {
  return UUID.test(s);
}
