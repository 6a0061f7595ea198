/**
 * The files under mutation testing and, for each, the unit tests written for it (names in test/unit/, without
 * `.test.ts`; `*` as in a file glob). `npm run mutation` (scripts/mutation.mjs) runs Stryker once per file with
 * only that file's tests, so a mutant loads a few test files instead of every one that imports the file on the
 * way; stryker.config.mjs and stryker.jest.config.js read this list too.
 */
const { readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const ldapText = ['escape', 'dn-and-filters', 'ldap-dn-filter-edges'];
const changes = [
	'changes-snapshot*',
	'changes-differ*',
	'changes-collisions',
	'deleted-group-event',
	'otds-snapshot-changes',
];
const snapshotDir = 'core/changes/snapshot';
// Smallest first: a run that is cut short has measured the most files.
const snapshotFiles = readdirSync(join(__dirname, '..', snapshotDir))
	.filter((name) => name.endsWith('.ts'))
	.map((name) => `${snapshotDir}/${name}`)
	.sort((a, b) => statSync(join(__dirname, '..', a)).size - statSync(join(__dirname, '..', b)).size);
/**
 * Snapshot files whose own tests are fewer than every `changes` test: each of their mutants reaches the hashes,
 * so every test file left out saves a load per mutant.
 */
const snapshotTests = {
	'core/changes/snapshot/user-table.ts': [
		'changes-snapshot-user-table',
		'changes-snapshot-model',
		'changes-snapshot-damage',
	],
	'core/changes/snapshot/user-record.ts': ['changes-snapshot-user-record', 'changes-snapshot-stable-hashes'],
	'core/changes/snapshot/user-stream.ts': ['changes-snapshot-user-stream', 'changes-snapshot-damage'],
	'core/changes/snapshot/record-key.ts': ['changes-snapshot-record-key', 'changes-snapshot-stable-hashes'],
};

/** @type {{ file: string, tests: string[] }[]} */
const targets = [
	{ file: 'core/push/ack-token.ts', tests: ['push-ack-token*', 'push-trigger-request*'] },
	{ file: 'nodes/OpenTextPushTrigger/request.ts', tests: ['push-trigger-request*'] },
	{ file: 'core/ldap/escape.ts', tests: ldapText },
	{ file: 'core/ldap/filter.ts', tests: ldapText },
	{ file: 'core/ldap/dn.ts', tests: ldapText },
	{ file: 'transport/ldap/filter-compiler.ts', tests: ldapText },
	{ file: 'core/changes/differ.ts', tests: changes },
	...snapshotFiles.map((file) => ({ file, tests: snapshotTests[file] ?? changes })),
	{ file: 'core/push/retry.ts', tests: ['push-retry', 'http-retry-policy'] },
	{ file: 'transport/http/retry.ts', tests: ['push-retry', 'http-retry-policy'] },
	{ file: 'core/push/dispatcher.ts', tests: ['push-dispatcher*', 'push-retry'] },
];

/** The score every listed file must reach, in percent. */
const floor = 85;

module.exports = { targets, floor };
