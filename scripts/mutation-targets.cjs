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
// Snapshot files with tests of their own: every snapshot mutant reaches the hashes, so each file loads only
// the test files that exercise it (the differ's tests reach the snapshot only on the way).
const snapshotTests = {
	'group-record.ts': ['changes-snapshot-group-members', 'changes-snapshot-model', 'changes-snapshot-damage'],
	'group-table.ts': [
		'changes-snapshot',
		'changes-snapshot-group-members',
		'changes-snapshot-model',
		'changes-snapshot-damage',
	],
	'password-watermark.ts': ['changes-snapshot-watermark', 'changes-snapshot-damage'],
	'dn-hash.ts': ['changes-snapshot-dn-hash', 'changes-snapshot'],
	'snapshot.ts': [
		'changes-snapshot',
		'changes-snapshot-model',
		'changes-snapshot-damage',
		'changes-snapshot-watermark',
	],
	'record-codec.ts': ['changes-snapshot*'],
	'hash.ts': ['changes-snapshot*'],
	'change-overlay.ts': ['changes-snapshot', 'changes-snapshot-model'],
	'user-table.ts': [
		'changes-snapshot-user-table',
		'changes-snapshot-builder',
		'changes-snapshot-model',
		'changes-snapshot-damage',
	],
	'user-record.ts': ['changes-snapshot-user-record', 'changes-snapshot-stable-hashes'],
	'user-stream.ts': ['changes-snapshot-user-stream', 'changes-snapshot-patch', 'changes-snapshot-damage'],
	'record-key.ts': ['changes-snapshot-record-key', 'changes-snapshot-stable-hashes'],
};
// Smallest first: a run that is cut short has measured the most files.
const snapshotFiles = readdirSync(join(__dirname, '..', snapshotDir))
	.filter((name) => name.endsWith('.ts'))
	.map((name) => `${snapshotDir}/${name}`)
	.sort((a, b) => statSync(join(__dirname, '..', a)).size - statSync(join(__dirname, '..', b)).size);

/** @type {{ file: string, tests: string[] }[]} */
const targets = [
	{ file: 'core/push/ack-token.ts', tests: ['push-ack-token*', 'push-trigger-request*'] },
	{ file: 'nodes/OpenTextPushTrigger/request.ts', tests: ['push-trigger-request*'] },
	{ file: 'core/ldap/escape.ts', tests: ldapText },
	{ file: 'core/ldap/filter.ts', tests: ldapText },
	{ file: 'core/ldap/dn.ts', tests: ldapText },
	{ file: 'transport/ldap/filter-compiler.ts', tests: ldapText },
	{ file: 'core/changes/differ.ts', tests: changes },
	// OTDS change detection: a snapshot over a DirectoryBackend (its scope, segment, password stamps, members).
	{ file: 'core/changes/directory-snapshot.ts', tests: ['otds-snapshot-changes'] },
	// The snapshot held in the process's memory instead of the stored state (Keep Snapshot In).
	{ file: 'core/changes/held-snapshots.ts', tests: ['held-snapshots'] },
	// The accesslog taking a lost snapshot's entries back to the stored position (Keep Snapshot In: Process Memory).
	{ file: 'core/changes/ldap/accesslog-recovery.ts', tests: ['accesslog-recovery'] },
	// AD: a password set told from pwdLastSet = -1, and a poll's user.passwordChanged events checked with it.
	{ file: 'core/ldap/flavours/ad-password-set.ts', tests: ['ad-password-set'] },
	{ file: 'core/changes/ldap/password-confirmation.ts', tests: ['ad-password-set'] },
	...snapshotFiles.map((file) => ({ file, tests: snapshotTests[file.slice(snapshotDir.length + 1)] ?? changes })),
	{ file: 'core/push/retry.ts', tests: ['push-retry', 'http-retry-policy'] },
	{ file: 'transport/http/retry.ts', tests: ['push-retry', 'http-retry-policy'] },
	{ file: 'core/push/dispatcher.ts', tests: ['push-dispatcher*', 'push-retry'] },
];

/** The score every listed file must reach, in percent. */
const floor = 85;

module.exports = { targets, floor };
