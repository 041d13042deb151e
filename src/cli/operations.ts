// The GraphQL operations the CLI sends (the API's schema: src/schema, src/resolvers).
import type { OrderStatus } from '../domain/order';

export const MODELS = /* GraphQL */ `query Models { models { modelId name fixture } }`;

export const PLACE_ORDER = /* GraphQL */ `
  mutation PlaceOrder($input: OrderInput!, $idempotencyKey: String) {
    placeOrder(input: $input, idempotencyKey: $idempotencyKey) { id status size counts { birads count } }
  }`;

export const ORDER_PROGRESS = /* GraphQL */ `
  subscription OrderProgress($orderId: ID!) {
    orderProgress(orderId: $orderId) { type status size delivered rejected failureReason estimatedSecondsLeft }
  }`;

export const CREATE_DOWNLOAD_LINK = /* GraphQL */ `
  mutation CreateDownloadLink($orderId: ID!, $format: ArchiveFormat!) {
    createDownloadLink(orderId: $orderId, format: $format) { url expiresAt }
  }`;

export const CERTIFICATE_KEYS = /* GraphQL */ `query CertificateKeys { certificateKeys { keyId publicKeyPem createdAt current } }`;

export interface ProgressEvent {
  type: string;
  status: OrderStatus;
  size: number;
  delivered: number;
  rejected: number;
  failureReason: string | null;
  estimatedSecondsLeft: number | null;
}
