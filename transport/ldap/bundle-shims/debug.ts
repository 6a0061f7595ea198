/**
 * Stands in for the debug package in the ldapts bundle (see gulpfile.js): ldapts's debug logging is switched on
 * by the DEBUG environment variable and written to the console, neither of which a community node may use in
 * n8n. A logger that is never enabled drops the package and its terminal-colour detection.
 */
interface DebugLogger {
	(...args: unknown[]): void;
	enabled: boolean;
}

function createDebug(): DebugLogger {
	const log = (() => undefined) as DebugLogger;
	log.enabled = false;
	return log;
}

export = createDebug;
