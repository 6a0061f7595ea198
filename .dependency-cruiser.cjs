/**
 * The layering of ARCHITECTURE.md, checked by `npm run lint`:
 * adapters (nodes/, credentials/) → core/ → transport/, arrows only pointing down, no cycles,
 * and nothing that ships reaching into the development kit or the tests.
 */
const shipped = '^(nodes|credentials|core|transport)/';
const development = '^(test|devkit|emulators|scripts|bench|tools)/';

module.exports = {
	forbidden: [
		{
			name: 'no-cycles',
			comment: 'An import cycle makes a module impossible to understand (or test) on its own.',
			severity: 'error',
			from: {},
			to: { circular: true },
		},
		{
			name: 'core-is-n8n-free',
			comment: 'core/ is the n8n-free domain: no n8n packages, no adapters.',
			severity: 'error',
			from: { path: '^core/' },
			to: { path: ['^(nodes|credentials)/', '(^|/)node_modules/(n8n-workflow|n8n-core)/'] },
		},
		{
			name: 'transport-knows-nothing-above',
			comment: 'A transport knows nothing above it; the error vocabulary (core/errors.ts) is the one exception.',
			severity: 'error',
			from: { path: '^transport/' },
			to: { path: '^(core|nodes|credentials)/', pathNot: '^core/errors\\.ts$' },
		},
		{
			name: 'credentials-are-fields',
			comment: 'Credentials may use the shared helpers of the adapters (nodes/shared/), never a node.',
			severity: 'error',
			from: { path: '^credentials/' },
			to: { path: '^nodes/', pathNot: '^nodes/shared/' },
		},
		{
			name: 'shipped-code-stays-shipped',
			comment: 'What ships in dist/ never imports development code (emulators, scripts, the dev kit, tests).',
			severity: 'error',
			from: { path: shipped },
			to: { path: development },
		},
		{
			name: 'tests-stay-in-test',
			comment: 'Only tests import tests; shared helpers for emulators, demo and benchmarks live in devkit/.',
			severity: 'error',
			from: { pathNot: '^test/' },
			to: { path: '^test/' },
		},
	],
	options: {
		doNotFollow: { path: 'node_modules' },
		exclude: { path: '^(dist|node_modules|coverage|artifacts)/' },
		tsPreCompilationDeps: true,
		tsConfig: { fileName: 'tsconfig.json' },
		moduleSystems: ['cjs', 'es6'],
	},
};
