import type { Viewer as ViewerShape } from '../auth/viewer.js';
import { builder } from './builder.js';

const ViewerKindEnum = builder.enumType('ViewerKind', {
  description: 'What kind of caller a request comes from.',
  values: {
    ANONYMOUS: { description: 'No credential: published content only.' },
    PARTNER: { description: 'A partner site’s API key.' },
    EMBED: { description: 'A partner page’s publishable embed key: runs only the embed cards’ trusted documents.' },
    EDITOR: { description: 'An editor’s token: also drafts and archived articles.' },
    ADMIN: { description: 'An administrator’s token: everything an editor may, and more.' },
  } as const,
});

const Viewer = builder.objectRef<ViewerShape>('Viewer').implement({
  description: 'The caller of this request, as its credential identifies it.',
  fields: (t) => ({
    kind: t.field({
      type: ViewerKindEnum,
      description: 'Anonymous, partner, embed, editor or admin.',
      resolve: (viewer) => (viewer.kind.toUpperCase() as 'ANONYMOUS' | 'PARTNER' | 'EMBED' | 'EDITOR' | 'ADMIN'),
    }),
    name: t.string({
      nullable: true,
      description: 'The name the credential was created with; null for anonymous callers.',
      resolve: (viewer) => viewer.name,
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: Viewer,
    description: 'Who the API takes the caller to be: a quick check that a key or token works.',
    resolve: (_root, _args, ctx) => ctx.viewer,
  }),
);
