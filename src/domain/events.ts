// What a committed write tells subscribers (docs/live.md). An event names the entity by id and says
// which version the write committed and when; each subscriber loads what it selected under its own
// visibility. Events carry no content, so a message on the bus (Redis) reveals nothing a subscriber
// could not read anyway.

/** Who wrote: an editor or admin through a mutation, an import run, or the corpus loader. */
export type WriteOrigin = 'EDITORIAL' | 'IMPORT' | 'CORPUS';

interface EventBase {
  /** The entity's database id. */
  id: string;
  /** When the write committed, ISO 8601 (UTC). */
  at: string;
  origin: WriteOrigin;
}

/**
 * An article became PUBLISHED (created as such by an import, or moved there by publishArticle), or
 * a PUBLISHED article got a new title or text (republished: a re-import of a changed page, an edit).
 */
export interface ArticlePublished extends EventBase {
  type: 'articlePublished';
  /** The article's version as the write committed it. */
  version: number;
  /** Its series at the time, so that subscribers to another series skip it without a lookup. */
  seriesId: string | null;
  /** It was PUBLISHED already and the write gave it a new title or text (a new revision). */
  republished: boolean;
}

/** An achievement was created or changed. */
export interface AchievementRecorded extends EventBase {
  type: 'achievementRecorded';
  version: number;
  created: boolean;
  /** Its organization at the time. */
  organizationId: string;
}

/** An import run ended: SUCCEEDED, PARTIAL or FAILED. */
export interface ImportRunFinished extends EventBase {
  type: 'importRunFinished';
  status: 'SUCCEEDED' | 'PARTIAL' | 'FAILED';
}

export type ContentEvent = ArticlePublished | AchievementRecorded | ImportRunFinished;
export type ContentEventType = ContentEvent['type'];
export type EventOf<T extends ContentEventType> = Extract<ContentEvent, { type: T }>;

/** Every event type, e.g. for subscribing to all of them. */
export const CONTENT_EVENT_TYPES: readonly ContentEventType[] = ['articlePublished', 'achievementRecorded', 'importRunFinished'];
