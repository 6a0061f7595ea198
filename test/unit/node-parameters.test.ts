/** How the directory node reads its list-shaped parameters into the core's inputs. */
import { changesFromRows } from '../../nodes/OpenTextDirectoryServices/actions/operations';
import { attributesFromRows } from '../../nodes/OpenTextDirectoryServices/actions/manage';
import { OpenTextDirectoryServices } from '../../nodes/OpenTextDirectoryServices/OpenTextDirectoryServices.node';
import { otdsStatusAttributesOf } from '../../nodes/shared/directory-source';
import { otdsFieldMapOf } from '../../nodes/shared/parameter-text';
import { ConfigurationError } from '../../core/errors';

describe('Changes rows', () => {
	test('rows for the same attribute and action add up to one value list; an empty value means "no value"', () => {
		expect(
			changesFromRows([
				{ attribute: 'telephoneNumber', action: 'set', value: '+1 1' },
				{ attribute: 'TelephoneNumber', action: 'set', value: '+1 2' },
				{ attribute: 'otdpDeviceToken', action: 'add', value: 'tok' },
				{ attribute: 'description', action: 'set', value: '' },
			]),
		).toEqual([
			{ attribute: 'telephoneNumber', action: 'set', values: ['+1 1', '+1 2'] },
			{ attribute: 'otdpDeviceToken', action: 'add', values: ['tok'] },
			{ attribute: 'description', action: 'set', values: [] },
		]);
	});

	test('no rows, a row without an attribute, or an unknown action are errors naming the field', () => {
		expect(() => changesFromRows([])).toThrow(ConfigurationError);
		expect(() => changesFromRows([{ attribute: ' ', value: 'x' }])).toThrow(/Changes/);
		expect(() => changesFromRows([{ attribute: 'title', action: 'replace', value: 'x' }])).toThrow(
			/unknown action "replace"/,
		);
	});
});

describe('OTDS attribute mapping', () => {
	test('field=attribute pairs become overrides', () => {
		expect(otdsFieldMapOf('businessUnit=oTExtraAttr3, mobile = oTMobilePhone')).toEqual({
			businessUnit: 'oTExtraAttr3',
			mobile: 'oTMobilePhone',
		});
		expect(otdsFieldMapOf('')).toEqual({});
	});

	test('unknown fields, malformed pairs and attribute names that are not names are refused', () => {
		expect(() => otdsFieldMapOf('shoeSize=oTShoe')).toThrow(/unknown field "shoeSize"/);
		expect(() => otdsFieldMapOf('mobile')).toThrow(/field=attribute/);
		expect(() => otdsFieldMapOf('mobile=a=b')).toThrow(/field=attribute/);
		expect(() => otdsFieldMapOf('mobile=mo)(bile')).toThrow(ConfigurationError);
	});
});

describe('Other Attributes rows of a new user', () => {
	test('rows of one attribute (any case) add up to its values; an empty value adds none', () => {
		expect(
			attributesFromRows([
				{ name: 'telephoneNumber', value: '+1 1' },
				{ name: 'TELEPHONENUMBER', value: '+1 2' },
				{ name: 'roomNumber', value: '' },
			]),
		).toEqual({ telephoneNumber: ['+1 1', '+1 2'], roomNumber: [] });
	});

	test('a row without a name is an error naming the field', () => {
		expect(() => attributesFromRows([{ name: ' ', value: 'x' }])).toThrow(/Other Attributes/);
	});
});

describe('passwords in the editor', () => {
	test('every Password parameter is masked, and only Create and Set Password ask for one', () => {
		const passwords = new OpenTextDirectoryServices().description.properties.filter(
			(property) => property.name === 'password',
		);
		expect(
			passwords
				.map((property) => property.displayOptions?.show?.operation)
				.flat()
				.sort(),
		).toEqual(['create', 'setPassword']);
		for (const property of passwords) expect(property.typeOptions?.password).toBe(true);
	});
});

describe("the OTDS flags' attribute options", () => {
	test('a named attribute replaces the default of its flag only; an empty one keeps the default', () => {
		expect(otdsStatusAttributesOf({ disabledAttribute: ' oTExtraAttr5 ', lockedAttribute: '' })).toEqual({
			disabled: ['oTExtraAttr5'],
		});
		expect(otdsStatusAttributesOf({ mustChangeAttribute: 'pwdReset' })).toEqual({
			passwordResetRequired: ['pwdReset'],
		});
		expect(otdsStatusAttributesOf({})).toEqual({});
	});
});
