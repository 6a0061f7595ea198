/**
 * Reading results out of n8n run data: the `data` of a public-API execution (`includeData=true`) and
 * the run the CLI prints (`n8n execute --rawOutput`) share the shape `{ data: { resultData: … } }`.
 */

export interface NodeRunData {
	startTime?: number;
	executionStatus?: string;
	error?: { message?: string; description?: string };
	data?: { main?: Array<Array<{ json: Record<string, unknown>; pairedItem?: unknown }> | null> };
}

export interface RunLike {
	status?: string;
	finished?: boolean;
	data?: {
		resultData?: {
			runData?: Record<string, NodeRunData[]>;
			lastNodeExecuted?: string;
			error?: { message?: string; description?: string; node?: { name?: string } };
		};
	};
}

export interface CliRun {
	/** The run as the CLI printed it (`{data, mode, status, finished, …}`). */
	run: RunLike;
	/** JSON of the items the last executed node returned (first output). */
	items: Array<Record<string, unknown>>;
	stdout: string;
}

/**
 * The JSON of the items a node returned in its last run (`outputIndex` 0 by default). `nodeName`
 * defaults to the last node executed. [] when the node did not run or returned nothing.
 */
export function nodeItems(run: RunLike, nodeName?: string, outputIndex = 0): Array<Record<string, unknown>> {
	const result = run.data?.resultData;
	const name = nodeName ?? result?.lastNodeExecuted;
	if (!name) return [];
	const runs = result?.runData?.[name];
	const last = runs?.[runs.length - 1];
	return (last?.data?.main?.[outputIndex] ?? []).map((item) => item.json);
}

/** Names of the nodes that ran, in run order. */
export function nodesRun(run: RunLike): string[] {
	const runData = run.data?.resultData?.runData ?? {};
	return Object.entries(runData)
		.sort(([, a], [, b]) => (a[0]?.startTime ?? 0) - (b[0]?.startTime ?? 0))
		.map(([name]) => name);
}

/** The run's error as one line ("<node>: message — description"), or undefined when it succeeded. */
export function executionError(run: RunLike): string | undefined {
	const error = run.data?.resultData?.error;
	if (!error) {
		if (run.status && ['error', 'crashed', 'canceled'].includes(run.status)) return `execution ${run.status}`;
		return undefined;
	}
	const where = error.node?.name ? `${error.node.name}: ` : '';
	return `${where}${error.message ?? 'unknown error'}${error.description ? ` — ${error.description}` : ''}`;
}

/**
 * Finds the run JSON in `n8n execute --rawOutput` output: log lines come first, then the
 * pretty-printed object starting with a line `{` and ending with a line `}`.
 */
export function parseCliRunOutput(stdout: string): RunLike | undefined {
	const lines = stdout.split(/\r?\n/);
	for (let start = 0; start < lines.length; start++) {
		if (lines[start] !== '{') continue;
		for (let end = start + 1; end < lines.length; end++) {
			if (lines[end] !== '}') continue;
			try {
				const parsed = JSON.parse(lines.slice(start, end + 1).join('\n')) as RunLike;
				if (parsed && typeof parsed === 'object' && 'data' in parsed) return parsed;
			} catch {
				// keep looking
			}
		}
	}
	return undefined;
}
