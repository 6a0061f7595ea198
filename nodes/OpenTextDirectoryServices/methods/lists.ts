/**
 * The editor's dropdowns: users and groups for the pickers (searchable, 50 at a time; the next page
 * repeats the search and skips what was shown, so nothing is kept between calls), and OTDS partitions.
 */
import type {
	IDataObject,
	ILoadOptionsFunctions,
	INodeListSearchItems,
	INodeListSearchResult,
	INodePropertyOptions,
} from 'n8n-workflow';

import type { DirectoryBackend } from '../../../core/directory/backend';
import { toNodeError } from '../../shared/errors';
import { openOtdsDirectory } from '../../shared/otds';
import { openDirectorySource, type DirectorySourceKind } from '../../shared/directory-source';

const PAGE = 50;

async function withBackend<T>(
	context: ILoadOptionsFunctions,
	use: (backend: DirectoryBackend) => Promise<T>,
): Promise<T> {
	const kind = (context.getCurrentNodeParameter('source') as DirectorySourceKind | undefined) ?? 'ldap';
	const source = await openDirectorySource(context, kind);
	try {
		// The pickers read where the operation reads: the base DN or partition chosen in Options.
		const options = (context.getCurrentNodeParameter('options') as IDataObject | undefined) ?? {};
		return await use(await source.backendFor(options));
	} catch (error) {
		throw toNodeError(context.getNode(), error);
	} finally {
		await source.close();
	}
}

async function page<T>(
	pages: AsyncGenerator<T[]>,
	token: string | undefined,
	toItem: (entry: T) => INodeListSearchItems,
): Promise<INodeListSearchResult> {
	const skip = Number(token ?? 0) || 0;
	const results: INodeListSearchItems[] = [];
	let seen = 0;
	for await (const batch of pages) {
		for (const entry of batch) {
			seen++;
			if (seen <= skip) continue;
			if (results.length === PAGE) return { results, paginationToken: String(skip + PAGE) };
			results.push(toItem(entry));
		}
	}
	return { results };
}

export async function searchUsers(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	return withBackend(this, async (backend) => {
		const text = filter?.trim();
		const attribute = backend.userAttribute?.('displayName') ?? 'displayName';
		const conditions = text ? [{ attribute, operator: 'contains' as const, value: text }] : [];
		const limit = (Number(paginationToken ?? 0) || 0) + PAGE + 1;
		return page(backend.searchUsers({ conditions, limit, pageSize: limit }), paginationToken, (user) => ({
			name: user.displayName ? `${user.displayName} (${user.login})` : user.login,
			value: user.dn,
		}));
	});
}

export async function searchGroups(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	return withBackend(this, async (backend) => {
		const limit = (Number(paginationToken ?? 0) || 0) + PAGE + 1;
		return page(
			backend.searchGroups({ nameContains: filter?.trim() || undefined, limit, pageSize: limit }),
			paginationToken,
			(group) => ({
				name: group.name,
				value: group.dn,
			}),
		);
	});
}

export async function getPartitions(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	if (this.getCurrentNodeParameter('source') !== 'otdsRest') return [];
	try {
		const directory = await openOtdsDirectory(this, { checkPartition: false });
		const names = await directory.partitions();
		return [{ name: 'All Partitions', value: '' }, ...names.map((name) => ({ name, value: name }))];
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
}
