import { registerEnumType } from 'type-graphql';
import { CohortDeletionReason } from '../domain/cohort-retention';

registerEnumType(CohortDeletionReason, {
  name: 'CohortDeletionReason',
  description: "Why a cohort's images were deleted. The order, its image records and its certificate stay either way.",
  valuesConfig: {
    PARTNER_DELETED: { description: 'The partner deleted it with deleteCohort.' },
    EXPIRED: { description: 'Its retention period (Order.cohortExpiresAt) ended and the service deleted it.' },
  },
});

export { CohortDeletionReason };
