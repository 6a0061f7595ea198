/**
 * Creating and deleting groups: the product's kind of group (its profile's `management.newGroup`), named by
 * the given name under the group base or the given parent.
 */
import { ConfigurationError, NotFoundError } from '../../errors';
import type { GroupManagementResult, GroupRef, NewGroup, PresenceOptions } from '../../directory/management';
import { formatDn, parseDn } from '../dn';
import { addEntry } from './new-entry';
import { absentAs, refusalExplained, requiredText, type ManageContext } from './context';

export async function createGroup(
	context: ManageContext,
	group: NewGroup,
	options: PresenceOptions = {},
): Promise<GroupManagementResult> {
	const name = requiredText(group.name, 'Group Name', 'the name of the new group');
	const existing = await context.groups.getGroup('name', name).catch(absentAs(undefined));
	if (existing !== undefined) {
		if (options.errorIfPresentOrAbsent) {
			throw new ConfigurationError('Group Name', `"${name}" is taken: the group ${existing.dn} exists`);
		}
		return { changed: false, dn: existing.dn, group: existing };
	}
	const parent = group.parent?.trim() || context.groupBaseDN;
	parseDn(parent, 'Parent DN');
	const planned = context.profile.management.newGroup({ ...group, name });
	const extra: Record<string, string[]> = { ...(group.attributes ?? {}) };
	if (group.description?.trim()) extra[context.profile.group.description] = [group.description.trim()];
	const dn = formatDn([[{ type: planned.rdn.attribute, value: planned.rdn.value }], ...parseDn(parent, 'Parent DN')]);
	const added = await addEntry(context, dn, planned, extra, 'Attributes', 'create the group');
	if (!added) return { changed: false, dn, group: await context.groups.getGroup('dn', dn) };
	return { changed: true, dn, group: await context.groups.getGroup('dn', dn) };
}

export async function deleteGroup(
	context: ManageContext,
	group: GroupRef,
	options: PresenceOptions = {},
): Promise<GroupManagementResult> {
	const dn = await context.groups.resolveDn(group.key, group.value).catch(absentAs(undefined));
	if (dn === undefined) {
		if (options.errorIfPresentOrAbsent)
			throw new NotFoundError(`No group with ${group.key} "${group.value}" to delete`);
		return { changed: false };
	}
	await refusalExplained(context, context.session.delete(dn), 'delete the group', dn);
	return { changed: true, dn };
}
