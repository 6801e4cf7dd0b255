// Writes trusted-documents.json (the persisted-operation manifest) from the documents listed in
// src/http/trusted-documents.ts. Run by `postinstall`; CI fails when the committed file differs.
import { writeFileSync } from 'node:fs';
import { schema } from '../src/schema/index.js';
import { buildTrustedDocuments, serializeTrustedDocuments, TRUSTED_DOCUMENTS_FILE } from '../src/http/trusted-documents.js';

const manifest = buildTrustedDocuments(schema);
writeFileSync(new URL(`../${TRUSTED_DOCUMENTS_FILE}`, import.meta.url), serializeTrustedDocuments(manifest));
console.log(`Wrote ${TRUSTED_DOCUMENTS_FILE}: ${manifest.operations.length} operations.`);
