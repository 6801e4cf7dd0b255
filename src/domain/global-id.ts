import { BadUserInputError } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TYPENAME = /^[A-Z][A-Za-z]*$/;

/** Global IDs are base64url(`Typename:uuid`), opaque to clients. */
export function encodeGlobalId(typename: string, id: string | number | bigint): string {
  return Buffer.from(`${typename}:${id}`, 'utf8').toString('base64url');
}

/** Decodes a global ID, rejecting anything that is not one of ours before it reaches SQL. */
export function decodeGlobalId(globalId: string): { typename: string; id: string } {
  const decoded = /^[A-Za-z0-9_-]+={0,2}$/.test(globalId)
    ? Buffer.from(globalId, 'base64url').toString('utf8')
    : '';
  const sep = decoded.indexOf(':');
  const typename = decoded.slice(0, sep);
  const id = decoded.slice(sep + 1);
  if (sep < 1 || !TYPENAME.test(typename) || !UUID.test(id)) {
    throw new BadUserInputError(`"${globalId.slice(0, 80)}" is not a valid ID`);
  }
  return { typename, id };
}
