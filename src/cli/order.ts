// `synthbus order --mix 3=0.4,4=0.3,5=0.3 --size 400 [--model ID] [--seed N] [--sampler S]
//  [--steps N] [--guidance G] [--idempotency-key K]`: places an order and prints its id.
import { ApiClient, CliError } from './api';
import { ParsedArgs, stringOption } from './args';
import { parseMix } from './mix';
import { MODELS, PLACE_ORDER } from './operations';

export const ORDER_FLAGS = ['mix', 'size', 'model', 'seed', 'sampler', 'steps', 'guidance', 'idempotency-key'] as const;

function intOption(args: ParsedArgs, name: string): number | undefined {
  const raw = stringOption(args, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new CliError(`--${name} must be a non-negative integer, got "${raw}"`, 2);
  return Number(raw);
}

/** The only model, when --model is not given; otherwise the user must choose. */
async function defaultModel(api: ApiClient): Promise<string> {
  const { models } = await api.request<{ models: { modelId: string; fixture: boolean }[] }>(MODELS);
  if (models.length === 1) return models[0].modelId;
  if (models.length === 0) throw new CliError('the API has no model loaded yet; start a worker, then order');
  throw new CliError(`several models are available; choose one with --model: ${models.map((m) => m.modelId).join(', ')}`, 2);
}

export async function orderCommand(api: ApiClient, args: ParsedArgs, out: NodeJS.WritableStream): Promise<number> {
  const mixText = stringOption(args, 'mix');
  const size = intOption(args, 'size');
  if (!mixText || size === undefined) throw new CliError('order needs --mix (e.g. 3=0.4,4=0.3,5=0.3) and --size', 2);
  const guidanceRaw = stringOption(args, 'guidance');
  const guidance = guidanceRaw === undefined ? undefined : Number(guidanceRaw);
  if (guidance !== undefined && !Number.isFinite(guidance)) throw new CliError(`--guidance must be a number, got "${guidanceRaw}"`, 2);
  const input = {
    modelId: stringOption(args, 'model') ?? (await defaultModel(api)),
    size,
    mix: parseMix(mixText),
    seed: intOption(args, 'seed'),
    // DDIM or DPM_SOLVER_PP; the API names the choices when it refuses another.
    sampler: stringOption(args, 'sampler'),
    steps: intOption(args, 'steps'),
    guidance,
  };
  const { placeOrder } = await api.request<{ placeOrder: { id: string } }>(PLACE_ORDER, {
    input,
    idempotencyKey: stringOption(args, 'idempotency-key') ?? null,
  });
  out.write(`${placeOrder.id}\n`);
  return 0;
}
