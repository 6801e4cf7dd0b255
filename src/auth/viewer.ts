/**
 * Who a caller is: nobody in particular, a partner site (API key), a partner's page (publishable
 * embed key), or staff (token).
 */
export type ViewerKind = 'anonymous' | 'partner' | 'embed' | 'editor' | 'admin';

/**
 * Who is asking. Every request has exactly one viewer, resolved once in `createContext` from the
 * credential it presents (src/auth/credentials.ts); a request without one is anonymous.
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
   * Partner and embed keys limited to an organization subtree: the id of its root organization; null means
   * unrestricted. See `organizationScope` for the subtree itself.
   */
  organizationScopeId: string | null;
  /**
   * The subtree a scoped partner key may read, resolved once per request when the credential is
   * (src/auth/credentials.ts); null for everyone else. Content outside it is treated as if it
   * did not exist (the rules are in src/auth/scope.ts).
   */
  organizationScope: OrganizationScope | null;
  /**
   * Partner and embed keys: the browser origins the key may be used from (CORS). A request with
   * an `Origin` header not on the list is refused with 403 `FORBIDDEN_ORIGIN`; one without an
   * `Origin` (server to server) is not. For embed keys they are also the only pages that may
   * frame the cards (CSP `frame-ancestors`, src/http/embed/). Empty for everyone else.
   */
  allowedOrigins: readonly string[];
  /**
   * Partner keys that may only run trusted documents (persisted operations by hash); always true
   * for embed keys, which may run only the cards' documents (src/http/partner-access.ts).
   */
  trustedDocumentsOnly: boolean;
}

export const ANONYMOUS: Viewer = {
  kind: 'anonymous',
  credentialId: null,
  name: null,
  canSeeDrafts: false,
  canIntrospect: false,
  organizationScopeId: null,
  organizationScope: null,
  allowedOrigins: [],
  trustedDocumentsOnly: false,
};

/**
 * The organizations a scoped partner key may read: its root organization and every organization
 * below it, as ids. Held as data, so that Prisma `where` fragments can be built synchronously.
 */
export interface OrganizationScope {
  rootId: string;
  /** The root and all its descendants. */
  organizationIds: readonly string[];
  /** The same ids, for membership tests. */
  organizationIdSet: ReadonlySet<string>;
}

/**
 * The viewer a verified, current credential stands for. A scoped partner key's subtree is not
 * known yet (`organizationScope` is null): the caller looks it up and sets it.
 */
export function credentialViewer(credential: {
  id: string;
  kind: 'PARTNER' | 'EMBED' | 'EDITOR' | 'ADMIN';
  name: string;
  organizationId: string | null;
  allowedOrigins: string[];
  trustedDocumentsOnly: boolean;
}): Viewer {
  const staff = credential.kind === 'EDITOR' || credential.kind === 'ADMIN';
  const embed = credential.kind === 'EMBED';
  return {
    kind: staff ? (credential.kind === 'EDITOR' ? 'editor' : 'admin') : embed ? 'embed' : 'partner',
    credentialId: credential.id,
    name: credential.name,
    canSeeDrafts: staff,
    canIntrospect: staff,
    organizationScopeId: staff ? null : credential.organizationId,
    organizationScope: null,
    allowedOrigins: staff ? [] : credential.allowedOrigins,
    // A publishable key is public: whatever the row says, it runs trusted documents only.
    trustedDocumentsOnly: embed || (credential.kind === 'PARTNER' && credential.trustedDocumentsOnly),
  };
}

/** The article statuses a viewer may read. */
export function visibleArticleStatuses(viewer: Viewer): ('DRAFT' | 'PUBLISHED' | 'ARCHIVED')[] {
  return viewer.canSeeDrafts ? ['DRAFT', 'PUBLISHED', 'ARCHIVED'] : ['PUBLISHED'];
}
