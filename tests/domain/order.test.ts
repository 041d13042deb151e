import { estimateSecondsLeft } from '../../src/domain/order';

const startedAt = '2026-01-01T00:00:00.000Z';
const running = { status: 'RUNNING' as const, size: 100, delivered: 25, startedAt };

describe('estimateSecondsLeft', () => {
  it('extrapolates the rate delivered since the start, rounding up', () => {
    // 25 images in 50 s: 2 s each, 75 to go.
    expect(estimateSecondsLeft(running, '2026-01-01T00:00:50.000Z')).toBe(150);
    expect(estimateSecondsLeft({ ...running, delivered: 3 }, '2026-01-01T00:00:10.000Z')).toBe(324); // 97 × 10/3 = 323.3
  });

  it('is null until it can be estimated, and once the order ended without completing', () => {
    expect(estimateSecondsLeft({ ...running, delivered: 0 }, '2026-01-01T00:01:00.000Z')).toBeNull();
    expect(estimateSecondsLeft({ ...running, status: 'QUEUED', startedAt: null, delivered: 0 }, '2026-01-01T00:01:00.000Z')).toBeNull();
    expect(estimateSecondsLeft(running, startedAt)).toBeNull(); // no time has passed
    expect(estimateSecondsLeft({ ...running, status: 'FAILED' }, '2026-01-01T00:01:00.000Z')).toBeNull();
    expect(estimateSecondsLeft({ ...running, status: 'CANCELLED' }, '2026-01-01T00:01:00.000Z')).toBeNull();
  });

  it('is 0 once completed', () => {
    expect(estimateSecondsLeft({ ...running, status: 'COMPLETED', delivered: 100 }, '2026-01-01T00:03:00.000Z')).toBe(0);
  });
});
