export type { StreamTypeValue } from './constants.js';
export { PCR_HZ, Pid, PTS_HZ, PTS_WRAP, StreamId, StreamType, TableId, TS_PACKET_SIZE } from './constants.js';
export { crc32Mpeg2 } from './crc32.js';
export type {
  TsDemuxerOptions,
  TsErrorEvent,
  TsEvent,
  TsPatEvent,
  TsPcrEvent,
  TsPesEvent,
  TsPmtEvent,
} from './demuxer.js';
export { TsDemuxer } from './demuxer.js';
export type { TsErrorCode, TsErrorContext } from './errors.js';
export { TsError } from './errors.js';
export type {
  AudioFrame,
  AudioTrackConfig,
  TsMuxerOptions,
  VideoCodec,
  VideoFrame,
  VideoTrackConfig,
} from './muxer.js';
export { TsMuxer } from './muxer.js';
export type { ParsedPes } from './pes.js';
export { parsePes, writePesHeader } from './pes.js';
export type { Pat, PatProgram, Pmt, PmtStream } from './psi.js';
export { buildPatSection, buildPmtSection, parsePatSection, parsePmtSection } from './psi.js';
export { MsTimeline, readPcr, readTimestamp, wrap33, writePcr, writeTimestamp } from './timestamp.js';
