/**
 * Who is asking. Every request has exactly one viewer, resolved once in `createContext`.
 * Partner keys and editor tokens (issue #4) extend this; today every caller is anonymous.
 */
export interface Viewer {
  kind: 'anonymous';
  /** Editors see drafts and archived articles; everyone else sees published ones only. */
  canSeeDrafts: boolean;
  /**
   * May read the schema through `__schema`/`__type` where introspection is restricted (production).
   * Issue #4's editor and admin tokens set it; anonymous callers and partner keys never have it,
   * and absent means no.
   */
  canIntrospect?: boolean;
}

export const ANONYMOUS: Viewer = { kind: 'anonymous', canSeeDrafts: false, canIntrospect: false };

/** The article statuses a viewer may read. */
export function visibleArticleStatuses(viewer: Viewer): ('DRAFT' | 'PUBLISHED' | 'ARCHIVED')[] {
  return viewer.canSeeDrafts ? ['DRAFT', 'PUBLISHED', 'ARCHIVED'] : ['PUBLISHED'];
}
