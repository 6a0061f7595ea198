/** Which listening mechanism a server offers (core/changes/ldap/listen/choose.ts), from its root DSE's controls. */
import { chooseListenMechanism } from '../../core/changes/ldap/listen/choose';
import { ConfigurationError } from '../../core/errors';
import type { DirectoryServerInfo } from '../../core/ldap/server-info';

const info = (
	flavour: DirectoryServerInfo['flavour'],
	vendor: string,
	supportedControls: string[],
): DirectoryServerInfo => ({
	flavour,
	vendor,
	namingContexts: ['dc=example,dc=com'],
	supportedControls,
	supportedControlNames: [],
	changeLogs: [],
});

const SYNC = '1.3.6.1.4.1.4203.1.9.1.1';
const PSEARCH = '2.16.840.1.113730.3.4.3';
const AD = '1.2.840.113556.1.4.528';

describe('chooseListenMechanism', () => {
	it("takes each product's own mechanism", () => {
		expect(chooseListenMechanism('openLdap', info('openLdap', 'OpenLDAP', [SYNC])).name).toBe('rfc4533');
		expect(chooseListenMechanism('389ds', info('389ds', '389 DS', [PSEARCH, SYNC])).name).toBe('persistentSearch');
		expect(chooseListenMechanism('openDj', info('openDj', 'OpenDJ', [PSEARCH])).name).toBe('persistentSearch');
		expect(chooseListenMechanism('activeDirectory', info('activeDirectory', 'AD', [AD, PSEARCH])).name).toBe(
			'adNotification',
		);
	});

	it('takes whatever an unknown server offers', () => {
		expect(chooseListenMechanism('other', info('other', 'Acme', [PSEARCH])).name).toBe('persistentSearch');
	});

	it('names what to enable when the product offers nothing to listen with', () => {
		const refuse = (flavour: DirectoryServerInfo['flavour'], controls: string[]) => () =>
			chooseListenMechanism(flavour, info(flavour, 'Some Server 1.0', controls));
		expect(refuse('openLdap', [PSEARCH])).toThrow(ConfigurationError);
		expect(refuse('openLdap', [])).toThrow(/Some Server 1\.0.*syncprov.*If the Server Cannot Listen/);
		expect(refuse('389ds', [SYNC])).toThrow(/persistent search.*nsslapd-maxpsearch/);
		expect(refuse('activeDirectory', [])).toThrow(/change notification/);
		expect(refuse('other', [])).toThrow(/1\.3\.6\.1\.4\.1\.4203\.1\.9\.1\.1/);
	});
});
