import type { Prisma } from '../generated/prisma/client.js';
import { atVersion, NEXT_VERSION, refreshSearch, type Tx, type WriteOptions } from './common.js';
import { recordEvent, requireOpenWrite } from './events.js';

// Every write of an achievement: the editorial mutations and the corpus loader. (Citations are
// their own rows: adding or removing one does not change the achievement's version.) Each records
// an `achievementRecorded` event, published after the write commits (src/store/events.ts).

type AchievementUpdate = Omit<Prisma.AchievementUncheckedUpdateInput, 'id' | 'version'>;

/** Creates an achievement at version 1, with its search vector. */
export async function createAchievement(tx: Tx, data: Prisma.AchievementUncheckedCreateInput, options: Pick<WriteOptions, 'search'> = {}) {
  requireOpenWrite(tx);
  const row = await tx.achievement.create({ data });
  await refreshSearch(tx, 'Achievement', row.id, options.search);
  recordEvent(tx, { type: 'achievementRecorded', id: row.id, version: row.version, created: true, organizationId: row.organizationId });
  return row;
}

/** Updates an achievement, bumps its version and refreshes its search vector. */
export async function updateAchievement(tx: Tx, id: string, data: AchievementUpdate, options: WriteOptions = {}) {
  requireOpenWrite(tx);
  const row = await tx.achievement.update({ where: atVersion(id, options.expectedVersion), data: { ...data, ...NEXT_VERSION } });
  await refreshSearch(tx, 'Achievement', id, options.search);
  recordEvent(tx, { type: 'achievementRecorded', id: row.id, version: row.version, created: false, organizationId: row.organizationId });
  return row;
}
