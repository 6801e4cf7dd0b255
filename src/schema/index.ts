import { builder } from './builder.js';
import './enums.js';
import './organization.js';
import './series.js';
import './article.js';
import './achievement.js';
import './source.js';
import './search.js';
import './viewer.js';
import './audit.js';
import './import.js';
import './provenance.js';
import './live.js';
import { describeFederationFields } from './federation.js';

// One schema, served directly and to a federation gateway alike: the subgraph schema adds
// `_service` and `_entities` to Query, and `@link`/`@key`/`@shareable` to the SDL (docs/federation.md).
export const schema = describeFederationFields(
  builder.toSubGraphSchema({ sortSchema: true, linkUrl: 'https://specs.apollo.dev/federation/v2.6' }),
);
