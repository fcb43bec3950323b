// The email a partner receives for one delivery: recipients, subject, a plain-text body and an
// optional one-row CSV attachment. Pure: builds nodemailer's message options, sends nothing.

import type Mail from 'nodemailer/lib/mailer/index.js';
import type { EmailDelivery } from '../../config/types.ts';
import type { DeliveryJob } from '../types.ts';
import { toCsv } from '../csv.ts';
import { flatten, getPath, renderText, toText } from '../template.ts';
import { templateData } from './template-data.ts';

const DEFAULT_EMAIL_SUBJECT = 'New {{entity}} lead {{leadId}}';
export const DEFAULT_EMAIL_FROM = 'leadroute <leadroute@localhost>';
const TEST_SUBJECT_PREFIX = '[TEST] ';

/**
 * The lead's values as (column, value) pairs: the selected fields in their order (a field that
 * is an object spreads into its dotted sub-fields; an absent one stays, empty), or every field.
 */
function leadColumns(lead: Readonly<Record<string, unknown>>, fields?: readonly string[]): [string, unknown][] {
  if (!fields) return flatten(lead);
  const columns: [string, unknown][] = [];
  for (const path of fields) {
    const value = getPath(lead, path);
    if (value !== null && typeof value === 'object') {
      for (const [sub, leaf] of flatten(value as Record<string, unknown>)) columns.push([`${path}.${sub}`, leaf]);
    } else {
      columns.push([path, value]);
    }
  }
  return columns;
}

/** The default body: one `field: value` line per selected field. */
function defaultEmailBody(columns: readonly [string, unknown][]): string {
  return columns.map(([name, value]) => `${name}: ${toText(value)}\n`).join('');
}

export function buildEmailMessage(job: DeliveryJob, email: EmailDelivery, defaultFrom: string = DEFAULT_EMAIL_FROM): Mail.Options {
  const data = templateData(job);
  const columns = leadColumns(job.lead, email.fields);
  // A subject is one header line: lead values must not start new ones.
  const subject = renderText(email.subject ?? DEFAULT_EMAIL_SUBJECT, data).replace(/[\r\n]+/g, ' ').trim();
  const safeId = job.deliveryId.replace(/[^A-Za-z0-9._-]/g, '_');
  return {
    from: email.from ?? defaultFrom,
    to: [...email.to],
    ...(email.cc && email.cc.length > 0 ? { cc: [...email.cc] } : {}),
    subject: job.test ? TEST_SUBJECT_PREFIX + subject : subject,
    text: email.body !== undefined ? renderText(email.body, data) : defaultEmailBody(columns),
    // Stable across retries, so a partner's mail system can spot a re-sent message.
    messageId: `<${safeId}@leadroute>`,
    headers: job.test ? { 'X-Lead-Test': 'true' } : {},
    attachments: email.attachCsv
      ? [{
          filename: `lead-${job.leadId.replace(/[^A-Za-z0-9._-]/g, '_')}.csv`,
          content: toCsv(columns.map(([name]) => name), [columns.map(([, value]) => value)]),
          contentType: 'text/csv; charset=utf-8',
          contentTransferEncoding: 'base64',
        }]
      : [],
  };
}
