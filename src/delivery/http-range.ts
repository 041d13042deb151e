// The Range / If-Range rules of RFC 9110 §14 for one representation of known length and ETag.

export type RangeDecision =
  | { status: 200 }
  | { status: 206; start: number; end: number }
  | { status: 416 };

/**
 * A single byte range is served as 206; several ranges, an If-Range that no longer matches, or a
 * header that is not a bytes range are answered with the whole body (200), as the RFC allows.
 * A well-formed range that starts past the end is 416.
 */
export function decideRange(rangeHeader: string | undefined, ifRange: string | undefined, length: number, etag: string): RangeDecision {
  if (!rangeHeader) return { status: 200 };
  if (ifRange !== undefined && ifRange !== etag) return { status: 200 };
  const m = /^bytes=(\d*)-(\d*)$/.exec(rangeHeader.trim());
  if (!m || (m[1] === '' && m[2] === '')) return { status: 200 };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || length === 0) return { status: 416 };
    return { status: 206, start: Math.max(0, length - suffix), end: length - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? length - 1 : Math.min(Number(m[2]), length - 1);
  if (m[2] !== '' && Number(m[2]) < start) return { status: 200 };
  if (start >= length) return { status: 416 };
  return { status: 206, start, end };
}
