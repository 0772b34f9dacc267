/**
 * MPEG-TS muxer for one program (ISO/IEC 13818-1 2.4: PAT/PMT 2.4.4, PES 2.4.3.6, adaptation field and
 * PCR 2.4.3.4) carrying H.264/H.265 (Annex B with AUD, ITU-T H.222.0 amendments for AVC/HEVC) and AAC in
 * ADTS (ISO/IEC 13818-7 6.2) or MP3, as HLS segments need it (RFC 8216 3.2). Input is what RTMP/FLV
 * carries: length-prefixed NAL units, raw AAC frames, millisecond timestamps. Every call returns whole
 * 188-byte packets in one exactly sized Uint8Array.
 */
import {
  type AdtsHeaderInput,
  buildAdtsHeader,
  CodecError,
  H264NalType,
  H265NalType,
  hasAnnexBStartCode,
  parseAvcDecoderConfigurationRecord,
  parseHevcDecoderConfigurationRecord,
  parseMp3FrameHeader,
  splitAnnexB,
  splitLengthPrefixed,
} from '@livego/codecs';
import { adtsConfig, adtsFrameLength } from './adts.js';
import { Pid, PTS_HZ, StreamId, StreamType, TS_PACKET_SIZE } from './constants.js';
import { TsError } from './errors.js';
import {
  firstAdaptationBytes,
  payloadPacketCount,
  sectionPacketCount,
  writePayloadPackets,
  writePcrOnlyPacket,
  writeSectionPackets,
} from './packet.js';
import { pesHeaderLength, writePesHeader } from './pes.js';
import { buildPatSection, buildPmtSection, type PmtStream } from './psi.js';
import { MsTimeline } from './timestamp.js';

export type VideoCodec = 'h264' | 'h265';

export interface VideoTrackConfig {
  codec: VideoCodec;
  /** The decoder configuration record: avcC for H.264, hvcC for H.265 (FLV/RTMP sequence header body). */
  config?: Uint8Array;
}

export type AudioTrackConfig =
  | {
      codec: 'aac';
      /** AudioSpecificConfig (FLV/RTMP AAC sequence header body). */
      config?: Uint8Array;
    }
  | {
      codec: 'mp3';
      /** Sample rate, when known before the first frame: below 32 kHz means MPEG-2 audio (stream type 0x04). */
      sampleRate?: number;
    };

export interface TsMuxerOptions {
  video?: VideoTrackConfig;
  audio?: AudioTrackConfig;
}

export interface VideoFrame {
  /** Decoding time, RTMP milliseconds (unsigned 32-bit, may wrap). */
  dtsMs: number;
  /** Presentation time in ms; or give `compositionTimeMs` (PTS − DTS, the FLV CompositionTime). */
  ptsMs?: number;
  compositionTimeMs?: number;
  /** A key frame (FLV frame type 1): random_access_indicator, and parameter sets are put in front. */
  keyframe: boolean;
  /** One access unit: NAL units with length prefixes as in FLV/RTMP (Annex B input is accepted too). */
  data: Uint8Array;
}

export interface AudioFrame {
  /** Presentation time, RTMP milliseconds. */
  ptsMs: number;
  /** One raw AAC frame (no ADTS header), or one or more MP3 frames. */
  data: Uint8Array;
}

/** PCR-only packets are inserted on the PCR PID when this much time passed since the last PCR (50 ms). */
const PCR_REFRESH_90K = 0.05 * PTS_HZ;
const START_CODE = new Uint8Array([0, 0, 0, 1]);
const PAT_SECTION = /* @__PURE__ */ buildPatSection({
  transportStreamId: 1,
  version: 0,
  programs: [{ programNumber: 1, pmtPid: Pid.PMT }],
});
const H264_AUD = new Uint8Array([0, 0, 0, 1, 0x09, 0xf0]); // primary_pic_type 7: any slice type
const H265_AUD = new Uint8Array([0, 0, 0, 1, 0x46, 0x01, 0x50]); // type 35, pic_type 2: any slice type

interface VideoState {
  codec: VideoCodec;
  streamType: number;
  nalLengthSize: number;
  /** VPS/SPS/PPS NAL units (no start codes) put before every key frame. */
  parameterSets: Uint8Array[];
}

type AudioState =
  | { codec: 'aac'; streamType: number; adts: AdtsHeaderInput | undefined }
  | { codec: 'mp3'; streamType: number };

/**
 * Muxes one program with at most one video and one audio stream into MPEG-TS.
 *
 * - PIDs: PAT 0x0000, PMT 0x1001, video 0x0100, audio 0x0101; program 1, transport_stream_id 1.
 * - PAT and PMT go out before the first PES and again after every track change (PMT version + 1);
 *   `writeTables()` writes them on demand (at every segment start). Continuity counters always continue.
 * - Timestamps: RTMP ms are put on one unwrapped timeline (see `MsTimeline`: a 2^32 ms input wrap
 *   continues it) and × 90 gives the 90 kHz PTS/DTS, written modulo 2^33, so the 33-bit wrap is the
 *   ordinary one every demuxer handles. No re-basing: PTS = ms × 90 as in livego.
 * - PCR (base only, extension 0) = the DTS of the PES it precedes, never decreasing. The PCR PID is the
 *   video PID, or the audio PID in audio-only programs. Every PES of the PCR PID carries a PCR in its first
 *   packet; before a PES of the other PID, a PCR-only packet is put on the PCR PID when ≥ 50 ms passed
 *   since the last PCR. So PCRs are at most 50 ms + the longest gap between input frames apart.
 * - Audio: one PES per `writeAudio` call (one AAC frame, in ADTS). No buffering, so a segment cut is
 *   exact and nothing needs flushing; the cost is one PES header and one stuffed packet per frame.
 */
export class TsMuxer {
  private video: VideoState | undefined;
  private audio: AudioState | undefined;
  private readonly timeline = new MsTimeline();
  private ccPat = 0;
  private ccPmt = 0;
  private ccVideo = 0;
  private ccAudio = 0;
  private pmtVersion = 0;
  private tablesDue = true;
  /** The current PMT section, rebuilt after a track change. */
  private pmtSection: Uint8Array | undefined;
  /** Last PCR written, on the unwrapped 90 kHz timeline; -Infinity before the first. */
  private lastPcr90k = Number.NEGATIVE_INFINITY;

  constructor(options: TsMuxerOptions = {}) {
    if (options.video !== undefined) this.video = this.makeVideo(options.video);
    if (options.audio !== undefined) this.audio = this.makeAudio(options.audio);
  }

  /** The PID that carries the PCR: video if there is a video track, else audio, else none (0x1FFF). */
  get pcrPid(): number {
    if (this.video !== undefined) return Pid.VIDEO;
    return this.audio !== undefined ? Pid.AUDIO : Pid.NULL;
  }

  /** The PMT's streams as they are now. */
  get streams(): PmtStream[] {
    const streams: PmtStream[] = [];
    if (this.video !== undefined)
      streams.push({ streamType: this.video.streamType, pid: Pid.VIDEO, esInfo: new Uint8Array(0) });
    if (this.audio !== undefined)
      streams.push({ streamType: this.audio.streamType, pid: Pid.AUDIO, esInfo: new Uint8Array(0) });
    return streams;
  }

  /**
   * Sets or replaces the video track's decoder configuration: an avcC/hvcC record for the current codec,
   * or a whole track config (which may add the track or change its codec; the PMT then changes).
   */
  setVideoConfig(config: Uint8Array | VideoTrackConfig): void {
    if (config instanceof Uint8Array) {
      if (this.video === undefined)
        throw new TypeError('setVideoConfig(bytes): no video track; pass { codec, config }');
      this.video = this.makeVideo({ codec: this.video.codec, config });
      return;
    }
    const before = this.video?.streamType;
    this.video = this.makeVideo(config);
    if (before !== this.video.streamType) this.tablesChanged();
  }

  /** Sets or replaces the audio track's configuration: an AudioSpecificConfig for AAC, or a whole track config. */
  setAudioConfig(config: Uint8Array | AudioTrackConfig): void {
    if (config instanceof Uint8Array) {
      if (this.audio?.codec !== 'aac')
        throw new TypeError('setAudioConfig(bytes): no AAC audio track; pass { codec, config }');
      this.audio = this.makeAudio({ codec: 'aac', config });
      return;
    }
    const before = this.audio?.streamType;
    this.audio = this.makeAudio(config);
    if (before !== this.audio.streamType) this.tablesChanged();
  }

  /** PAT and PMT packets (call at the start of every segment). Continuity counters continue. */
  writeTables(): Uint8Array {
    const out = new Uint8Array(this.tablesSize());
    this.writeTablesAt(out, 0);
    return out;
  }

  /**
   * One video access unit as TS packets: AUD, then (on key frames and IDR/IRAP pictures, unless the
   * frame carries its own) the parameter sets, then the frame's NAL units, each after a 4-byte start code.
   * Throws TsError TS_BAD_NALU when the NAL unit lengths do not add up; the muxer state is then unchanged.
   * A frame without NAL units gives no packets (an empty array). A negative composition time (PTS before
   * DTS, which no decoder accepts) is written as PTS = DTS.
   */
  writeVideo(frame: VideoFrame): Uint8Array {
    const v = this.video;
    if (v === undefined) throw new TypeError('writeVideo: the muxer has no video track');
    const pieces = this.annexB(v, frame);
    if (pieces === undefined) return new Uint8Array(0);
    let length = 0;
    for (const p of pieces) length += p.length;

    const dtsMs = this.timeline.unwrap(frame.dtsMs);
    const ctsMs =
      frame.ptsMs !== undefined
        ? (Math.round(frame.ptsMs) - Math.round(frame.dtsMs)) | 0
        : (frame.compositionTimeMs ?? 0);
    const dts90k = Math.round(dtsMs * 90);
    const pts90k = Math.round((dtsMs + Math.max(0, ctsMs)) * 90);
    return this.writePes(
      Pid.VIDEO,
      StreamId.VIDEO,
      pieces,
      length,
      pts90k,
      pts90k === dts90k ? undefined : dts90k,
      frame.keyframe,
    );
  }

  /** One audio frame as TS packets (AAC gets its ADTS header here). Throws TsError TS_BAD_AUDIO without an ASC. */
  writeAudio(frame: AudioFrame): Uint8Array {
    const a = this.audio;
    if (a === undefined) throw new TypeError('writeAudio: the muxer has no audio track');
    const data = frame.data;
    let pieces: Uint8Array[];
    if (a.codec === 'aac') {
      if (isAdts(data)) {
        pieces = [data]; // already framed (some encoders send ADTS over RTMP)
      } else {
        if (a.adts === undefined) {
          throw new TsError(
            'TS_BAD_AUDIO',
            'AAC frame before any AudioSpecificConfig: cannot build its ADTS header',
            {
              field: 'AudioSpecificConfig',
            },
          );
        }
        let header: Uint8Array;
        try {
          header = buildAdtsHeader(a.adts, data.length);
        } catch (e) {
          if (!(e instanceof CodecError)) throw e;
          throw new TsError('TS_BAD_AUDIO', `AAC frame of ${data.length} bytes: ${e.message}`, {
            cause: e,
            field: e.field,
          });
        }
        pieces = [header, data];
      }
    } else {
      pieces = [data];
      this.noteMp3Version(a, data);
    }
    let length = 0;
    for (const p of pieces) length += p.length;
    const pts90k = Math.round(this.timeline.unwrap(frame.ptsMs) * 90);
    return this.writePes(Pid.AUDIO, StreamId.AUDIO, pieces, length, pts90k, undefined, true);
  }

  // ---- internals -------------------------------------------------------------------------------------

  private tablesChanged(): void {
    this.pmtVersion = (this.pmtVersion + 1) & 0x1f;
    this.pmtSection = undefined;
    this.tablesDue = true;
  }

  private pmt(): Uint8Array {
    this.pmtSection ??= buildPmtSection({
      programNumber: 1,
      version: this.pmtVersion,
      pcrPid: this.pcrPid,
      streams: this.streams,
    });
    return this.pmtSection;
  }

  private tablesSize(): number {
    return (sectionPacketCount(PAT_SECTION.length) + sectionPacketCount(this.pmt().length)) * TS_PACKET_SIZE;
  }

  private writeTablesAt(out: Uint8Array, pos: number): number {
    const pmt = this.pmt();
    pos = writeSectionPackets(out, pos, Pid.PAT, this.ccPat, PAT_SECTION);
    pos = writeSectionPackets(out, pos, Pid.PMT, this.ccPmt, pmt);
    this.ccPat = (this.ccPat + sectionPacketCount(PAT_SECTION.length)) & 0x0f;
    this.ccPmt = (this.ccPmt + sectionPacketCount(pmt.length)) & 0x0f;
    this.tablesDue = false;
    return pos;
  }

  private makeVideo(track: VideoTrackConfig): VideoState {
    if (track.codec !== 'h264' && track.codec !== 'h265') {
      throw new TypeError(`video codec must be 'h264' or 'h265', got ${String(track.codec)}`);
    }
    const streamType = track.codec === 'h264' ? StreamType.H264 : StreamType.H265;
    if (track.config === undefined)
      return { codec: track.codec, streamType, nalLengthSize: 4, parameterSets: [] };
    try {
      if (track.codec === 'h264') {
        const c = parseAvcDecoderConfigurationRecord(track.config);
        return {
          codec: 'h264',
          streamType,
          nalLengthSize: c.nalLengthSize,
          parameterSets: [...c.sps, ...c.pps].map((n) => n.slice()),
        };
      }
      const c = parseHevcDecoderConfigurationRecord(track.config);
      return {
        codec: 'h265',
        streamType,
        nalLengthSize: c.nalLengthSize,
        parameterSets: [...c.vps, ...c.sps, ...c.pps].map((n) => n.slice()),
      };
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      throw new TsError('TS_BAD_CONFIG', `${track.codec === 'h264' ? 'avcC' : 'hvcC'} record: ${e.message}`, {
        cause: e,
        offset: e.offset,
        field: e.field,
      });
    }
  }

  private makeAudio(track: AudioTrackConfig): AudioState {
    if (track.codec === 'aac') {
      return {
        codec: 'aac',
        streamType: StreamType.AAC_ADTS,
        adts: track.config === undefined ? undefined : adtsConfig(track.config),
      };
    }
    if (track.codec === 'mp3') {
      const lsf = track.sampleRate !== undefined && track.sampleRate < 32000;
      return { codec: 'mp3', streamType: lsf ? StreamType.MPEG2_AUDIO : StreamType.MPEG1_AUDIO };
    }
    throw new TypeError(
      `audio codec must be 'aac' or 'mp3', got ${String((track as { codec: unknown }).codec)}`,
    );
  }

  // MPEG-1 audio (32/44.1/48 kHz) is stream type 0x03; MPEG-2/2.5 low sample rates are 0x04.
  private noteMp3Version(a: AudioState, data: Uint8Array): void {
    let version: string;
    try {
      version = parseMp3FrameHeader(data).version;
    } catch (e) {
      if (e instanceof CodecError) return; // not a frame header we can read: keep the stream type
      throw e;
    }
    const streamType = version === '1' ? StreamType.MPEG1_AUDIO : StreamType.MPEG2_AUDIO;
    if (streamType !== a.streamType) {
      a.streamType = streamType;
      this.tablesChanged();
    }
  }

  /** The Annex B pieces of the access unit, or undefined when it has no NAL units. */
  private annexB(v: VideoState, frame: VideoFrame): Uint8Array[] | undefined {
    const data = frame.data;
    let nals: Uint8Array[];
    // 00 00 00 01 cannot begin a length-prefixed sample (a 1-byte NAL unit), so it marks Annex B input.
    const annexBInput = data.length >= 4 && data[0] === 0 && data[1] === 0 && data[2] === 0 && data[3] === 1;
    try {
      nals = annexBInput ? splitAnnexB(data) : splitLengthPrefixed(data, v.nalLengthSize);
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      if (hasAnnexBStartCode(data)) {
        nals = splitAnnexB(data);
      } else {
        throw new TsError('TS_BAD_NALU', `video frame at ${frame.dtsMs} ms: ${e.message}`, {
          cause: e,
          offset: e.offset,
          field: e.field,
        });
      }
    }
    if (nals.length === 0) return undefined;
    const h264 = v.codec === 'h264';
    let irap = false;
    let params = 0; // bit per in-band parameter set kind: 1 VPS, 2 SPS, 4 PPS
    for (const nal of nals) {
      const t = h264 ? nal[0]! & 0x1f : (nal[0]! >>> 1) & 0x3f;
      if (h264) {
        if (t === H264NalType.IDR) irap = true;
        else if (t === H264NalType.SPS) params |= 2;
        else if (t === H264NalType.PPS) params |= 4;
      } else {
        if (t >= 16 && t <= 23) irap = true;
        else if (t === H265NalType.VPS) params |= 1;
        else if (t === H265NalType.SPS) params |= 2;
        else if (t === H265NalType.PPS) params |= 4;
      }
    }
    const pieces: Uint8Array[] = [h264 ? H264_AUD : H265_AUD];
    const complete = h264 ? params === 6 : params === 7;
    if ((irap || frame.keyframe) && !complete) {
      for (const ps of v.parameterSets) pieces.push(START_CODE, ps);
    }
    const aud = h264 ? H264NalType.AUD : H265NalType.AUD;
    for (const nal of nals) {
      const t = h264 ? nal[0]! & 0x1f : (nal[0]! >>> 1) & 0x3f;
      if (t === aud) continue; // ours is already first
      pieces.push(START_CODE, nal);
    }
    return pieces;
  }

  private writePes(
    pid: number,
    streamId: number,
    pieces: Uint8Array[],
    payloadLength: number,
    pts90k: number,
    dts90k: number | undefined,
    randomAccess: boolean,
  ): Uint8Array {
    const clock90k = dts90k ?? pts90k;
    const pcrPid = this.pcrPid;
    const onPcrPid = pid === pcrPid;
    // A PCR never goes back, so a frame earlier than the last PCR repeats it.
    const pcrOnly = !onPcrPid && !(clock90k - this.lastPcr90k < PCR_REFRESH_90K);
    const pcr90k = onPcrPid || pcrOnly ? Math.max(this.lastPcr90k, clock90k) : undefined;

    const withDts = dts90k !== undefined;
    const headerLength = pesHeaderLength(withDts);
    const pesLength = headerLength + payloadLength;
    const firstAf = firstAdaptationBytes(onPcrPid, randomAccess);
    const packets = payloadPacketCount(pesLength, firstAf);

    const tables = this.tablesDue;
    const size = (tables ? this.tablesSize() : 0) + (pcrOnly ? TS_PACKET_SIZE : 0) + packets * TS_PACKET_SIZE;
    const out = new Uint8Array(size);
    let pos = tables ? this.writeTablesAt(out, 0) : 0;
    if (pcrOnly) {
      const lastCc = ((pcrPid === Pid.VIDEO ? this.ccVideo : this.ccAudio) + 15) & 0x0f;
      pos = writePcrOnlyPacket(out, pos, pcrPid, lastCc, pcr90k!);
    }
    const header = new Uint8Array(headerLength);
    writePesHeader(header, 0, streamId, payloadLength, pts90k, dts90k);
    const cc = pid === Pid.VIDEO ? this.ccVideo : this.ccAudio;
    writePayloadPackets(out, pos, {
      pid,
      cc,
      pieces: [header, ...pieces],
      length: pesLength,
      pcr90k: onPcrPid ? pcr90k : undefined,
      randomAccess,
    });
    if (pid === Pid.VIDEO) this.ccVideo = (cc + packets) & 0x0f;
    else this.ccAudio = (cc + packets) & 0x0f;
    if (pcr90k !== undefined) this.lastPcr90k = pcr90k;
    return out;
  }
}

function isAdts(d: Uint8Array): boolean {
  return d.length >= 7 && d[0] === 0xff && (d[1]! & 0xf6) === 0xf0 && adtsFrameLength(d) === d.length;
}
