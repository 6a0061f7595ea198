/**
 * The one place the package imports the LDAP client library.
 *
 * The build replaces this file's compiled output with a bundle of ldapts and its dependencies
 * (see gulpfile.js), so the published package has no runtime dependencies and never clashes with the
 * older ldapts that n8n itself ships. Everything else imports ldapts from here.
 *
 * Importing this module also installs a faster decoder of search result entries on (this copy of)
 * ldapts: see search-entry-decoder.ts.
 */
import { SearchEntry } from 'ldapts';
import { installSearchEntryDecoder } from './search-entry-decoder';

installSearchEntryDecoder(SearchEntry);

export {
	AndFilter,
	ApproximateFilter,
	Attribute,
	Change,
	Client,
	Control,
	EqualityFilter,
	ExtensibleFilter,
	GreaterThanEqualsFilter,
	InvalidCredentialsError,
	LessThanEqualsFilter,
	NoSuchObjectError,
	NotFilter,
	OrFilter,
	PresenceFilter,
	ResultCodeError,
	SearchRequest,
	SubstringFilter,
} from 'ldapts';
export type { ClientOptions, Entry, Filter, SearchOptions } from 'ldapts';
