// Writes subgraph.graphql: the SDL this service hands a federation gateway at `{ _service { sdl } }`
// (Federation v2: @link, @key, @shareable). Run by `npm run codegen`, after schema.graphql; CI fails
// when the committed file differs. docs/federation.md explains what is in it.
import { writeFile } from 'node:fs/promises';
import { printSubgraphSchema } from '@apollo/subgraph';
import { schema } from '../src/schema/index.js';

const target = new URL('../subgraph.graphql', import.meta.url);
await writeFile(target, `${printSubgraphSchema(schema).trimEnd()}\n`);
