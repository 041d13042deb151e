// `synthbus pull <orderId> --out DIR [--format zip|tar]`: waits for the order (progress from the
// orderProgress subscription), downloads its archive (resuming), unpacks it into DIR and verifies
// every sha256 and the certificate signature. Exit 0 only when everything checks out.
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { ApiClient, CliError, subscribeUntil } from './api';
import { ParsedArgs, stringOption } from './args';
import { downloadArchive } from './download';
import { extractArchive } from './extract';
import type { PublicKeyInfo } from '../domain/model';
import { CERTIFICATE_KEYS, ORDER_PROGRESS, ProgressEvent } from './operations';
import { formatTimeLeft, progressBar, ProgressSink } from './progress';
import { verifyCohort } from './verify-cohort';

export const PULL_FLAGS = ['out', 'format'] as const;

async function waitForCompletion(api: ApiClient, orderId: string, sink: ProgressSink): Promise<ProgressEvent> {
  const bar = progressBar('generating ', sink);
  const client = api.subscriptions();
  try {
    const { orderProgress: last } = await subscribeUntil<{ orderProgress: ProgressEvent }>(client, ORDER_PROGRESS, { orderId }, ({ orderProgress: e }) => {
      const left = formatTimeLeft(e.estimatedSecondsLeft);
      bar.update(e.delivered, e.size, `${e.delivered}/${e.size} images, ${e.rejected} resampled${left ? `, ${left}` : ''}`);
      if (e.status === 'FAILED' || e.status === 'CANCELLED') {
        throw new CliError(`order ${orderId} ${e.status.toLowerCase()}${e.failureReason ? `: ${e.failureReason}` : ''}`);
      }
      return e.status === 'COMPLETED';
    });
    bar.finish();
    return last;
  } finally {
    await client.dispose();
  }
}

export async function pullCommand(api: ApiClient, args: ParsedArgs, out: NodeJS.WritableStream, progress: ProgressSink): Promise<number> {
  const [orderId, extra] = args.positionals;
  const dir = stringOption(args, 'out');
  if (!orderId || extra !== undefined || !dir) throw new CliError('usage: synthbus pull <orderId> --out DIR [--format zip|tar]', 2);
  const format = stringOption(args, 'format') ?? 'zip';
  if (format !== 'zip' && format !== 'tar') throw new CliError(`--format must be zip or tar, got "${format}"`, 2);
  await fs.mkdir(dir, { recursive: true });

  const done = await waitForCompletion(api, orderId, progress);
  // The archive stays in a hidden folder: dataset loaders skip hidden paths, and HuggingFace's
  // would otherwise unpack a zip it finds and load every image twice.
  const archive = join(dir, '.synthbus', `synthbus-${orderId}.${format}`);
  await fs.mkdir(dirname(archive), { recursive: true });
  const have = await fs.stat(archive).then(() => true, () => false);
  if (!have) {
    await downloadArchive({
      api,
      orderId,
      format,
      target: archive,
      progress: progressBar('downloading', progress),
      onResume: (offset) => progress.write(`${progress.isTTY ? '\n' : ''}resuming the download at byte ${offset}\n`),
    });
  }
  const files = await extractArchive(archive, format, dir);
  const { certificateKeys } = await api.request<{ certificateKeys: PublicKeyInfo[] }>(CERTIFICATE_KEYS);
  const problems = await verifyCohort(dir, certificateKeys);
  if (problems.length > 0) {
    out.write(`FAILED: the cohort in ${dir} does not verify:\n${problems.map((p) => `  - ${p}\n`).join('')}`);
    return 1;
  }
  const images = files.filter((f) => f.startsWith('images/')).length;
  out.write(`OK: ${images} of ${done.size} images in ${dir}; every sha256 matches metadata.csv and the certificate, whose signature verifies with the API's published key\n`);
  return 0;
}
