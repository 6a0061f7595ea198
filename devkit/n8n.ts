/**
 * A real n8n for end-to-end tests, the demo and template tests.
 *
 *   const bin = await ensureN8n('2.8.4');             // cached install outside the repo
 *   const tarball = await packPackage(repoRoot);       // needs `npm run build` first
 *   const n8n = await startN8n({ tarball });           // throw-away user folder, free port
 *   // another release on another Node: startN8n({ tarball, version: '2.41.1', nodeVersion: '24.21.0' })
 *   await n8n.setupOwner(); await n8n.createApiKey();
 *   await n8n.nodeTypes(); await n8n.testCredential(type, data);
 *   const wf = await n8n.createWorkflow(json); const exec = await n8n.runWorkflow(wf); nodeItems(exec);
 *   await n8n.stop();
 *
 * No jest globals in here: usable from plain scripts once compiled.
 */
export { defaultLog, redact, secretStrings } from './n8n/common';
export type { Log } from './n8n/common';
export {
	DEFAULT_N8N_VERSION,
	ensureN8n,
	FIRST_INSTALL_COST,
	isN8nInstalled,
	n8nBinPath,
	n8nCacheRoot,
	n8nInstallDir,
	n8nLabel,
} from './n8n/install';
export type { N8nRuntimeOptions } from './n8n/install';
export { ensureNodeRuntime, nodeRuntimeDir } from './n8n/node-runtime';
export type { NodeRuntime } from './n8n/node-runtime';
export { COMPATIBILITY_MATRIX, describeTarget, NODE_24_VERSION } from './n8n/versions';
export type { CompatibilityTarget } from './n8n/versions';
export { extractPackage, packPackage, readPackageJson, tarballPackageName } from './n8n/pack';
export type { PackageN8nSection } from './n8n/pack';
export { freePort } from './server-process';
export { N8nInstance, startN8n } from './n8n/instance';
export type { CredentialTestResult, StartN8nOptions } from './n8n/instance';
export type { CliResult } from './n8n/n8n-process';
export { N8nHttpError } from './n8n/rest-client';
export type { N8nOwner } from './n8n/rest-client';
export { receivingWorkflow } from './n8n/workflows';
export type { N8nExecution, ReceivingTrigger, WorkflowJson } from './n8n/workflows';
export { executionError, nodeItems, nodesRun, parseCliRunOutput } from './n8n/run-data';
export type { CliRun, NodeRunData, RunLike } from './n8n/run-data';
