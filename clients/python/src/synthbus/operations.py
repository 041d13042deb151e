"""The GraphQL operations the client sends (the API's schema: src/schema and src/resolvers)."""

ORDER_FIELDS = """
  id status modelId size counts { birads count } seed sampler steps guidance certificateId
  idempotencyKey failureReason createdAt startedAt finishedAt
  cohortExpiresAt cohortDeletedAt cohortDeletionReason
"""

PROGRESS_FIELDS = """
  type orderId status size delivered rejected deliveredByClass { birads count }
  certificateId failureReason index birads nnDistance at
"""

MODELS = """
query Models {
  models {
    modelId name bundleHash fixture height width
    defaultSteps minSteps maxSteps defaultGuidance minGuidance maxGuidance
    classes { birads index trainCount }
  }
}"""

CERTIFICATE_KEYS = "query CertificateKeys { certificateKeys { keyId publicKeyPem createdAt current } }"

QUOTE = """
query Quote($input: OrderInput!) {
  quote(input: $input) {
    modelId size counts { birads count } seed sampler steps guidance shards
    quotas { imagesPerOrder imagesPer30Days concurrentOrders }
    usage { imagesLast30Days activeOrders }
  }
}"""

PLACE_ORDER = f"""
mutation PlaceOrder($input: OrderInput!, $idempotencyKey: String) {{
  placeOrder(input: $input, idempotencyKey: $idempotencyKey) {{ {ORDER_FIELDS} }}
}}"""

ORDER = f"query Order($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"

ORDERS = f"""
query Orders($after: String, $first: Int, $filter: OrderFilterInput) {{
  orders(after: $after, first: $first, filter: $filter) {{
    edges {{ node {{ {ORDER_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""

CANCEL_ORDER = f"mutation CancelOrder($id: ID!) {{ cancelOrder(id: $id) {{ {ORDER_FIELDS} }} }}"

DELETE_COHORT = f"mutation DeleteCohort($orderId: ID!) {{ deleteCohort(orderId: $orderId) {{ {ORDER_FIELDS} }} }}"

ORDER_PROGRESS = f"""
subscription OrderProgress($orderId: ID!) {{
  orderProgress(orderId: $orderId) {{ {PROGRESS_FIELDS} }}
}}"""

CREATE_DOWNLOAD_LINK = """
mutation CreateDownloadLink($orderId: ID!, $format: ArchiveFormat!) {
  createDownloadLink(orderId: $orderId, format: $format) { url expiresAt }
}"""
