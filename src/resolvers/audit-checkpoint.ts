// Signed checkpoints of the audit chain for admins: the latest heads signed with the checkpoint
// key (which the database never holds), that key's public half, and signing one on demand.
import { Arg, Authorized, Ctx, Field, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { CheckpointKey, checkpointFiles, signCheckpoint, storedCheckpoints } from '../audit/checkpoints';
import { badInput } from '../services/errors';
import type { Grant } from '../services/principal';
import type { GraphQLContext } from './context';

@ObjectType({ description: "A signed head of the audit chain: whoever holds the public key can prove that the log's first `seq` entries have not changed since." })
export class AuditCheckpoint {
  @Field(() => Int, { description: 'The sequence number of the last entry covered (0: the empty log).' }) seq: number;
  @Field({ description: "That entry's hash (hex SHA-256): the chain's head at signing time." }) hash: string;
  @Field({ description: 'When the head was signed (ISO 8601, UTC).' }) signedAt: string;
  @Field({ description: 'The signing key: the first 16 hex characters of the SHA-256 of its public key (SPKI DER).' }) keyId: string;
  @Field({ description: 'Ed25519 signature (base64) over the RFC 8785 canonical JSON {"hash","log":"synthbus-audit-log","seq","signedAt"}.' }) signature: string;
}

async function checkpointKey(ctx: GraphQLContext): Promise<CheckpointKey> {
  return CheckpointKey.open(checkpointFiles(ctx.config).keyFile);
}

@Resolver()
export class AuditCheckpointResolver {
  @Authorized<Grant>('ADMIN')
  @Query(() => [AuditCheckpoint], { description: 'The newest signed checkpoints of the audit log, newest first (only those whose signature verifies). Admins only.' })
  async auditCheckpoints(
    @Arg('first', () => Int, { nullable: true, description: 'How many checkpoints, 1 to 100 (default 10).' }) first: number | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AuditCheckpoint[]> {
    const n = first ?? 10;
    if (!Number.isInteger(n) || n < 1 || n > 100) throw badInput('first', 'PAGE_SIZE_INVALID', `first must be from 1 to 100, got ${n}.`);
    return storedCheckpoints(ctx.ds, (await checkpointKey(ctx)).publicKey, n);
  }

  @Authorized<Grant>('ADMIN')
  @Query(() => String, { description: 'The public key (PEM, SPKI) that verifies audit checkpoints: keep a copy outside the database. Admins only.' })
  async auditCheckpointPublicKey(@Ctx() ctx: GraphQLContext): Promise<string> {
    return (await checkpointKey(ctx)).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  @Authorized<Grant>('ADMIN')
  @Mutation(() => AuditCheckpoint, { description: "Signs the audit chain's current head now (the API also signs one periodically) and appends it to the checkpoint file. Admins only." })
  async signAuditCheckpoint(@Ctx() ctx: GraphQLContext): Promise<AuditCheckpoint> {
    return signCheckpoint(ctx.ds, await checkpointKey(ctx), checkpointFiles(ctx.config).checkpointFile);
  }
}
