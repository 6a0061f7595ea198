import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { DirectoryBackend } from '../../../core/directory/backend';

/** What one operation does for one item: reads its parameters, calls the backend, returns the items to output. */
export type Operation = (
	context: IExecuteFunctions,
	backend: DirectoryBackend,
	itemIndex: number,
) => Promise<IDataObject[]>;
