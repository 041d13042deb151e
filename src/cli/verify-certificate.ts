// `verify-certificate <file> [--images DIR] [--keys FILE]`: checks a cohort certificate offline.
// Exit codes: 0 verified, 1 verification failed, 2 usage error.
import { verifyCertificateFile } from '../privacy/verify';

const USAGE =
  'usage: verify-certificate <certificate.json> [--images DIR] [--keys PUBLIC_KEYS.json]\n' +
  '  --images DIR  also check that every certified image is under DIR with the certified sha256\n' +
  '  --keys FILE   trusted public keys as published by the SynthBUS API (JSON array of { keyId, publicKeyPem })\n';

interface Args {
  file: string;
  imagesDir?: string;
  publicKeysFile?: string;
}

function parseArgs(argv: string[]): Args | string {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--images' || arg === '--keys') {
      const value = argv[++i];
      if (value === undefined) return `${arg} needs a value`;
      flags[arg] = value;
    } else if (arg.startsWith('--')) {
      return `unknown option ${arg}`;
    } else {
      positional.push(arg);
    }
  }
  if (positional.length !== 1) return positional.length === 0 ? 'the certificate file is missing' : `unexpected argument ${positional[1]}`;
  return { file: positional[0], imagesDir: flags['--images'], publicKeysFile: flags['--keys'] };
}

export async function verifyCertificateCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out.write(USAGE);
    return 0;
  }
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    out.write(`verify-certificate: ${args}\n${USAGE}`);
    return 2;
  }
  const result = await verifyCertificateFile(args.file, { imagesDir: args.imagesDir, publicKeysFile: args.publicKeysFile });
  for (const note of result.notes) out.write(`note: ${note}\n`);
  if (!result.ok) {
    out.write(`FAILED: ${args.file}\n`);
    for (const p of result.problems) out.write(`  - ${p}\n`);
    return 1;
  }
  const r = result.record;
  const images = args.imagesDir ? `; all ${r?.images.length} image files match their sha256` : '';
  out.write(`OK: certificate ${r?.certificateId} for order ${r?.order.orderId}, signed by ${r?.keyId}, ${r?.counts.delivered} images${images}\n`);
  return 0;
}

if (require.main === module) {
  verifyCertificateCommand(process.argv.slice(2), process.stdout).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`verify-certificate: ${(e as Error).message}\n`);
      process.exitCode = 2;
    },
  );
}
