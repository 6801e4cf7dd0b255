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

export const schema = builder.toSchema({ sortSchema: true });
