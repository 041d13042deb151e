import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A signed privacy certificate: RFC 8785 JSON payload + Ed25519 signature.' })
export class Certificate {
  @Field(() => ID) id: string;
  @Field(() => ID) orderId: string;
  @Field() keyId: string;
  @Field({ description: 'Canonical JSON text; the signature covers its UTF-8 bytes.' }) payload: string;
  @Field({ description: 'base64 Ed25519 signature.' }) signature: string;
  @Field() passed: boolean;
  @Field(() => String, { nullable: true }) reason: string | null;
  @Field() createdAt: Date;
}

@ObjectType({ description: 'A public key that certificates may be signed with.' })
export class CertificateKey {
  @Field() keyId: string;
  @Field() publicKeyPem: string;
  @Field() createdAt: string;
  @Field() current: boolean;
}
