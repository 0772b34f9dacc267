/**
 * PES packet header (ISO/IEC 13818-1 2.4.3.6/2.4.3.7, Table 2-21): start code, stream_id,
 * PES_packet_length, the optional header with PTS (and DTS when it differs).
 */
import { TsError } from './errors.js';
import { readTimestamp, writeTimestamp } from './timestamp.js';

/** PES header bytes: 9 fixed + 5 for a PTS + 5 more for a DTS. */
export function pesHeaderLength(withDts: boolean): number {
  return withDts ? 19 : 14;
}

/**
 * Writes a PES header for `payloadLength` bytes of elementary stream data. PES_packet_length is 0
 * (unbounded, allowed for video only) when the packet would exceed 65535 bytes. data_alignment_indicator
 * is set: every PES this muxer writes starts with an access unit (AUD or ADTS/MP3 sync word).
 */
export function writePesHeader(
  out: Uint8Array,
  pos: number,
  streamId: number,
  payloadLength: number,
  pts90k: number,
  dts90k: number | undefined,
): number {
  const withDts = dts90k !== undefined;
  const headerDataLength = withDts ? 10 : 5;
  const packetLength = 3 + headerDataLength + payloadLength;
  out[pos] = 0;
  out[pos + 1] = 0;
  out[pos + 2] = 1;
  out[pos + 3] = streamId;
  const len = packetLength > 0xffff ? 0 : packetLength;
  out[pos + 4] = len >>> 8;
  out[pos + 5] = len & 0xff;
  out[pos + 6] = 0x84; // '10', not scrambled, data_alignment_indicator
  out[pos + 7] = withDts ? 0xc0 : 0x80; // PTS_DTS_flags
  out[pos + 8] = headerDataLength;
  if (withDts) {
    writeTimestamp(out, pos + 9, 0b0011, pts90k);
    writeTimestamp(out, pos + 14, 0b0001, dts90k);
    return pos + 19;
  }
  writeTimestamp(out, pos + 9, 0b0010, pts90k);
  return pos + 14;
}

export interface ParsedPes {
  streamId: number;
  /** 33-bit PTS, or undefined when the header has none. */
  pts90k: number | undefined;
  /** 33-bit DTS; equals the PTS when only a PTS is present. */
  dts90k: number | undefined;
  /** The elementary stream bytes after the header (a view). */
  data: Uint8Array;
}

// stream_ids whose PES has no optional header (Table 2-21 condition).
function hasOptionalHeader(streamId: number): boolean {
  return !(
    streamId === 0xbc || // program_stream_map
    streamId === 0xbe || // padding_stream
    streamId === 0xbf || // private_stream_2
    streamId === 0xf0 || // ECM
    streamId === 0xf1 || // EMM
    streamId === 0xff || // program_stream_directory
    streamId === 0xf2 || // DSMCC
    streamId === 0xf8 // H.222.1 type E
  );
}

/** Parses a complete PES packet (start code included). Throws TsError. */
export function parsePes(b: Uint8Array): ParsedPes {
  if (b.length < 6 || b[0] !== 0 || b[1] !== 0 || b[2] !== 1) {
    const found = Array.from(b.subarray(0, 3), (x) => x.toString(16).padStart(2, '0')).join(' ');
    throw new TsError('TS_BAD_PES', `PES starts with ${found || 'nothing'}, expected start code 00 00 01`, {
      field: 'packet_start_code_prefix',
    });
  }
  const streamId = b[3]!;
  const declared = (b[4]! << 8) | b[5]!;
  let end = b.length;
  if (declared !== 0) {
    if (6 + declared > b.length) {
      throw new TsError(
        'TS_BAD_PES',
        `PES_packet_length ${declared} needs ${6 + declared} bytes, got ${b.length}`,
        {
          field: 'PES_packet_length',
        },
      );
    }
    end = 6 + declared;
  }
  if (!hasOptionalHeader(streamId)) {
    return { streamId, pts90k: undefined, dts90k: undefined, data: b.subarray(6, end) };
  }
  if (end < 9 || (b[6]! & 0xc0) !== 0x80) {
    throw new TsError(
      'TS_BAD_PES',
      `PES header of stream_id 0x${streamId.toString(16)} lacks the '10' marker bits`,
      {
        field: 'PES header flags',
      },
    );
  }
  const flags = b[7]! >>> 6;
  const headerDataLength = b[8]!;
  const dataStart = 9 + headerDataLength;
  if (dataStart > end) {
    throw new TsError(
      'TS_BAD_PES',
      `PES_header_data_length ${headerDataLength} runs past the ${end}-byte PES packet`,
      { field: 'PES_header_data_length' },
    );
  }
  let pts90k: number | undefined;
  let dts90k: number | undefined;
  if (flags === 0b01) {
    throw new TsError('TS_BAD_PES', 'PTS_DTS_flags is 01 (forbidden)', { field: 'PTS_DTS_flags' });
  }
  if (flags & 0b10) {
    const need = flags === 0b11 ? 10 : 5;
    if (headerDataLength < need) {
      throw new TsError(
        'TS_BAD_PES',
        `PES_header_data_length ${headerDataLength} is too short for PTS/DTS (${need})`,
        {
          field: 'PES_header_data_length',
        },
      );
    }
    pts90k = readTimestamp(b, 9);
    dts90k = flags === 0b11 ? readTimestamp(b, 14) : pts90k;
    if (pts90k < 0 || dts90k < 0) {
      throw new TsError('TS_BAD_PES', 'PES PTS/DTS field has a marker bit of 0', { field: 'PTS/DTS' });
    }
  }
  return { streamId, pts90k, dts90k, data: b.subarray(dataStart, end) };
}
