// The body a webhook sends: the default envelope, a field selection, or a template; then
// encoded as JSON or as an HTML form (application/x-www-form-urlencoded, nested keys dotted).

import type { WebhookDelivery } from '../../config/types.ts';
import type { DeliveryJob } from '../types.ts';
import { flatten, pickFields, renderTemplate, toText } from '../template.ts';
import { templateData } from './template-data.ts';
import { bidIdOf } from '../../delivery-job.ts';

/** The body as data, before encoding. */
export function webhookPayload(job: DeliveryJob, webhook: WebhookDelivery): Record<string, unknown> {
  if (webhook.template) {
    const rendered = renderTemplate(webhook.template, templateData(job)) as Record<string, unknown>;
    // A test lead is always marked, unless the template places `test` itself.
    return job.test && !Object.hasOwn(rendered, 'test') ? { ...rendered, test: true } : rendered;
  }
  return {
    leadId: job.leadId,
    entity: job.entity,
    profile: job.profile,
    partner: job.partner,
    ...(job.price !== undefined ? { price: job.price } : {}),
    // ping-post: the ping and the bid this post honours.
    ...(job.pingId !== undefined ? { pingId: job.pingId } : {}),
    ...(job.bids ? withBidId(job) : {}),
    receivedAt: job.receivedAt,
    ...(job.test ? { test: true } : {}),
    lead: webhook.fields ? pickFields(job.lead, webhook.fields) : job.lead,
  };
}

function withBidId(job: DeliveryJob): { bidId?: string } {
  const bidId = bidIdOf(job);
  return bidId === undefined ? {} : { bidId };
}

export interface EncodedBody {
  contentType: string;
  body: string;
}

/** JSON, or a form whose keys are the dotted paths of the payload's leaves (`lead.address.city`). */
export function encodeWebhookBody(payload: Record<string, unknown>, format: 'json' | 'form' = 'json'): EncodedBody {
  if (format === 'form') {
    const form = new URLSearchParams();
    for (const [key, value] of flatten(payload)) form.append(key, toText(value));
    return { contentType: 'application/x-www-form-urlencoded', body: form.toString() };
  }
  return { contentType: 'application/json', body: JSON.stringify(payload) };
}
