/**
 * Stands in for safer-buffer in the ldapts bundle (see gulpfile.js): asn1 takes Buffer from it, a polyfill for
 * Node versions before 5.10 that re-exports Node's buffer module; Buffer is a global in every Node n8n runs on.
 */
const SaferBuffer = Buffer;

export { SaferBuffer as Buffer };
