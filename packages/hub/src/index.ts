export type { CacheOptions } from './cache.js';
export { StartupCache } from './cache.js';
export { classify } from './classify.js';
export type { HubErrorCode } from './errors.js';
export { HubError } from './errors.js';
export type { HubEvent, HubListener, HubOptions, PublisherInfo, SubscriberInfo } from './hub.js';
export { Hub } from './hub.js';
export type { OutputForm, PacketFlags, PacketKind } from './packet.js';
export { MediaPacket } from './packet.js';
export type { PublisherEndReason, PublisherSink, StreamStats, WriteResult } from './stream.js';
export { LiveStream, Publisher } from './stream.js';
export type {
  SubscriberEndReason,
  SubscriberOptions,
  SubscriberSink,
  SubscriberStats,
} from './subscriber.js';
export { Subscriber } from './subscriber.js';
export { tsAddMs, tsDiffMs } from './time.js';
