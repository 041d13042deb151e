/**
 * Input that breaks a rule of the domain. `field` names the offending parameter and `reason` is a
 * stable code clients can branch on; the API turns it into a BAD_USER_INPUT error, a worker into a
 * permanent failure of the order (retrying cannot fix the input).
 */
export class InputError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly reason = 'INVALID_INPUT',
  ) {
    super(message);
    this.name = 'InputError';
  }
}
