/**
 * Turns an RFC 4515 filter string into ldapts filter objects, decoding `\xx` escapes as BYTES.
 *
 * Why not hand ldapts the string: its parser (8.0.x) turns each `\xx` into one character of that code
 * point, so the escaped UTF-8 bytes of `São Paulo` (`S\c3\a3o Paulo`, as escapeFilterValue writes them)
 * reach the server as the UTF-8 of "Ã£" — no match — and the escaped bytes of a binary objectGUID can
 * never be sent. It also refuses attribute descriptions with options or numeric OIDs. Here escapes are
 * collected into the octet string RFC 4515 means; a value that is not valid UTF-8 (a binary GUID) goes
 * out as raw bytes.
 *
 * LdapSession compiles every string filter with this before it reaches ldapts, so no search can miss it.
 */
import { ConfigurationError } from '../../core/errors';
import {
	AndFilter,
	ApproximateFilter,
	EqualityFilter,
	ExtensibleFilter,
	GreaterThanEqualsFilter,
	LessThanEqualsFilter,
	NotFilter,
	OrFilter,
	PresenceFilter,
	SubstringFilter,
} from './ldapts';
import type { Filter } from './ldapts';

class FilterSyntaxError extends Error {}

const ATTRIBUTE = /^([A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)*)(;[A-Za-z0-9-]+)*/;

/** Compiles a filter string; throws ConfigurationError naming `field` when it is not one. */
export function compileFilter(text: string, field = 'Filter'): Filter {
	let failure: unknown;
	try {
		const parser = new Parser(text.trim());
		const filter = parser.filter();
		parser.end();
		return filter;
	} catch (error) {
		failure = error;
	}
	if (!(failure instanceof FilterSyntaxError)) throw failure;
	throw new ConfigurationError(field, `is not a valid LDAP filter: ${failure.message}`);
}

class Parser {
	private position = 0;

	constructor(private readonly text: string) {}

	end(): void {
		if (this.position !== this.text.length)
			throw new FilterSyntaxError(`unexpected text after position ${this.position}`);
	}

	filter(): Filter {
		this.expect('(');
		let result: Filter;
		const char = this.text[this.position];
		if (char === '&' || char === '|') {
			this.position++;
			const filters: Filter[] = [];
			while (this.text[this.position] === '(') filters.push(this.filter());
			result = char === '&' ? new AndFilter({ filters }) : new OrFilter({ filters });
		} else if (char === '!') {
			this.position++;
			result = new NotFilter({ filter: this.filter() });
		} else {
			result = this.item();
		}
		this.expect(')');
		return result;
	}

	private item(): Filter {
		const rest = this.text.slice(this.position);
		const attribute = ATTRIBUTE.exec(rest)?.[0] ?? '';
		this.position += attribute.length;
		if (this.text[this.position] === ':') return this.extensible(attribute);
		if (attribute === '') throw new FilterSyntaxError(`attribute expected at position ${this.position}`);
		const operator = this.text.slice(this.position, this.position + 2);
		if (operator === '>=' || operator === '<=' || operator === '~=') {
			this.position += 2;
			const value = text(this.value(false));
			if (operator === '>=') return new GreaterThanEqualsFilter({ attribute, value });
			if (operator === '<=') return new LessThanEqualsFilter({ attribute, value });
			return new ApproximateFilter({ attribute, value });
		}
		this.expect('=');
		const parts = this.substrings();
		if (parts.length === 1) {
			const bytes = parts[0];
			return new EqualityFilter({ attribute, value: textOrBytes(bytes) });
		}
		if (parts.length === 2 && parts[0].length === 0 && parts[1].length === 0) return new PresenceFilter({ attribute });
		const initial = text(parts[0]);
		const final = text(parts[parts.length - 1]);
		const any = parts
			.slice(1, -1)
			.filter((part) => part.length > 0)
			.map(text);
		return new SubstringFilter({ attribute, initial, any, final });
	}

	/** attr[:dn][:rule]:=value, or [:dn]:rule:=value. */
	private extensible(attribute: string): Filter {
		let dnAttributes = false;
		let rule = '';
		for (;;) {
			this.expect(':');
			if (this.text[this.position] === '=') {
				this.position++;
				break;
			}
			const word = /^[A-Za-z0-9.-]+/.exec(this.text.slice(this.position))?.[0] ?? '';
			if (word === '') throw new FilterSyntaxError(`matching rule expected at position ${this.position}`);
			this.position += word.length;
			if (word.toLowerCase() === 'dn' && !dnAttributes && rule === '') dnAttributes = true;
			else if (rule === '') rule = word;
			else throw new FilterSyntaxError(`unexpected "${word}" in an extensible match`);
		}
		if (attribute === '' && rule === '')
			throw new FilterSyntaxError('an extensible match needs an attribute or a matching rule');
		return new ExtensibleFilter({ matchType: attribute, rule, dnAttributes, value: text(this.value(false)) });
	}

	/** The assertion value split at unescaped `*`: one part means no `*` at all. */
	private substrings(): Buffer[] {
		const parts: Buffer[] = [];
		for (;;) {
			parts.push(this.value(true));
			if (this.text[this.position] !== '*') return parts;
			this.position++;
		}
	}

	/** Reads value bytes up to `)` (or `*` when stopAtStar), decoding escapes. */
	private value(stopAtStar: boolean): Buffer {
		const bytes: number[] = [];
		while (this.position < this.text.length) {
			const char = this.text[this.position];
			if (char === ')' || (stopAtStar && char === '*')) break;
			if (char === '(' || char === '\0')
				throw new FilterSyntaxError(`"${char === '\0' ? '\\0' : char}" must be escaped at position ${this.position}`);
			if (char === '*') throw new FilterSyntaxError(`"*" is not allowed here (position ${this.position})`);
			if (char === '\\') {
				const hex = this.text.slice(this.position + 1, this.position + 3);
				if (!/^[0-9A-Fa-f]{2}$/.test(hex))
					throw new FilterSyntaxError(`"\\${hex}" is not a valid escape at position ${this.position}`);
				bytes.push(parseInt(hex, 16));
				this.position += 3;
				continue;
			}
			// ASCII is its own byte: no string and buffer per character (a poll's filter of 100 ids is 4,000 of them).
			const code = this.text.charCodeAt(this.position);
			if (code < 0x80) {
				bytes.push(code);
				this.position++;
				continue;
			}
			const codePoint = String.fromCodePoint(this.text.codePointAt(this.position) ?? 0);
			for (const byte of Buffer.from(codePoint, 'utf8')) bytes.push(byte);
			this.position += codePoint.length;
		}
		return Buffer.from(bytes);
	}

	private expect(char: string): void {
		if (this.text[this.position] !== char) {
			throw new FilterSyntaxError(
				`"${char}" expected at position ${this.position}${this.position >= this.text.length ? ' (end of filter)' : ''}`,
			);
		}
		this.position++;
	}
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The text the bytes encode, or the bytes themselves when they are not valid UTF-8. */
function textOrBytes(bytes: Buffer): string | Buffer {
	try {
		return UTF8.decode(bytes);
	} catch {
		return bytes;
	}
}

function text(bytes: Buffer): string {
	const value = textOrBytes(bytes);
	if (typeof value !== 'string') throw new FilterSyntaxError('only an equality match may compare binary values');
	return value;
}
