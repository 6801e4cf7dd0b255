import type { Prisma } from '../generated/prisma/client.js';
import { atVersion, NEXT_VERSION, refreshSearch, type Tx, type WriteOptions } from './common.js';
import { requireOpenWrite } from './events.js';

// Every write of an organization: the editorial mutations and the corpus loader.

type OrganizationUpdate = Omit<Prisma.OrganizationUncheckedUpdateInput, 'id' | 'version'>;

/** Creates an organization at version 1, with its search vector. */
export async function createOrganization(tx: Tx, data: Prisma.OrganizationUncheckedCreateInput, options: Pick<WriteOptions, 'search'> = {}) {
  requireOpenWrite(tx);
  const row = await tx.organization.create({ data });
  await refreshSearch(tx, 'Organization', row.id, options.search);
  return row;
}

/** Updates an organization, bumps its version and refreshes its search vector. */
export async function updateOrganization(tx: Tx, id: string, data: OrganizationUpdate, options: WriteOptions = {}) {
  requireOpenWrite(tx);
  const row = await tx.organization.update({ where: atVersion(id, options.expectedVersion), data: { ...data, ...NEXT_VERSION } });
  await refreshSearch(tx, 'Organization', id, options.search);
  return row;
}
