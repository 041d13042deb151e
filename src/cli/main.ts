#!/usr/bin/env node
// synthbus: the partner's command line for SynthBUS. API key from --api-key or SYNTHBUS_API_KEY,
// endpoint from --url or SYNTHBUS_URL.
import { ApiClient, CliError } from './api';
import { parseArgs, stringOption, UsageError } from './args';
import type { PublicKeyInfo } from '../domain/model';
import { CERTIFICATE_KEYS } from './operations';
import { ORDER_FLAGS, orderCommand } from './order';
import { PULL_FLAGS, pullCommand } from './pull';
import { verifyCertificateCommand } from './verify-certificate';

const DEFAULT_URL = 'http://127.0.0.1:4000/graphql';

const USAGE = `usage: synthbus <command> [options]

commands:
  order --mix 3=0.4,4=0.3,5=0.3 --size 400 [--model ID] [--seed N] [--steps N] [--guidance G] [--idempotency-key K]
        place an order; prints its id
  pull <orderId> --out DIR [--format zip|tar]
        wait for the order, download (resuming), unpack into DIR, verify every sha256 and the certificate
  verify-certificate <certificate.json> [--images DIR] [--keys FILE]
        check a certificate offline (keys: the output of "synthbus keys")
  keys  print the API's published certificate keys as JSON

options for order, pull and keys:
  --api-key KEY   or SYNTHBUS_API_KEY
  --url URL       GraphQL endpoint, or SYNTHBUS_URL (default ${DEFAULT_URL})

exit status: 0 success, 1 failure (the message says what failed), 2 usage error
`;

function client(args: ReturnType<typeof parseArgs>, env: NodeJS.ProcessEnv): ApiClient {
  const key = stringOption(args, 'api-key') ?? env.SYNTHBUS_API_KEY;
  if (!key) throw new CliError('no API key: pass --api-key or set SYNTHBUS_API_KEY', 2);
  const url = stringOption(args, 'url') ?? env.SYNTHBUS_URL ?? DEFAULT_URL;
  if (!/^https?:\/\//.test(url)) throw new CliError(`--url must be an http(s) URL, got "${url}"`, 2);
  return new ApiClient(url, key);
}

const CONNECTION_FLAGS = ['api-key', 'url'];

export async function main(argv: string[], env: NodeJS.ProcessEnv, stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'order': {
        const args = parseArgs(rest, [...CONNECTION_FLAGS, ...ORDER_FLAGS]);
        return await orderCommand(client(args, env), args, stdout);
      }
      case 'pull': {
        const args = parseArgs(rest, [...CONNECTION_FLAGS, ...PULL_FLAGS]);
        return await pullCommand(client(args, env), args, stdout, stderr);
      }
      case 'keys': {
        const args = parseArgs(rest, CONNECTION_FLAGS);
        const { certificateKeys } = await client(args, env).request<{ certificateKeys: PublicKeyInfo[] }>(CERTIFICATE_KEYS);
        stdout.write(`${JSON.stringify(certificateKeys, null, 2)}\n`);
        return 0;
      }
      case 'verify-certificate':
        return await verifyCertificateCommand(rest, stdout);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new CliError(`unknown command "${command}"`, 2);
    }
  } catch (e) {
    if (e instanceof CliError || e instanceof UsageError) {
      const code = e instanceof CliError ? e.exitCode : 2;
      stderr.write(`synthbus ${command}: ${e.message}\n${code === 2 ? `\n${USAGE}` : ''}`);
      return code;
    }
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), process.env, process.stdout, process.stderr).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`synthbus: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
