// Every resolver class of the schema. A domain adds its class here (e.g. downloads).
import type { NonEmptyArray } from 'type-graphql';
import { AgreementResolver } from './agreement';
import { ApiKeyResolver } from './api-key';
import { AuditResolver } from './audit';
import { AuditCheckpointResolver } from './audit-checkpoint';
import { CohortResolver } from './cohort';
import { DownloadResolver } from './download.resolver';
import { MemberResolver } from './member';
import { ModelResolver } from './model';
import { OperationsResolver, OrderStallResolver } from './operations';
import { OrderResolver } from './order';
import { PartnerResolver } from './partner';
import { ProgressResolver } from './progress';
import { WebhookResolver } from './webhook';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- type-graphql's own resolver-class type
export const resolvers: NonEmptyArray<Function> = [PartnerResolver, AgreementResolver, ApiKeyResolver, MemberResolver, ModelResolver, OrderResolver, CohortResolver, ProgressResolver, AuditResolver, AuditCheckpointResolver, DownloadResolver, OperationsResolver, OrderStallResolver, WebhookResolver];
