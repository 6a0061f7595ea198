/**
 * The n8n releases (and the Node.js each runs on) that the compatibility smoke test
 * (test/n8n/compat.test.ts) loads the package into and runs a template on. The README names them.
 *
 * Picked from the registry's n8n versions on 2026-11-27:
 * - 1.123.x is the last 1.x line. From 1.123.66 on (newest: 1.123.81) it cannot be installed on Node 20
 *   although its engines allow it: `@n8n/expression-runtime` needs `isolated-vm@^6.2.0`, which ships no
 *   Node 20 binary and whose native build needs Node 22+ (V8's `SourceLocation`). 1.123.50 is the newest
 *   1.123.x that installs and runs on Node 20.
 * - 2.8.4 is the newest n8n whose engines allow Node 20, and the harness's default (DEFAULT_N8N_VERSION).
 * - 2.36 and later need Node 24. The newest, 2.41.3, cannot be installed from the registry this project
 *   reaches: it depends on `@n8n/agents@0.26.2`, which the registry does not have (`npm error notarget
 *   No matching version found for @n8n/agents@0.26.2`). 2.41.1 (with `@n8n/agents@0.26.1`) is the
 *   newest 2.x whose whole dependency tree installs.
 * - Node 24.21.0 is the newest `node@24` in the registry.
 */
import { DEFAULT_N8N_VERSION } from './install';

export interface CompatibilityTarget {
	/** n8n release. */
	n8n: string;
	/** Node.js it runs on: undefined = the Node running the tests (20 on this machine). */
	nodeVersion?: string;
	/** Why this release is in the matrix. */
	why: string;
}

/** Newest Node 24 in the registry (the `node` package); n8n 2.36+ needs Node 24. */
export const NODE_24_VERSION = '24.21.0';

export const COMPATIBILITY_MATRIX: readonly CompatibilityTarget[] = [
	{ n8n: '1.123.50', why: 'newest 1.123.x (the last 1.x line) that installs on Node 20' },
	{ n8n: DEFAULT_N8N_VERSION, why: 'newest n8n that runs on Node 20' },
	{ n8n: '2.41.1', nodeVersion: NODE_24_VERSION, why: 'newest 2.x whose dependencies all install from the registry' },
];

/** "n8n 2.41.1 on Node.js 24.21.0" / "n8n 2.8.4 on Node.js 20.20.2 (the test runner's)". */
export function describeTarget(target: CompatibilityTarget): string {
	return `n8n ${target.n8n} on Node.js ${target.nodeVersion ?? `${process.versions.node} (the test runner's)`}`;
}
