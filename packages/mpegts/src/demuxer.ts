/**
 * Incremental MPEG-TS demuxer (ISO/IEC 13818-1 2.4.3 packets, 2.4.4 PSI, 2.4.3.6 PES): push bytes in any
 * chunking, get PAT/PMT/PCR/PES events. Problems (lost sync, continuity jumps, bad CRC, bad PES) are
 * `error` events carrying the packet index; `push()` never throws on any input.
 */
import { Pid, TS_PACKET_SIZE, TS_SYNC_BYTE } from './constants.js';
import { TsError } from './errors.js';
import { parsePes } from './pes.js';
import {
  MAX_PSI_SECTION_LENGTH,
  type PatProgram,
  type PmtStream,
  parsePatSection,
  parsePmtSection,
} from './psi.js';
import { readPcr } from './timestamp.js';

export interface TsPatEvent {
  type: 'pat';
  packetIndex: number;
  transportStreamId: number;
  version: number;
  programs: PatProgram[];
}

export interface TsPmtEvent {
  type: 'pmt';
  packetIndex: number;
  /** PID the PMT was carried on. */
  pid: number;
  programNumber: number;
  version: number;
  pcrPid: number;
  streams: PmtStream[];
}

export interface TsPcrEvent {
  type: 'pcr';
  packetIndex: number;
  pid: number;
  /** 33-bit PCR base (90 kHz). */
  pcr90k: number;
  /** PCR extension (27 MHz remainder, 0..299). */
  pcrExt: number;
}

export interface TsPesEvent {
  type: 'pes';
  /** Index of the packet that started this PES. */
  packetIndex: number;
  pid: number;
  /** stream_type from the PMT. */
  streamType: number;
  streamId: number;
  /** 33-bit PTS (wraps at 2^33), or undefined when the PES has none. */
  pts90k: number | undefined;
  /** 33-bit DTS; the PTS when the PES has no separate DTS. */
  dts90k: number | undefined;
  /** The elementary stream bytes (owned by the event). */
  data: Uint8Array;
  /** random_access_indicator of the first packet. */
  randomAccess: boolean;
}

export interface TsErrorEvent {
  type: 'error';
  packetIndex: number;
  error: TsError;
}

export type TsEvent = TsPatEvent | TsPmtEvent | TsPcrEvent | TsPesEvent | TsErrorEvent;

export interface TsDemuxerOptions {
  /** Largest PES packet kept; a bigger one is dropped with a TS_PES_TOO_LARGE error. Default 32 MiB. */
  maxPesBytes?: number;
}

interface PesState {
  packetIndex: number;
  offset: number;
  randomAccess: boolean;
  buf: Uint8Array;
  size: number;
  /** Total bytes of the PES (6 + PES_packet_length), or 0 while unknown / unbounded. */
  expected: number;
  unbounded: boolean;
}

interface PidState {
  lastCc: number;
  /** PES reassembly in progress (elementary stream PIDs). */
  pes: PesState | undefined;
  /** PSI section reassembly in progress. */
  section: Uint8Array | undefined;
  sectionSize: number;
}

const DEFAULT_MAX_PES = 32 * 1024 * 1024;

export class TsDemuxer {
  private readonly maxPesBytes: number;
  /** Bytes of a packet split across push() calls (starts with 0x47). */
  private readonly partial = new Uint8Array(TS_PACKET_SIZE);
  private partialSize = 0;
  private inSync = true;
  private packetIndex = 0;
  /** Bytes consumed before the current push() chunk. */
  private bytesBefore = 0;
  /** Stream offset of the packet being parsed. */
  private packetStart = 0;
  private readonly pids = new Map<number, PidState>();
  private readonly pmtPids = new Set<number>();
  /** Elementary PID -> stream_type, from the PMTs. */
  private readonly streams = new Map<number, number>();
  /** PMT PID -> the elementary PIDs its last PMT named. */
  private readonly programPids = new Map<number, number[]>();
  private events: TsEvent[] = [];

  constructor(options: TsDemuxerOptions = {}) {
    this.maxPesBytes = options.maxPesBytes ?? DEFAULT_MAX_PES;
  }

  /** The elementary streams known from the PMTs so far: PID → stream_type. */
  get elementaryStreams(): ReadonlyMap<number, number> {
    return this.streams;
  }

  /** Consumes `bytes` (any chunking) and returns the events completed by them. Never throws. */
  push(bytes: Uint8Array): TsEvent[] {
    this.events = [];
    let pos = 0;
    if (this.partialSize > 0) {
      // The kept bytes plus the head of this chunk: enough to decide every position of the kept part.
      const carried = this.partialSize;
      const head = bytes.subarray(0, Math.min(bytes.length, 2 * TS_PACKET_SIZE));
      const joined = new Uint8Array(carried + head.length);
      joined.set(this.partial.subarray(0, carried));
      joined.set(head, carried);
      this.partialSize = 0;
      const end = this.scan(joined, 0, carried, this.bytesBefore - carried);
      if (end < 0) {
        this.bytesBefore += bytes.length;
        return this.events;
      }
      pos = end - carried;
    }
    this.scan(bytes, pos, bytes.length, this.bytesBefore);
    this.bytesBefore += bytes.length;
    return this.events;
  }

  /**
   * Reads packets from `b` at positions `pos` to `limit` (`base` is the stream offset of b[0]). A sync
   * byte is believed while in sync, else only when another follows one packet later, so a resync needs
   * that next byte: a position whose decision needs bytes past `b` is kept in `partial` and -1 is
   * returned (push() joins two packets of the next chunk to the kept bytes, so that only happens at the
   * end of the input so far). Otherwise returns the first position >= limit. This makes the events the
   * same for any chunking of the input.
   */
  private scan(b: Uint8Array, pos: number, limit: number, base: number): number {
    while (pos < limit) {
      if (b[pos] === TS_SYNC_BYTE) {
        const next = pos + TS_PACKET_SIZE;
        if (!this.inSync && next >= b.length) return this.keep(b, pos);
        if (this.inSync || b[next] === TS_SYNC_BYTE) {
          this.inSync = true;
          if (next > b.length) return this.keep(b, pos);
          this.packetStart = base + pos;
          this.packet(b.subarray(pos, next));
          pos = next;
          continue;
        }
      }
      if (this.inSync) {
        this.inSync = false;
        this.error(
          new TsError(
            'TS_LOST_SYNC',
            `expected sync byte 0x47 at offset ${base + pos} (packet ${this.packetIndex}), found 0x${b[pos]!.toString(16).padStart(2, '0')}; skipping to the next sync byte`,
            { offset: base + pos, packetIndex: this.packetIndex, field: 'sync_byte' },
          ),
        );
      }
      pos++;
    }
    return pos;
  }

  /** Keeps b[pos..] (at most one packet, starting with a sync byte) for the next push or flush. */
  private keep(b: Uint8Array, pos: number): number {
    this.partial.set(b.subarray(pos), 0);
    this.partialSize = b.length - pos;
    return -1;
  }

  /**
   * Ends the input: emits PES packets still being assembled and reports a trailing partial packet.
   * The PAT/PMT knowledge and continuity counters are kept, so pushing may continue afterwards.
   */
  flush(): TsEvent[] {
    this.events = [];
    if (this.partialSize === TS_PACKET_SIZE) {
      // A whole packet after lost sync, with nothing after it to confirm it: the input's end does.
      this.partialSize = 0;
      this.inSync = true;
      this.packetStart = this.bytesBefore - TS_PACKET_SIZE;
      this.packet(this.partial.slice());
    } else if (this.partialSize > 0) {
      this.error(
        new TsError(
          'TS_TRUNCATED',
          `input ended ${this.partialSize} bytes into packet ${this.packetIndex}, expected ${TS_PACKET_SIZE}`,
          { offset: this.bytesBefore - this.partialSize, packetIndex: this.packetIndex },
        ),
      );
      this.partialSize = 0;
    }
    for (const [pid, st] of this.pids) {
      if (st.pes !== undefined) this.finishPes(pid, st);
      st.section = undefined;
    }
    return this.events;
  }

  private error(error: TsError): void {
    this.events.push({ type: 'error', packetIndex: error.packetIndex ?? this.packetIndex, error });
  }

  private fail(code: TsError['code'], message: string, pid?: number): void {
    const index = this.packetIndex;
    this.error(
      new TsError(
        code,
        `packet ${index}${pid === undefined ? '' : ` (PID 0x${pid.toString(16)})`}: ${message}`,
        {
          packetIndex: index,
          pid,
          offset: this.packetStart,
        },
      ),
    );
  }

  private state(pid: number): PidState {
    let st = this.pids.get(pid);
    if (st === undefined) {
      st = { lastCc: -1, pes: undefined, section: undefined, sectionSize: 0 };
      this.pids.set(pid, st);
    }
    return st;
  }

  private packet(p: Uint8Array): void {
    try {
      this.parsePacket(p);
    } catch (e) {
      if (!(e instanceof TsError)) throw e;
      const pid = ((p[1]! & 0x1f) << 8) | p[2]!;
      this.error(
        e.packetIndex === undefined
          ? new TsError(e.code, `packet ${this.packetIndex} (PID 0x${pid.toString(16)}): ${e.message}`, {
              packetIndex: this.packetIndex,
              pid,
              field: e.field,
              offset: this.packetStart,
            })
          : e,
      );
    }
    this.packetIndex++;
  }

  private parsePacket(p: Uint8Array): void {
    const b1 = p[1]!;
    const pid = ((b1 & 0x1f) << 8) | p[2]!;
    if (b1 & 0x80) {
      this.fail('TS_TRANSPORT_ERROR', 'transport_error_indicator is set; packet dropped', pid);
      return;
    }
    if (pid === Pid.NULL) return;
    const pusi = (b1 & 0x40) !== 0;
    const afc = (p[3]! >>> 4) & 0x03;
    const cc = p[3]! & 0x0f;
    if (afc === 0) {
      this.fail('TS_BAD_PACKET', 'adaptation_field_control is 00 (reserved); packet dropped', pid);
      return;
    }
    let off = 4;
    let randomAccess = false;
    let discontinuity = false;
    if (afc & 0x02) {
      const afLen = p[4]!;
      const max = afc === 0x03 ? 182 : 183;
      if (afLen > max) {
        this.fail('TS_BAD_PACKET', `adaptation_field_length ${afLen} exceeds ${max}; packet dropped`, pid);
        return;
      }
      if (afLen > 0) {
        const flags = p[5]!;
        discontinuity = (flags & 0x80) !== 0;
        randomAccess = (flags & 0x40) !== 0;
        if (flags & 0x10) {
          if (afLen < 7) {
            this.fail('TS_BAD_PACKET', `PCR_flag set but adaptation_field_length is only ${afLen}`, pid);
          } else {
            const { base90k, ext } = readPcr(p, 6);
            this.events.push({
              type: 'pcr',
              packetIndex: this.packetIndex,
              pid,
              pcr90k: base90k,
              pcrExt: ext,
            });
          }
        }
      }
      off = 5 + afLen;
    }
    if ((afc & 0x01) === 0) return; // no payload: the continuity counter does not advance
    const st = this.state(pid);
    if (st.lastCc >= 0 && !discontinuity) {
      if (cc === st.lastCc) return; // a duplicate packet (2.4.3.3): its payload was already taken
      const expected = (st.lastCc + 1) & 0x0f;
      if (cc !== expected) {
        const lost = st.pes !== undefined ? '; the PES in progress was dropped' : '';
        this.fail('TS_CONTINUITY', `continuity_counter ${cc}, expected ${expected}${lost}`, pid);
        st.pes = undefined;
        st.section = undefined;
      }
    }
    st.lastCc = cc;
    const payload = p.subarray(off);
    if (pid === Pid.PAT || this.pmtPids.has(pid)) {
      this.psiPayload(pid, st, payload, pusi);
    } else if (this.streams.has(pid)) {
      this.pesPayload(pid, st, payload, pusi, randomAccess);
    }
  }

  // ---- PES -------------------------------------------------------------------------------------------

  private pesPayload(
    pid: number,
    st: PidState,
    payload: Uint8Array,
    pusi: boolean,
    randomAccess: boolean,
  ): void {
    if (pusi) {
      if (st.pes !== undefined) this.finishPes(pid, st);
      // When the first packet shows PES_packet_length, allocate exactly; else start at 64 KiB and grow.
      const declared = payload.length >= 6 ? (payload[4]! << 8) | payload[5]! : 0;
      st.pes = {
        packetIndex: this.packetIndex,
        offset: this.packetStart,
        randomAccess,
        buf: new Uint8Array(declared > 0 ? 6 + declared : Math.max(payload.length, 65536)),
        size: 0,
        expected: 0,
        unbounded: false,
      };
    }
    const pes = st.pes;
    if (pes === undefined) return; // joined in the middle of a PES: wait for its next start
    if (pes.expected > 0) {
      const room = pes.expected - pes.size;
      if (payload.length > room) payload = payload.subarray(0, room);
    }
    if (pes.size + payload.length > pes.buf.length) {
      const needed = pes.size + payload.length;
      if (needed > this.maxPesBytes) {
        this.fail('TS_PES_TOO_LARGE', `PES grew past ${this.maxPesBytes} bytes; dropped`, pid);
        st.pes = undefined;
        return;
      }
      const grown = new Uint8Array(Math.min(this.maxPesBytes, Math.max(needed, pes.buf.length * 2)));
      grown.set(pes.buf.subarray(0, pes.size));
      pes.buf = grown;
    }
    pes.buf.set(payload, pes.size);
    pes.size += payload.length;
    if (pes.expected === 0 && !pes.unbounded && pes.size >= 6) {
      const declared = (pes.buf[4]! << 8) | pes.buf[5]!;
      if (declared === 0) {
        pes.unbounded = true;
      } else {
        pes.expected = 6 + declared;
        if (pes.size > pes.expected) pes.size = pes.expected;
        if (pes.buf.length < pes.expected) {
          const exact = new Uint8Array(pes.expected);
          exact.set(pes.buf.subarray(0, pes.size));
          pes.buf = exact;
        }
      }
    }
    if (pes.expected > 0 && pes.size === pes.expected) this.finishPes(pid, st);
  }

  private finishPes(pid: number, st: PidState): void {
    const pes = st.pes!;
    st.pes = undefined;
    const bytes = pes.buf.subarray(0, pes.size);
    let parsed: ReturnType<typeof parsePes>;
    try {
      parsed = parsePes(bytes);
    } catch (e) {
      if (!(e instanceof TsError)) throw e;
      this.error(
        new TsError(
          e.code,
          `PES starting at packet ${pes.packetIndex} (PID 0x${pid.toString(16)}): ${e.message}`,
          {
            packetIndex: pes.packetIndex,
            pid,
            field: e.field,
            offset: pes.offset,
          },
        ),
      );
      return;
    }
    this.events.push({
      type: 'pes',
      packetIndex: pes.packetIndex,
      pid,
      streamType: this.streams.get(pid) ?? 0,
      streamId: parsed.streamId,
      pts90k: parsed.pts90k,
      dts90k: parsed.dts90k,
      data: parsed.data,
      randomAccess: pes.randomAccess,
    });
  }

  // ---- PSI -------------------------------------------------------------------------------------------

  private psiPayload(pid: number, st: PidState, payload: Uint8Array, pusi: boolean): void {
    let p = 0;
    if (pusi) {
      const pointer = payload[0]!;
      p = 1;
      if (1 + pointer > payload.length) {
        this.fail('TS_BAD_SECTION', `pointer_field ${pointer} points past the packet`, pid);
        st.section = undefined;
        return;
      }
      // Bytes before the pointer end the section in progress.
      if (st.section !== undefined) this.sectionBytes(pid, st, payload.subarray(1, 1 + pointer));
      st.section = undefined;
      p = 1 + pointer;
    } else if (st.section === undefined) {
      return; // continuation of a section whose start we did not see
    } else {
      this.sectionBytes(pid, st, payload);
      return;
    }
    // One or more sections start here; 0xFF as table_id means stuffing to the end of the packet.
    while (p < payload.length && payload[p] !== 0xff) {
      st.section = new Uint8Array(3 + MAX_PSI_SECTION_LENGTH);
      st.sectionSize = 0;
      p += this.sectionBytes(pid, st, payload.subarray(p));
      if (st.section !== undefined) break; // incomplete: continues in the next packet
    }
  }

  /** Appends to the section in progress; returns the bytes used. Completes the section when it can. */
  private sectionBytes(pid: number, st: PidState, bytes: Uint8Array): number {
    const sec = st.section!;
    let total = st.sectionSize >= 3 ? 3 + (((sec[1]! & 0x0f) << 8) | sec[2]!) : 0;
    let used = 0;
    while (used < bytes.length) {
      const want = total > 0 ? total - st.sectionSize : 3 - st.sectionSize;
      const take = Math.min(want, bytes.length - used);
      sec.set(bytes.subarray(used, used + take), st.sectionSize);
      st.sectionSize += take;
      used += take;
      if (total === 0 && st.sectionSize === 3) {
        const sectionLength = ((sec[1]! & 0x0f) << 8) | sec[2]!;
        if (sectionLength > MAX_PSI_SECTION_LENGTH) {
          this.fail(
            'TS_BAD_SECTION',
            `section_length ${sectionLength} exceeds ${MAX_PSI_SECTION_LENGTH}`,
            pid,
          );
          st.section = undefined;
          return bytes.length;
        }
        total = 3 + sectionLength;
      }
      if (total > 0 && st.sectionSize === total) {
        st.section = undefined;
        this.section(pid, sec.subarray(0, total));
        return used;
      }
    }
    return used;
  }

  private section(pid: number, s: Uint8Array): void {
    if ((s[5]! & 0x01) === 0) return; // current_next_indicator 0: not yet applicable
    if (pid === Pid.PAT) {
      if (s[0] !== 0x00) return; // other tables on PID 0 are not ours to read
      const pat = parsePatSection(s);
      this.pmtPids.clear();
      for (const prog of pat.programs) if (prog.programNumber !== 0) this.pmtPids.add(prog.pmtPid);
      this.events.push({ type: 'pat', packetIndex: this.packetIndex, ...pat });
      return;
    }
    if (s[0] !== 0x02) return;
    const pmt = parsePmtSection(s);
    const streams = pmt.streams.map((st) => ({ ...st, esInfo: st.esInfo.slice() }));
    // A new PMT version replaces the program's stream list: forget PIDs it no longer names.
    for (const old of this.programPids.get(pid) ?? []) {
      if (!streams.some((st) => st.pid === old)) {
        this.streams.delete(old);
        const st = this.pids.get(old);
        if (st !== undefined) st.pes = undefined;
      }
    }
    this.programPids.set(
      pid,
      streams.map((st) => st.pid),
    );
    for (const st of streams) this.streams.set(st.pid, st.streamType);
    this.events.push({ type: 'pmt', packetIndex: this.packetIndex, pid, ...pmt, streams });
  }
}
