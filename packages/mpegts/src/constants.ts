/**
 * Wire constants of the MPEG-2 transport stream (ISO/IEC 13818-1: 2.4.3.2 packet, Table 2-34 stream
 * types, 2.4.3.7 PES stream ids) and the PIDs this muxer uses (those of livego, so its segments look alike).
 */

/** Bytes in one transport packet (ISO/IEC 13818-1 2.4.3.2). */
export const TS_PACKET_SIZE = 188;
/** Payload bytes after the 4-byte packet header. */
export const TS_PAYLOAD_SIZE = 184;
export const TS_SYNC_BYTE = 0x47;
/** PTS, DTS and PCR base tick rate. */
export const PTS_HZ = 90_000;
/** PCR extension rate: the full PCR counts 27 MHz (base × 300 + extension). */
export const PCR_HZ = 27_000_000;
/** PTS/DTS/PCR base are 33-bit counters; they wrap at 2^33 (about 26.5 hours). */
export const PTS_WRAP = 2 ** 33;

/** stream_type values of a PMT entry (ISO/IEC 13818-1 Table 2-34, amendments for AVC/HEVC). */
export const StreamType = {
  MPEG1_AUDIO: 0x03,
  MPEG2_AUDIO: 0x04,
  AAC_ADTS: 0x0f,
  H264: 0x1b,
  H265: 0x24,
} as const;
export type StreamTypeValue = (typeof StreamType)[keyof typeof StreamType];

/** PIDs written by TsMuxer by default (livego's choices). */
export const Pid = {
  PAT: 0x0000,
  PMT: 0x1001,
  VIDEO: 0x0100,
  AUDIO: 0x0101,
  NULL: 0x1fff,
} as const;

/** PES stream_id values (ISO/IEC 13818-1 Table 2-22): first video and first audio stream. */
export const StreamId = {
  VIDEO: 0xe0,
  AUDIO: 0xc0,
} as const;

/** PSI table_id values (ISO/IEC 13818-1 Table 2-31). */
export const TableId = {
  PAT: 0x00,
  PMT: 0x02,
} as const;
