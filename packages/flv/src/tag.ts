/**
 * FLV format constants and the tag type. Adobe FLV spec v10.1 annex E (E.4.1 tag header, E.4.2 audio,
 * E.4.3 video) and Enhanced RTMP v1/v2 (veovera) for ExVideoTagHeader / ExAudioTagHeader.
 */

export const FlvTagType = {
  AUDIO: 0x08,
  VIDEO: 0x09,
  SCRIPT: 0x12,
} as const;
export type FlvTagType = (typeof FlvTagType)[keyof typeof FlvTagType];

/** Bytes of a tag header (type, DataSize, Timestamp, TimestampExtended, StreamID). */
export const FLV_TAG_HEADER_BYTES = 11;
/** Bytes of the PreviousTagSize field after each tag. */
export const FLV_PREVIOUS_TAG_SIZE_BYTES = 4;
/** Largest DataSize a tag header can express (UI24). */
export const FLV_MAX_TAG_DATA_BYTES = 0xffffff;

export interface FlvTag {
  /** 8 audio, 9 video, 18 script data (other values are rejected by the demuxer). */
  type: FlvTagType;
  /** 32-bit decode timestamp: the 24-bit field plus TimestampExtended as the high byte. */
  timestampMs: number;
  /** Always 0 in conforming files; kept as read. */
  streamId: number;
  /** The tag body (audio/video/script header + payload). */
  data: Uint8Array;
  /** Absolute offset of the tag header in the stream (or of the tag in the buffer it was read from). */
  offset: number;
}

/** SoundFormat, the high nibble of the first audio byte (E.4.2.1). 9 is Enhanced RTMP's ExHeader. */
export const SoundFormat = {
  LINEAR_PCM_PLATFORM_ENDIAN: 0,
  ADPCM: 1,
  MP3: 2,
  LINEAR_PCM_LITTLE_ENDIAN: 3,
  NELLYMOSER_16KHZ_MONO: 4,
  NELLYMOSER_8KHZ_MONO: 5,
  NELLYMOSER: 6,
  G711_A_LAW: 7,
  G711_MU_LAW: 8,
  EX_HEADER: 9,
  AAC: 10,
  SPEEX: 11,
  MP3_8KHZ: 14,
  DEVICE_SPECIFIC: 15,
} as const;

/** SoundRate (2 bits). AAC always says 3 (44 kHz); the real rate is in the AudioSpecificConfig. */
export const SoundRate = { KHZ_5_5: 0, KHZ_11: 1, KHZ_22: 2, KHZ_44: 3 } as const;
/** SoundSize (1 bit): 0 = 8-bit samples, 1 = 16-bit. */
export const SoundSize = { BITS_8: 0, BITS_16: 1 } as const;
/** SoundType (1 bit): 0 = mono, 1 = stereo. */
export const SoundType = { MONO: 0, STEREO: 1 } as const;

export const AacPacketType = { SEQUENCE_HEADER: 0, RAW: 1 } as const;

/** Enhanced RTMP v2 AudioPacketType (low nibble when SoundFormat is 9). */
export const AudioPacketType = {
  SEQUENCE_START: 0,
  CODED_FRAMES: 1,
  SEQUENCE_END: 2,
  MULTICHANNEL_CONFIG: 4,
  MULTITRACK: 5,
  MOD_EX: 7,
} as const;

/** Enhanced RTMP v2 audio FourCCs. */
export const AudioFourCc = {
  AC3: 'ac-3',
  EAC3: 'ec-3',
  OPUS: 'Opus',
  MP3: '.mp3',
  FLAC: 'fLaC',
  AAC: 'mp4a',
} as const;

/** CodecID, the low nibble of the first legacy video byte (E.4.3.1). 12 is the common HEVC extension. */
export const VideoCodecId = {
  JPEG: 1,
  SORENSON_H263: 2,
  SCREEN_VIDEO: 3,
  VP6: 4,
  VP6_ALPHA: 5,
  SCREEN_VIDEO_V2: 6,
  AVC: 7,
  /** Not in the Adobe spec; sent by Chinese CDNs and many servers for H.265 before Enhanced RTMP. */
  HEVC: 12,
} as const;

/** FrameType: legacy high nibble; Enhanced RTMP uses the 3 bits below the ExHeader flag. */
export const FrameType = {
  KEY: 1,
  INTER: 2,
  DISPOSABLE_INTER: 3,
  GENERATED_KEY: 4,
  /** Video info/command frame: the body is one command byte, not a picture. */
  COMMAND: 5,
} as const;

export const AvcPacketType = { SEQUENCE_HEADER: 0, NALU: 1, END_OF_SEQUENCE: 2 } as const;

/** Enhanced RTMP VideoPacketType (low nibble when the ExHeader bit 0x80 is set). 6 and 7 are v2. */
export const VideoPacketType = {
  SEQUENCE_START: 0,
  CODED_FRAMES: 1,
  SEQUENCE_END: 2,
  /** CodedFrames without the composition time field (it is 0). */
  CODED_FRAMES_X: 3,
  METADATA: 4,
  MPEG2TS_SEQUENCE_START: 5,
  MULTITRACK: 6,
  MOD_EX: 7,
} as const;

export const VideoFourCc = {
  AV1: 'av01',
  VP9: 'vp09',
  VP8: 'vp08',
  HEVC: 'hvc1',
  AVC: 'avc1',
} as const;

/** Enhanced RTMP v2 AvMultitrackType (high nibble of the byte after a Multitrack packet type). */
export const AvMultitrackType = {
  ONE_TRACK: 0,
  MANY_TRACKS: 1,
  MANY_TRACKS_MANY_CODECS: 2,
} as const;
