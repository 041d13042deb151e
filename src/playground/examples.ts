// The operations the playground opens with: the partner journey from application to download,
// one tab per step. Placeholders in CAPITALS are what the user fills in from the previous step.

export interface ExampleTab {
  query: string;
  variables?: string;
  headers?: string;
}

const AUTH = (what: string) => JSON.stringify({ Authorization: `Bearer ${what}` }, null, 2);

export const EXAMPLE_TABS: ExampleTab[] = [
  {
    query: `# Welcome to the SynthBUS playground. Each tab is one step of the partner journey.
# 1. Apply for a partner account (no key needed). Keep the returned secret: it is shown once.
mutation Apply {
  apply(input: {
    name: "Dr. Ana Souza"
    institution: "Example University Hospital"
    contactEmail: "ana.souza@example.org"
    purpose: "Training and testing a BI-RADS classifier on synthetic cohorts."
  }) {
    partner { id status }
    secret
  }
}`,
  },
  {
    query: `# 2. Once an administrator approves you, accept the current data-use agreement.
# Put the secret from step 1 in the Headers tab.
query Agreement {
  currentAgreement { version text }
  me { id name status }
}

mutation AcceptAgreement($version: Int!) {
  acceptAgreement(version: $version) { agreementVersion acceptedAt }
}`,
    variables: JSON.stringify({ version: 1 }, null, 2),
    headers: AUTH('SECRET_FROM_STEP_1'),
  },
  {
    query: `# 3. Issue an API key for ordering and downloading. Its secret is shown once.
# Colleagues get keys of their own: add each as a member with a role (VIEWER reads and
# downloads, ORDERER also orders, ADMIN also manages members, keys and webhooks), then
# issue their key with memberId; the audit log names the member behind every action.
mutation IssueKey {
  issueApiKey(name: "playground", scopes: [ACCOUNT, ORDERS_READ, ORDERS_WRITE, DOWNLOADS]) {
    key { id scopes memberId }
    secret
  }
}

mutation AddMember {
  addMember(input: { name: "Dr Lee", email: "lee@example.org", role: VIEWER }) { id role }
}

query Members {
  members { id name email role }
}`,
    headers: AUTH('SECRET_FROM_STEP_1'),
  },
  {
    query: `# 4. Where you stand this period (the rolling 30 days your quotas count), before ordering.
query Usage {
  usage {
    periodStart periodEnd
    ordersPlaced imagesOrdered imagesDelivered
    imagesCounted imagesAvailable activeOrders ordersAvailable
    quotas { imagesPerOrder imagesPer30Days concurrentOrders }
  }
}`,
    headers: AUTH('KEY_FROM_STEP_3'),
  },
  {
    query: `# 5. See the models and what an order would be, without placing it.
query Quote($input: OrderInput!) {
  models { modelId name classes { birads } }
  quote(input: $input) { size counts { birads count } steps guidance shards }
}`,
    variables: JSON.stringify({ input: { modelId: 'MODEL_ID', size: 400, mix: [{ birads: 3, fraction: 0.4 }, { birads: 4, fraction: 0.3 }, { birads: 5, fraction: 0.3 }] } }, null, 2),
    headers: AUTH('KEY_FROM_STEP_3'),
  },
  {
    query: `# 6. Place the order. Retrying with the same idempotencyKey returns the same order.
mutation PlaceOrder($input: OrderInput!) {
  placeOrder(input: $input, idempotencyKey: "playground-1") { id status counts { birads count } }
}`,
    variables: JSON.stringify({ input: { modelId: 'MODEL_ID', size: 400, mix: [{ birads: 3, fraction: 0.4 }, { birads: 4, fraction: 0.3 }, { birads: 5, fraction: 0.3 }] } }, null, 2),
    headers: AUTH('KEY_FROM_STEP_3'),
  },
  {
    query: `# 7. Follow the order live (WebSocket): a snapshot first, then every event,
# with an estimate of the seconds left once images arrive.
subscription Progress($orderId: ID!) {
  orderProgress(orderId: $orderId) { type status delivered rejected size estimatedSecondsLeft certificateId }
}`,
    variables: JSON.stringify({ orderId: 'ORDER_ID' }, null, 2),
    headers: AUTH('KEY_FROM_STEP_3'),
  },
  {
    query: `# 8. The signed privacy certificate: \`file\` is the exact certificate.json of the cohort's
# archive (save it to verify offline: synthbus verify-certificate certificate.json --images …).
query Certificate($orderId: ID!) {
  order(id: $orderId) {
    status
    certificate { passed reason keyId file }
  }
}`,
    variables: JSON.stringify({ orderId: 'ORDER_ID' }, null, 2),
    headers: AUTH('KEY_FROM_STEP_3'),
  },
  {
    query: `# 9. Get a short-lived download link (GET it with the same Authorization header),
# or run: synthbus pull ORDER_ID --out cohort/
mutation Download($orderId: ID!) {
  createDownloadLink(orderId: $orderId, format: ZIP) { url expiresAt }
}`,
    variables: JSON.stringify({ orderId: 'ORDER_ID' }, null, 2),
    headers: AUTH('KEY_FROM_STEP_3'),
  },
  {
    query: `# 10. For scripts and pipelines: have order changes POSTed to your HTTPS endpoint, signed
# (docs/webhooks.md). Keep the returned secret: it is shown once. Then see each delivery's attempts.
mutation RegisterWebhook {
  registerWebhook(input: { url: "https://hooks.example.org/synthbus", events: [COMPLETED, FAILED] }) {
    webhook { id url events }
    secret
  }
}

query Deliveries($webhookId: ID!) {
  webhookDeliveries(webhookId: $webhookId, first: 10) {
    edges { node { event orderId state attemptCount nextAttemptAt attempts { at statusCode error } } }
  }
}`,
    variables: JSON.stringify({ webhookId: 'WEBHOOK_ID' }, null, 2),
    headers: AUTH('KEY_FROM_STEP_3'),
  },
  {
    query: `# 11. A cohort's images are kept until cohortExpiresAt (the retention after the order ended;
# the dataset card states it). Delete them earlier once you have your copy: the order and its
# certificate stay, and links answer GONE from then on. Deleting twice is harmless.
query Retention($orderId: ID!) {
  order(id: $orderId) { status cohortExpiresAt cohortDeletedAt cohortDeletionReason }
}

mutation DeleteCohort($orderId: ID!) {
  deleteCohort(orderId: $orderId) { id cohortDeletedAt cohortDeletionReason }
}`,
    variables: JSON.stringify({ orderId: 'ORDER_ID' }, null, 2),
    headers: AUTH('KEY_FROM_STEP_3'),
  },
];
