import { createReadStream } from 'node:fs';
import { crc32 } from 'node:zlib';

/** CRC-32 of a file, streamed (the file is never held in memory). */
export async function crc32File(path: string): Promise<number> {
  let crc = 0;
  for await (const chunk of createReadStream(path)) crc = crc32(chunk as Buffer, crc);
  return crc;
}
