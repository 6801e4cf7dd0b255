/** Who a caller is: nobody in particular, a partner site (API key), or staff (token). */
export type ViewerKind = 'anonymous' | 'partner' | 'editor' | 'admin';

/**
 * Who is asking. Every request has exactly one viewer, resolved once in `createContext` from the
 * credential it presents (src/resolvers/credentials.ts); a request without one is anonymous.
 */
export interface Viewer {
  kind: ViewerKind;
  /** The credential's row id; null for anonymous callers. */
  credentialId: string | null;
  /** The credential's name (who holds it); null for anonymous callers. */
  name: string | null;
  /** Editors and admins see drafts and archived articles; everyone else sees published ones only. */
  canSeeDrafts: boolean;
  /**
   * May read the schema through `__schema`/`__type` where introspection is restricted
   * (production): editors and admins. Absent means no.
   */
  canIntrospect?: boolean;
  /**
   * Partner keys limited to an organization subtree: the id of its root organization; null means
   * unrestricted. Stored and resolved, but not yet enforced (issue #4, "Partner scopes": the
   * scope-auth rules and query filters that hide content outside the subtree read this).
   */
  organizationScopeId: string | null;
  /**
   * Partner keys: the browser origins the key may be used from (CORS). A request with an
   * `Origin` header not on the list is refused with 403 `FORBIDDEN_ORIGIN`; one without an
   * `Origin` (server to server) is not. Empty for everyone else.
   */
  allowedOrigins: readonly string[];
  /** Partner keys that may only run trusted documents (persisted operations by hash). */
  trustedDocumentsOnly: boolean;
}

export const ANONYMOUS: Viewer = {
  kind: 'anonymous',
  credentialId: null,
  name: null,
  canSeeDrafts: false,
  canIntrospect: false,
  organizationScopeId: null,
  allowedOrigins: [],
  trustedDocumentsOnly: false,
};

/** The viewer a verified, current credential stands for. */
export function credentialViewer(credential: {
  id: string;
  kind: 'PARTNER' | 'EDITOR' | 'ADMIN';
  name: string;
  organizationId: string | null;
  allowedOrigins: string[];
  trustedDocumentsOnly: boolean;
}): Viewer {
  const staff = credential.kind !== 'PARTNER';
  return {
    kind: credential.kind === 'PARTNER' ? 'partner' : credential.kind === 'EDITOR' ? 'editor' : 'admin',
    credentialId: credential.id,
    name: credential.name,
    canSeeDrafts: staff,
    canIntrospect: staff,
    organizationScopeId: credential.kind === 'PARTNER' ? credential.organizationId : null,
    allowedOrigins: credential.kind === 'PARTNER' ? credential.allowedOrigins : [],
    trustedDocumentsOnly: credential.kind === 'PARTNER' && credential.trustedDocumentsOnly,
  };
}

/** The article statuses a viewer may read. */
export function visibleArticleStatuses(viewer: Viewer): ('DRAFT' | 'PUBLISHED' | 'ARCHIVED')[] {
  return viewer.canSeeDrafts ? ['DRAFT', 'PUBLISHED', 'ARCHIVED'] : ['PUBLISHED'];
}
