export type {
  AacSbrSignalling,
  AdtsHeader,
  AdtsHeaderInput,
  AudioSpecificConfig,
  AudioSpecificConfigInput,
} from './aac.js';
export {
  AAC_SAMPLE_RATES,
  AacObjectType,
  audioSpecificConfigFromAdts,
  buildAdtsHeader,
  buildAudioSpecificConfig,
  parseAdtsHeader,
  parseAudioSpecificConfig,
} from './aac.js';
export type { AvcConfigInput, AvcDecoderConfig } from './avc-config.js';
export {
  buildAvcDecoderConfigurationRecord,
  isH264ParameterSet,
  parseAvcDecoderConfigurationRecord,
} from './avc-config.js';
export { BitReader, BitWriter } from './bit-reader.js';
export type { CodecErrorCode, CodecErrorContext } from './errors.js';
export { CodecError } from './errors.js';
export type { H264NalTypeValue, H264Sps } from './h264.js';
export { H264NalType, h264CodecString, h264NalType, isH264Keyframe, parseH264Sps } from './h264.js';
export type { H265NalTypeValue, H265Pps, H265ProfileTierLevel, H265Sps, H265Vps } from './h265.js';
export {
  H265NalType,
  h265CodecString,
  h265NalType,
  isH265Keyframe,
  parseH265Pps,
  parseH265Sps,
  parseH265Vps,
} from './h265.js';
export type { HevcConfigInput, HevcDecoderConfig, HevcNalArray } from './hevc-config.js';
export { buildHevcDecoderConfigurationRecord, parseHevcDecoderConfigurationRecord } from './hevc-config.js';
export type { Mp3ChannelMode, Mp3FrameHeader, MpegAudioVersion } from './mp3.js';
export { parseMp3FrameHeader } from './mp3.js';
export {
  addEmulationPrevention,
  annexBToLengthPrefixed,
  forEachLengthPrefixed,
  hasAnnexBStartCode,
  joinAnnexB,
  joinLengthPrefixed,
  lengthPrefixedToAnnexB,
  removeEmulationPrevention,
  splitAnnexB,
  splitLengthPrefixed,
  splitNalUnits,
  stripStartCode,
} from './nal.js';
