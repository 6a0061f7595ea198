/**
 * Where the directory triggers keep their change state between reads: the node's static data, with its
 * snapshot in it ("Keep Snapshot In: Workflow Static Data", the default) or held in this process's memory
 * (core/changes/held-snapshots.ts says why and what that costs).
 */
import type { IDataObject, INode, IWorkflowMetadata } from 'n8n-workflow';

import { heldSnapshots, type StoredChangeState } from '../../core/changes/held-snapshots';
import type { ChangeState } from '../../core/changes/state';

export type SnapshotStorage = 'workflow' | 'process';

/** The trigger's Keep Snapshot In option (under Options). */
export function snapshotStorageOf(options: IDataObject): SnapshotStorage {
	return options.snapshotStorage === 'process' ? 'process' : 'workflow';
}

/** The change state of one trigger node of one workflow, in its static data. */
export class ChangeStateStore {
	private readonly key: string;

	constructor(
		private readonly staticData: IDataObject,
		workflow: Pick<IWorkflowMetadata, 'id'>,
		node: Pick<INode, 'id' | 'name'>,
	) {
		this.key = `${workflow.id ?? ''}\u0000${node.id || node.name}`;
	}

	/** Whether a state was stored (the trigger started watching). */
	get started(): boolean {
		return this.staticData.changeState !== undefined;
	}

	/**
	 * The state a read starts from; undefined before the first. A state whose snapshot this process does not hold
	 * comes back as stored (snapshotHeldElsewhere): the read starts over and says why in a directory.resync event.
	 */
	current(): ChangeState | undefined {
		return heldSnapshots.restore(this.key, this.stored());
	}

	/** Stores the state a successful read returned. */
	store(state: ChangeState, storage: SnapshotStorage): void {
		if (storage === 'process') {
			this.staticData.changeState = heldSnapshots.hold(this.key, state) as unknown as IDataObject;
		} else {
			heldSnapshots.release(this.key);
			this.staticData.changeState = state as unknown as IDataObject;
		}
	}

	private stored(): StoredChangeState | undefined {
		return this.staticData.changeState as unknown as StoredChangeState | undefined;
	}
}
