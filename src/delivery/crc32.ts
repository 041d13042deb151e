import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';

/** CRC-32 and length of a stream's bytes (never held in memory). */
export async function crc32Stream(stream: Readable): Promise<{ crc: number; size: number }> {
  let crc = 0;
  let size = 0;
  for await (const chunk of stream) {
    crc = crc32(chunk as Buffer, crc);
    size += (chunk as Buffer).length;
  }
  return { crc, size };
}
