/**
 * Who is asking. Every request has exactly one viewer, resolved once in `createContext`.
 * Partner keys and editor tokens (issue #4) extend this; today every caller is anonymous.
 */
export interface Viewer {
  kind: 'anonymous';
  /** Editors see drafts and archived articles; everyone else sees published ones only. */
  canSeeDrafts: boolean;
}

export const ANONYMOUS: Viewer = { kind: 'anonymous', canSeeDrafts: false };

/** The article statuses a viewer may read. */
export function visibleArticleStatuses(viewer: Viewer): ('DRAFT' | 'PUBLISHED' | 'ARCHIVED')[] {
  return viewer.canSeeDrafts ? ['DRAFT', 'PUBLISHED', 'ARCHIVED'] : ['PUBLISHED'];
}
