import { randomUUID } from 'node:crypto';
import type { DbOrTrx } from '../db/database.js';
import type { Organization } from '../db/tables/organizations.js';
import { isUuid } from '../db/uuid.js';

export async function createOrganization(db: DbOrTrx, name: string): Promise<Organization> {
  return db.insertInto('organizations').values({ id: randomUUID(), name }).returningAll().executeTakeFirstOrThrow();
}

export async function findOrganization(db: DbOrTrx, idOrName: string): Promise<Organization | undefined> {
  const byId = isUuid(idOrName);
  return db
    .selectFrom('organizations')
    .selectAll()
    .where(byId ? 'id' : 'name', '=', idOrName)
    .orderBy('created_at')
    .executeTakeFirst();
}

export async function listOrganizations(db: DbOrTrx): Promise<Organization[]> {
  return db.selectFrom('organizations').selectAll().orderBy('created_at').execute();
}
