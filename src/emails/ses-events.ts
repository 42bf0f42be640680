import { z } from 'zod';
import type { EmailEventType } from '../db/tables/email-events.js';
import { EMAIL_STATUSES, type EmailStatus } from '../db/tables/emails.js';
import type { SuppressionReason } from '../db/tables/suppressions.js';
import type { BusEventType } from '../integrations/bus.js';

/**
 * What one SES event (an event-publishing record from the configuration set, or a
 * classic SES notification) means for Relay: a status to move to, timeline entries per
 * recipient, addresses to suppress and Bus events to emit. Pure: no I/O.
 */

const recipient = z.object({ emailAddress: z.string() }).loose();

const sesEventSchema = z
  .object({
    eventType: z.string().optional(),
    notificationType: z.string().optional(),
    mail: z
      .object({
        messageId: z.string(),
        timestamp: z.string().optional(),
        destination: z.array(z.string()).optional(),
        tags: z.record(z.string(), z.array(z.string())).optional(),
      })
      .loose(),
    bounce: z
      .object({
        bounceType: z.string(),
        bounceSubType: z.string().optional(),
        bouncedRecipients: z.array(recipient.extend({ action: z.string().optional(), status: z.string().optional(), diagnosticCode: z.string().optional() })),
        timestamp: z.string().optional(),
        feedbackId: z.string().optional(),
      })
      .loose()
      .optional(),
    complaint: z
      .object({
        complainedRecipients: z.array(recipient),
        timestamp: z.string().optional(),
        feedbackId: z.string().optional(),
        complaintFeedbackType: z.string().optional(),
      })
      .loose()
      .optional(),
    delivery: z
      .object({ recipients: z.array(z.string()), timestamp: z.string().optional(), smtpResponse: z.string().optional() })
      .loose()
      .optional(),
    open: z.object({ timestamp: z.string().optional(), ipAddress: z.string().optional(), userAgent: z.string().optional() }).loose().optional(),
    click: z
      .object({ timestamp: z.string().optional(), link: z.string().optional(), ipAddress: z.string().optional(), userAgent: z.string().optional() })
      .loose()
      .optional(),
    reject: z.object({ reason: z.string().optional() }).loose().optional(),
    failure: z.object({ errorMessage: z.string().optional(), templateName: z.string().optional() }).loose().optional(),
    deliveryDelay: z
      .object({
        delayType: z.string().optional(),
        timestamp: z.string().optional(),
        expirationTime: z.string().optional(),
        delayedRecipients: z.array(recipient.extend({ status: z.string().optional(), diagnosticCode: z.string().optional() })),
      })
      .loose()
      .optional(),
  })
  .loose();

export type SesEventRecord = z.infer<typeof sesEventSchema>;

export interface TimelineEntry {
  type: EmailEventType;
  recipient: string | null;
  occurredAt: string | undefined;
  detail: Record<string, unknown>;
}

export interface SesEventEffects {
  eventType: string;
  sesMessageId: string;
  /** Relay's own tags on the send (relay_org_id, relay_email_id), when SES echoes them. */
  taggedOrgId: string | undefined;
  taggedEmailId: string | undefined;
  /** The status this event moves the message to, if it ranks above the current one. */
  status: EmailStatus | undefined;
  /** When status is `failed`: why. */
  failureReason: string | undefined;
  timeline: TimelineEntry[];
  suppress: { address: string; reason: SuppressionReason; detail: Record<string, unknown> }[];
  bus: { type: BusEventType; data: Record<string, unknown> }[];
}

/** Status precedence: an event only ever moves a message up this ladder. */
export const STATUS_RANK: Record<EmailStatus, number> = {
  queued: 0,
  sent: 1,
  delivered: 2,
  failed: 3,
  bounced: 3,
  complained: 4,
  suppressed: 5,
};

/** The statuses a message may move to `status` from (never out of `suppressed`). */
export function statusesBelow(status: EmailStatus): EmailStatus[] {
  return EMAIL_STATUSES.filter((candidate) => candidate !== 'suppressed' && STATUS_RANK[candidate] < STATUS_RANK[status]);
}

/** Parses the SNS `Message` of an SES event; undefined when it is not one. */
export function parseSesEvent(message: string): SesEventRecord | undefined {
  try {
    const parsed = sesEventSchema.safeParse(JSON.parse(message));
    return parsed.success && (parsed.data.eventType ?? parsed.data.notificationType) ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const lower = (address: string) => address.trim().toLowerCase();

export function interpretSesEvent(record: SesEventRecord): SesEventEffects {
  const eventType = (record.eventType ?? record.notificationType) as string;
  const effects: SesEventEffects = {
    eventType,
    sesMessageId: record.mail.messageId,
    taggedOrgId: record.mail.tags?.relay_org_id?.[0],
    taggedEmailId: record.mail.tags?.relay_email_id?.[0],
    status: undefined,
    failureReason: undefined,
    timeline: [],
    suppress: [],
    bus: [],
  };

  switch (eventType) {
    case 'Send':
      effects.status = 'sent';
      break;
    case 'Delivery': {
      const delivery = record.delivery;
      effects.status = 'delivered';
      for (const to of delivery?.recipients ?? []) {
        effects.timeline.push({ type: 'delivered', recipient: lower(to), occurredAt: delivery?.timestamp, detail: { smtp_response: delivery?.smtpResponse } });
      }
      break;
    }
    case 'Bounce': {
      const bounce = record.bounce;
      if (!bounce) break;
      const permanent = bounce.bounceType === 'Permanent';
      if (permanent) effects.status = 'bounced';
      const bounced = bounce.bouncedRecipients.map((entry) => lower(entry.emailAddress));
      for (const entry of bounce.bouncedRecipients) {
        const detail = {
          bounce_type: bounce.bounceType,
          bounce_sub_type: bounce.bounceSubType,
          action: entry.action,
          status: entry.status,
          diagnostic_code: entry.diagnosticCode,
        };
        effects.timeline.push({ type: 'bounced', recipient: lower(entry.emailAddress), occurredAt: bounce.timestamp, detail });
        if (permanent) effects.suppress.push({ address: lower(entry.emailAddress), reason: 'hard_bounce', detail });
      }
      effects.bus.push({
        type: 'relay.email.bounced',
        data: { bounce_type: bounce.bounceType, bounce_sub_type: bounce.bounceSubType, recipients: bounced, feedback_id: bounce.feedbackId },
      });
      break;
    }
    case 'Complaint': {
      const complaint = record.complaint;
      if (!complaint) break;
      effects.status = 'complained';
      const complained = complaint.complainedRecipients.map((entry) => lower(entry.emailAddress));
      for (const address of complained) {
        const detail = { feedback_type: complaint.complaintFeedbackType };
        effects.timeline.push({ type: 'complained', recipient: address, occurredAt: complaint.timestamp, detail });
        effects.suppress.push({ address, reason: 'complaint', detail });
      }
      effects.bus.push({
        type: 'relay.email.complained',
        data: { recipients: complained, feedback_type: complaint.complaintFeedbackType, feedback_id: complaint.feedbackId },
      });
      break;
    }
    case 'Open':
      effects.timeline.push({
        type: 'opened',
        recipient: null,
        occurredAt: record.open?.timestamp,
        detail: { ip_address: record.open?.ipAddress, user_agent: record.open?.userAgent },
      });
      break;
    case 'Click':
      effects.timeline.push({
        type: 'clicked',
        recipient: null,
        occurredAt: record.click?.timestamp,
        detail: { url: record.click?.link, ip_address: record.click?.ipAddress, user_agent: record.click?.userAgent },
      });
      break;
    case 'Reject':
      effects.status = 'failed';
      effects.failureReason = `SES rejected the message: ${record.reject?.reason ?? 'no reason given'}`;
      effects.timeline.push({ type: 'rejected', recipient: null, occurredAt: undefined, detail: { reason: record.reject?.reason } });
      break;
    case 'Rendering Failure':
    case 'RenderingFailure':
      effects.status = 'failed';
      effects.failureReason = `SES could not render the message: ${record.failure?.errorMessage ?? 'no reason given'}`;
      effects.timeline.push({ type: 'rendering_failed', recipient: null, occurredAt: undefined, detail: { error: record.failure?.errorMessage } });
      break;
    case 'DeliveryDelay': {
      const delay = record.deliveryDelay;
      for (const entry of delay?.delayedRecipients ?? []) {
        effects.timeline.push({
          type: 'delayed',
          recipient: lower(entry.emailAddress),
          occurredAt: delay?.timestamp,
          detail: { delay_type: delay?.delayType, status: entry.status, diagnostic_code: entry.diagnosticCode, expires_at: delay?.expirationTime },
        });
      }
      break;
    }
  }
  return effects;
}
