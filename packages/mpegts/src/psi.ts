/**
 * Program-specific information: the program_association_section (ISO/IEC 13818-1 2.4.4.3, Table 2-30)
 * and the TS_program_map_section (2.4.4.8, Table 2-33), each closed by a CRC_32 (Annex A).
 */
import { TableId } from './constants.js';
import { crc32Mpeg2 } from './crc32.js';
import { TsError } from './errors.js';

export interface PatProgram {
  programNumber: number;
  /** PID of the program's PMT (program_map_PID). */
  pmtPid: number;
}

export interface Pat {
  transportStreamId: number;
  version: number;
  programs: PatProgram[];
}

export interface PmtStream {
  streamType: number;
  pid: number;
  /** ES_info descriptors, raw (a view). */
  esInfo: Uint8Array;
}

export interface Pmt {
  programNumber: number;
  version: number;
  pcrPid: number;
  streams: PmtStream[];
}

/** Largest section_length of a PAT or PMT (2.4.4.3/2.4.4.8: total section ≤ 1024 bytes). */
export const MAX_PSI_SECTION_LENGTH = 1021;

/** The PAT section bytes (table_id through CRC_32). */
export function buildPatSection(pat: Pat): Uint8Array {
  return buildSection(TableId.PAT, pat.transportStreamId, pat.version, pat.programs.length * 4, (s, p) => {
    for (const prog of pat.programs) {
      s[p++] = prog.programNumber >>> 8;
      s[p++] = prog.programNumber & 0xff;
      s[p++] = 0xe0 | ((prog.pmtPid >>> 8) & 0x1f);
      s[p++] = prog.pmtPid & 0xff;
    }
  });
}

/** The PMT section bytes (table_id through CRC_32). No program_info descriptors. */
export function buildPmtSection(pmt: Pmt): Uint8Array {
  let body = 4;
  for (const st of pmt.streams) body += 5 + st.esInfo.length;
  return buildSection(TableId.PMT, pmt.programNumber, pmt.version, body, (s, p) => {
    s[p++] = 0xe0 | ((pmt.pcrPid >>> 8) & 0x1f);
    s[p++] = pmt.pcrPid & 0xff;
    s[p++] = 0xf0; // reserved, program_info_length = 0
    s[p++] = 0x00;
    for (const st of pmt.streams) {
      s[p++] = st.streamType;
      s[p++] = 0xe0 | ((st.pid >>> 8) & 0x1f);
      s[p++] = st.pid & 0xff;
      s[p++] = 0xf0 | ((st.esInfo.length >>> 8) & 0x0f);
      s[p++] = st.esInfo.length & 0xff;
      s.set(st.esInfo, p);
      p += st.esInfo.length;
    }
  });
}

// Long-form section: 8 header bytes, body, 4 CRC bytes; section_length counts from after itself.
function buildSection(
  tableId: number,
  idExtension: number,
  version: number,
  bodyLength: number,
  writeBody: (s: Uint8Array, pos: number) => void,
): Uint8Array {
  const sectionLength = 5 + bodyLength + 4;
  if (sectionLength > MAX_PSI_SECTION_LENGTH) {
    throw new RangeError(`PSI section_length ${sectionLength} exceeds ${MAX_PSI_SECTION_LENGTH}`);
  }
  const s = new Uint8Array(3 + sectionLength);
  s[0] = tableId;
  s[1] = 0xb0 | (sectionLength >>> 8); // section_syntax_indicator=1, '0', reserved '11'
  s[2] = sectionLength & 0xff;
  s[3] = idExtension >>> 8;
  s[4] = idExtension & 0xff;
  s[5] = 0xc1 | ((version & 0x1f) << 1); // reserved '11', version, current_next_indicator=1
  s[6] = 0; // section_number
  s[7] = 0; // last_section_number
  writeBody(s, 8);
  const crc = crc32Mpeg2(s, 0, s.length - 4);
  s[s.length - 4] = crc >>> 24;
  s[s.length - 3] = (crc >>> 16) & 0xff;
  s[s.length - 2] = (crc >>> 8) & 0xff;
  s[s.length - 1] = crc & 0xff;
  return s;
}

function checkSection(s: Uint8Array, tableId: number, what: string): void {
  if (s.length < 12) {
    throw new TsError(
      'TS_BAD_SECTION',
      `${what} section of ${s.length} bytes is shorter than the 12-byte minimum`,
    );
  }
  if (s[0] !== tableId) {
    throw new TsError(
      'TS_BAD_SECTION',
      `${what} section has table_id 0x${hex(s[0]!)}, expected 0x${hex(tableId)}`,
      {
        field: 'table_id',
      },
    );
  }
  if ((s[1]! & 0x80) === 0) {
    throw new TsError('TS_BAD_SECTION', `${what} section has section_syntax_indicator 0, expected 1`, {
      field: 'section_syntax_indicator',
    });
  }
  const sectionLength = ((s[1]! & 0x0f) << 8) | s[2]!;
  if (sectionLength + 3 !== s.length) {
    throw new TsError(
      'TS_BAD_SECTION',
      `${what} section_length ${sectionLength} does not match the ${s.length - 3} bytes after it`,
      { field: 'section_length' },
    );
  }
  const crc = crc32Mpeg2(s);
  if (crc !== 0) {
    const stored =
      ((s[s.length - 4]! << 24) | (s[s.length - 3]! << 16) | (s[s.length - 2]! << 8) | s[s.length - 1]!) >>>
      0;
    const computed = crc32Mpeg2(s, 0, s.length - 4);
    throw new TsError('TS_BAD_CRC', `${what} CRC_32 is 0x${hex(stored, 8)}, computed 0x${hex(computed, 8)}`, {
      field: 'CRC_32',
    });
  }
}

/** Parses a complete PAT section (table_id through CRC_32). Throws TsError. */
export function parsePatSection(s: Uint8Array): Pat {
  checkSection(s, TableId.PAT, 'PAT');
  const end = s.length - 4;
  if ((end - 8) % 4 !== 0) {
    throw new TsError('TS_BAD_SECTION', `PAT program loop of ${end - 8} bytes is not a multiple of 4`);
  }
  const programs: PatProgram[] = [];
  for (let p = 8; p < end; p += 4) {
    programs.push({ programNumber: (s[p]! << 8) | s[p + 1]!, pmtPid: ((s[p + 2]! & 0x1f) << 8) | s[p + 3]! });
  }
  return { transportStreamId: (s[3]! << 8) | s[4]!, version: (s[5]! >>> 1) & 0x1f, programs };
}

/** Parses a complete PMT section (table_id through CRC_32). Throws TsError. */
export function parsePmtSection(s: Uint8Array): Pmt {
  checkSection(s, TableId.PMT, 'PMT');
  const end = s.length - 4;
  const pcrPid = ((s[8]! & 0x1f) << 8) | s[9]!;
  const programInfoLength = ((s[10]! & 0x0f) << 8) | s[11]!;
  let p = 12 + programInfoLength;
  if (p > end) {
    throw new TsError(
      'TS_BAD_SECTION',
      `PMT program_info_length ${programInfoLength} runs past the section end`,
      {
        field: 'program_info_length',
      },
    );
  }
  const streams: PmtStream[] = [];
  while (p < end) {
    if (p + 5 > end) {
      throw new TsError('TS_BAD_SECTION', `PMT stream entry at section byte ${p} is cut short`, {
        field: 'ES loop',
      });
    }
    const esInfoLength = ((s[p + 3]! & 0x0f) << 8) | s[p + 4]!;
    if (p + 5 + esInfoLength > end) {
      throw new TsError('TS_BAD_SECTION', `PMT ES_info_length ${esInfoLength} runs past the section end`, {
        field: 'ES_info_length',
      });
    }
    streams.push({
      streamType: s[p]!,
      pid: ((s[p + 1]! & 0x1f) << 8) | s[p + 2]!,
      esInfo: s.subarray(p + 5, p + 5 + esInfoLength),
    });
    p += 5 + esInfoLength;
  }
  return { programNumber: (s[3]! << 8) | s[4]!, version: (s[5]! >>> 1) & 0x1f, pcrPid, streams };
}

function hex(v: number, width = 2): string {
  return v.toString(16).padStart(width, '0');
}
