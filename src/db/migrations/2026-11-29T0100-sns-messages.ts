import { sql, type Kysely } from 'kysely';

// The table keeps every verified SNS message: SES events, but also subscription
// confirmations of the SES receiving and Amazon Seller Central topics. Named for that.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table ses_notifications rename to sns_messages`.execute(db);
  await sql`alter index ses_notifications_unmatched_idx rename to sns_messages_unmatched_idx`.execute(db);
  await sql`alter table sns_messages rename constraint ses_notifications_pkey to sns_messages_pkey`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table sns_messages rename constraint sns_messages_pkey to ses_notifications_pkey`.execute(db);
  await sql`alter index sns_messages_unmatched_idx rename to ses_notifications_unmatched_idx`.execute(db);
  await sql`alter table sns_messages rename to ses_notifications`.execute(db);
}
