import { decideRange } from '../../src/delivery/http-range';

const E = '"etag-1"';
describe('decideRange', () => {
  it.each([
    ['bytes=0-99', { status: 206, start: 0, end: 99 }],
    ['bytes=100-', { status: 206, start: 100, end: 999 }],
    ['bytes=990-5000', { status: 206, start: 990, end: 999 }],
    ['bytes=-10', { status: 206, start: 990, end: 999 }],
    ['bytes=-5000', { status: 206, start: 0, end: 999 }],
    ['bytes=999-999', { status: 206, start: 999, end: 999 }],
    ['bytes=1000-', { status: 416 }],
    ['bytes=-0', { status: 416 }],
    ['bytes=0-1,5-6', { status: 200 }],
    ['bytes=5-1', { status: 200 }],
    ['items=0-1', { status: 200 }],
    ['bytes=-', { status: 200 }],
  ])('%s of 1000 bytes', (header, want) => {
    expect(decideRange(header, undefined, 1000, E)).toEqual(want);
  });

  it('serves the whole body when there is no Range or If-Range names another version', () => {
    expect(decideRange(undefined, undefined, 1000, E)).toEqual({ status: 200 });
    expect(decideRange('bytes=10-', '"old"', 1000, E)).toEqual({ status: 200 });
    expect(decideRange('bytes=10-', E, 1000, E)).toEqual({ status: 206, start: 10, end: 999 });
  });
});
