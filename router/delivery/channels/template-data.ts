// What `{{...}}` placeholders of a delivery can name: the lead's fields, plus the delivery's
// facts (leadId, entity, profile, partner, price, receivedAt, test; pingId, bidId for ping-post), which win over lead fields
// of the same name; `{{lead.x}}` always names the lead field `x`.

import type { DeliveryJob } from '../types.ts';
import { bidIdOf } from '../../delivery-job.ts';

export function templateData(job: DeliveryJob): Record<string, unknown> {
  return {
    ...job.lead,
    lead: job.lead,
    leadId: job.leadId,
    entity: job.entity,
    profile: job.profile,
    partner: job.partner,
    price: job.price,
    receivedAt: job.receivedAt,
    test: job.test,
    pingId: job.pingId,
    bidId: bidIdOf(job),
  };
}
