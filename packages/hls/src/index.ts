export type { HlsErrorCode } from './errors.js';
export { HlsError } from './errors.js';
export type { PlaylistEntry, PlaylistInput } from './playlist.js';
export { PLAYLIST_VERSION, renderPlaylist } from './playlist.js';
export type {
  HlsSegment,
  HlsSegmenterOptions,
  HlsSegmenterStats,
  MediaKind,
  PushResult,
} from './segmenter.js';
export { HlsSegmenter } from './segmenter.js';
