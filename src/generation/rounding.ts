/** Round half to even, as Python's round(), numpy.round and torch.round: the Python side's rounding. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
