/**
 * Who a push message goes to: a person with their addresses, or a bare device token, topic, condition or
 * group. Its own module because both the message model (./message) and the channel contract (./types) need
 * it, and the contract needs the message: here neither imports the other in a circle.
 */

/** A person, in the fields push needs; an AudienceMember (core/audience.ts) converts with personFromMember(). */
export interface PushPerson {
	/** Stable directory id (entryUUID, objectGUID, OTDS uuid): the person's label in results. */
	userId: string;
	/** Sign-in name: how AppWorks Gateway addresses users. */
	login?: string;
	displayName?: string;
	/** Email address: the MRA email fallback. */
	mail?: string;
	/** Mobile number in E.164 (+15551234567): the MRA SMS fallback. */
	mobile?: string;
	/** FCM registration tokens of the person's devices. */
	deviceTokens?: string[];
}

/** Someone or something a message is addressed to. Which kinds a channel can reach is the channel's business. */
export type PushRecipient =
	| ({ kind: 'person' } & PushPerson)
	| { kind: 'token'; token: string }
	| { kind: 'topic'; topic: string }
	/** An FCM condition such as `'news' in topics && 'eu' in topics`. */
	| { kind: 'condition'; condition: string }
	/** An OTDS group name (AppWorks Gateway only). */
	| { kind: 'group'; group: string };

export type RecipientKind = PushRecipient['kind'];
