import { Field, ID, ObjectType } from 'type-graphql';
import type { PublicKeyInfo } from '../domain/model';

@ObjectType({ description: "A cohort's signed privacy certificate: RFC 8785 canonical JSON payload + Ed25519 signature (docs/certificate-format.md)." })
export class Certificate {
  @Field(() => ID, { description: 'The certificate id (a UUID), also inside the payload and the dataset card.' }) id: string;
  @Field(() => ID, { description: 'The order it certifies.' }) orderId: string;
  @Field({ description: 'The signing key: "ed25519-" + 16 hex digits; look it up in `certificateKeys`.' }) keyId: string;
  @Field({ description: 'The certificate as canonical JSON text (RFC 8785); the signature covers its UTF-8 bytes.' }) payload: string;
  @Field({ description: 'base64 Ed25519 signature (64 bytes) over the UTF-8 bytes of payload.' }) signature: string;
  @Field({ description: "True when every image and the cohort as a whole passed the privacy check; only then is the cohort delivered." }) passed: boolean;
  @Field(() => String, { nullable: true, description: 'Why the cohort failed the check; null when it passed.' }) reason: string | null;
  @Field({ description: 'When it was signed (ISO 8601, UTC).' }) createdAt: Date;
  @Field(() => String, {
    description:
      "The exact certificate.json file the cohort's archive carries (the same bytes, UTF-8): the record, its signature and the published public keys, so it verifies offline. Save it as certificate.json.",
  })
  readonly file: Promise<string>;
}

@ObjectType({ description: 'A public key that certificates may be signed with.' })
export class CertificateKey implements PublicKeyInfo {
  @Field({ description: '"ed25519-" + the first 16 hex digits of SHA-256 over the raw 32-byte public key.' }) keyId: string;
  @Field({ description: 'The Ed25519 public key as PEM (SubjectPublicKeyInfo).' }) publicKeyPem: string;
  @Field({ description: 'When the key was generated (ISO 8601, UTC).' }) createdAt: string;
  @Field({ description: 'True for the key new certificates are signed with; older keys still verify the certificates they signed.' }) current: boolean;
}
