import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { PAGE_ARGS } from '../schema/common';
import { RegisterWebhookInput, Webhook, WebhookDelivery, WebhookDeliveryConnection, WebhookWithSecret } from '../schema/webhook';
import type { Grant, PartnerPrincipal } from '../services/principal';
import { WebhookDelivery as StoredDelivery, deleteWebhook, listWebhooks, registerWebhook, rotateWebhookSecret, webhookDeliveries } from '../services/webhooks';
import { CallingPartner } from './authorization';
import { connectionOf } from './connection';
import type { GraphQLContext } from './context';

/** Managing webhooks is account administration: the ACCOUNT scope on an approved account. */
const WEBHOOK_MANAGERS: readonly Grant[] = ['account'];

function deliveryNode(d: StoredDelivery): WebhookDelivery {
  return { ...d, attempts: d.attempts.map((a) => ({ at: new Date(a.at), statusCode: a.status, error: a.error, durationMs: a.durationMs })) };
}

@Resolver()
export class WebhookResolver {
  @Authorized<Grant>(...WEBHOOK_MANAGERS)
  @Query(() => [Webhook], { description: "The caller's webhooks, oldest first. Needs the ACCOUNT scope." })
  webhooks(@CallingPartner() who: PartnerPrincipal, @Ctx() ctx: GraphQLContext): Promise<Webhook[]> {
    return listWebhooks(ctx.ds, who.partnerId);
  }

  @Authorized<Grant>(...WEBHOOK_MANAGERS)
  @Query(() => WebhookDeliveryConnection, { description: "One of the caller's webhooks' deliveries, newest first, each with its attempts and their status codes. Needs the ACCOUNT scope." })
  async webhookDeliveries(
    @Arg('webhookId', () => ID, { description: 'The webhook (Webhook.id): one of your own.' }) webhookId: string,
    @Arg('first', () => Int, { nullable: true, description: PAGE_ARGS.first }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: PAGE_ARGS.after }) after: string | null,
    @CallingPartner() who: PartnerPrincipal,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WebhookDeliveryConnection> {
    const { page, count } = await webhookDeliveries(ctx.ds, who.partnerId, webhookId, first, after);
    return connectionOf(page, after, deliveryNode, count);
  }

  @Authorized<Grant>(...WEBHOOK_MANAGERS)
  @Mutation(() => WebhookWithSecret, { description: 'Register an endpoint for order events (docs/webhooks.md). The signing secret is returned this once. At most 10 per partner. Needs the ACCOUNT scope.' })
  registerWebhook(
    @Arg('input', () => RegisterWebhookInput, { description: 'The endpoint URL and the events to send it.' }) input: RegisterWebhookInput,
    @CallingPartner() who: PartnerPrincipal,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WebhookWithSecret> {
    return registerWebhook({ ds: ctx.ds, ...ctx.webhooks }, who.partnerId, input);
  }

  @Authorized<Grant>(...WEBHOOK_MANAGERS)
  @Mutation(() => WebhookWithSecret, { description: 'Replace the signing secret at once; the new one is returned this once. Deliveries your receiver refuses meanwhile are retried. Needs the ACCOUNT scope.' })
  rotateWebhookSecret(
    @Arg('id', () => ID, { description: 'The webhook (Webhook.id): one of your own.' }) id: string,
    @CallingPartner() who: PartnerPrincipal,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WebhookWithSecret> {
    return rotateWebhookSecret({ ds: ctx.ds, ...ctx.webhooks }, who.partnerId, id);
  }

  @Authorized<Grant>(...WEBHOOK_MANAGERS)
  @Mutation(() => Webhook, { description: 'Delete a webhook with its delivery history; pending deliveries are not sent. Returns it as it was. Needs the ACCOUNT scope.' })
  deleteWebhook(@Arg('id', () => ID, { description: 'The webhook (Webhook.id): one of your own.' }) id: string, @CallingPartner() who: PartnerPrincipal, @Ctx() ctx: GraphQLContext): Promise<Webhook> {
    return deleteWebhook(ctx.ds, who.partnerId, id);
  }
}
