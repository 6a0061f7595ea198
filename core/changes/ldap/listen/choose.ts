/**
 * Which listening mechanism a server offers, from its root DSE (read once per activation), and what to tell
 * the user when it offers none.
 */
import { ConfigurationError } from '../../../errors';
import type { DetectedFlavour } from '../../../ldap/flavours';
import type { DirectoryServerInfo } from '../../../ldap/server-info';
import { LISTEN_OIDS } from '../../../../transport/ldap/listen-controls';
import { activeDirectory } from './active-directory';
import type { ListenMechanism } from './mechanism';
import { persistentSearch } from './persistent-search';
import { rfc4533 } from './rfc4533';

/** The name of the field the user changes to read at an interval instead (the node's option). */
export const CANNOT_LISTEN_FIELD = 'If the Server Cannot Listen';

/** The mechanism a product would use, whether or not this server offers it (for the hint). */
function expectedMechanism(flavour: DetectedFlavour): ListenMechanism {
	if (flavour === 'activeDirectory') return activeDirectory;
	if (flavour === '389ds' || flavour === 'openDj') return persistentSearch;
	return rfc4533;
}

/** The error of a server that cannot listen: which product, why, and what to enable. */
export function cannotListen(flavour: DetectedFlavour, vendor: string, why: string): ConfigurationError {
	const mechanism = expectedMechanism(flavour);
	return new ConfigurationError(
		CANNOT_LISTEN_FIELD,
		`is "Fail": the directory (${vendor}) cannot announce changes by ${mechanism.label}: ${why}. To listen, ${mechanism.howToEnable}; or set ${CANNOT_LISTEN_FIELD} to read at an interval instead`,
	);
}

/** The mechanism this server offers for its product; a ConfigurationError saying what to enable when none. */
export function chooseListenMechanism(flavour: DetectedFlavour, server: DirectoryServerInfo): ListenMechanism {
	const offers = (oid: string) => server.supportedControls.includes(oid);
	const expected = expectedMechanism(flavour);
	const byControl: Array<[string, ListenMechanism]> = [
		[LISTEN_OIDS.adNotification, activeDirectory],
		[LISTEN_OIDS.syncRequest, rfc4533],
		[LISTEN_OIDS.persistentSearch, persistentSearch],
	];
	// The product's own mechanism first; any other one the server offers otherwise (a generic server).
	const controlOf = byControl.find(([, mechanism]) => mechanism === expected)![0];
	if (offers(controlOf)) return expected;
	if (flavour === 'other') {
		const offered = byControl.find(([oid]) => offers(oid));
		if (offered) return offered[1];
	}
	throw cannotListen(flavour, server.vendor, `its root DSE does not list the control ${controlOf}`);
}
