import type { Prisma } from '../generated/prisma/client.js';
import { atVersion, NEXT_VERSION, type Tx, type WriteOptions } from './common.js';
import { requireOpenWrite } from './events.js';

// Every write of a series: the editorial mutations, the importer (a series a page names) and the
// corpus loader. Series are not searched.

type SeriesUpdate = Omit<Prisma.SeriesUncheckedUpdateInput, 'id' | 'version'>;

/** Creates a series at version 1. */
export function createSeries(tx: Tx, data: Prisma.SeriesUncheckedCreateInput) {
  requireOpenWrite(tx);
  return tx.series.create({ data });
}

/** Updates a series and bumps its version. */
export function updateSeries(tx: Tx, id: string, data: SeriesUpdate, options: Pick<WriteOptions, 'expectedVersion'> = {}) {
  requireOpenWrite(tx);
  return tx.series.update({ where: atVersion(id, options.expectedVersion), data: { ...data, ...NEXT_VERSION } });
}
