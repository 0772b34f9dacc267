/** TsError: the one error type of @livego/mpegts (muxer input errors thrown, demuxer errors reported as events). */
import { type ErrorContext, LivegoError } from '@livego/amf';

export type TsErrorCode =
  /** A sync byte 0x47 was missing where a packet should start; bytes were skipped to resync. */
  | 'TS_LOST_SYNC'
  /** The stream ended inside a packet. */
  | 'TS_TRUNCATED'
  /** transport_error_indicator set: the packet was dropped. */
  | 'TS_TRANSPORT_ERROR'
  /** A continuity_counter jumped: packets of that PID were lost; the PES in progress was dropped. */
  | 'TS_CONTINUITY'
  /** A packet header or adaptation field is inconsistent (e.g. adaptation_field_length > 183). */
  | 'TS_BAD_PACKET'
  /** A PSI section (PAT/PMT) is malformed or its CRC-32 does not match. */
  | 'TS_BAD_SECTION'
  | 'TS_BAD_CRC'
  /** A PES packet is malformed (start code, header length, PTS markers). */
  | 'TS_BAD_PES'
  /** A PES grew past the demuxer's limit. */
  | 'TS_PES_TOO_LARGE'
  /** Muxer input: a video access unit could not be parsed into NAL units. */
  | 'TS_BAD_NALU'
  /** Muxer input: an audio frame could not be wrapped (no AudioSpecificConfig, bad ASC, frame too big). */
  | 'TS_BAD_AUDIO'
  /** Muxer input: a decoder configuration record (avcC/hvcC/ASC) could not be parsed. */
  | 'TS_BAD_CONFIG';

export interface TsErrorContext extends ErrorContext {
  /** Index of the 188-byte packet (counted from 0 over the whole stream) where the problem was found. */
  packetIndex?: number;
  pid?: number;
}

export class TsError extends LivegoError {
  declare readonly code: TsErrorCode;
  readonly packetIndex: number | undefined;
  readonly pid: number | undefined;

  constructor(code: TsErrorCode, message: string, context: TsErrorContext = {}) {
    super(code, message, context);
    this.name = 'TsError';
    this.packetIndex = context.packetIndex;
    this.pid = context.pid;
  }
}
