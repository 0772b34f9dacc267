// @livego/flv: FLV tags <-> bytes. Streaming demuxer, tag/header encoders, Enhanced RTMP headers.
export type { AudioTagHeader, AudioTagHeaderInit } from './audio.js';
export {
  audioTagHeaderLength,
  encodeAudioTagData,
  encodeAudioTagHeader,
  isAudioSequenceHeader,
  parseAudioTagHeader,
  writeAudioTagHeader,
} from './audio.js';
export type { FlvDemuxerOptions } from './demuxer.js';
export { DEFAULT_MAX_TAG_BYTES, demuxFlv, FlvDemuxer } from './demuxer.js';
export type { FlvErrorCode } from './errors.js';
export { FlvError } from './errors.js';
export type { FlvHeader } from './header.js';
export { encodeFlvHeader, FLV_HEADER_BYTES, parseFlvHeader } from './header.js';
export { FlvMuxer, muxFlv } from './muxer.js';
export type { OnMetaData, ScriptTag } from './script.js';
export {
  addSetDataFrame,
  encodeOnMetaData,
  encodeScriptTag,
  hasSetDataFrame,
  parseOnMetaData,
  parseScriptTag,
  SET_DATA_FRAME_NAME,
  stripSetDataFrame,
} from './script.js';
export type { FlvTag } from './tag.js';
export {
  AacPacketType,
  AudioFourCc,
  AudioPacketType,
  AvcPacketType,
  AvMultitrackType,
  FLV_MAX_TAG_DATA_BYTES,
  FLV_PREVIOUS_TAG_SIZE_BYTES,
  FLV_TAG_HEADER_BYTES,
  FlvTagType,
  FrameType,
  SoundFormat,
  SoundRate,
  SoundSize,
  SoundType,
  VideoCodecId,
  VideoFourCc,
  VideoPacketType,
} from './tag.js';
export type { FlvTagInit } from './tag-writer.js';
export { encodeFlvTag, flvTagSize, writeFlvTag } from './tag-writer.js';
export type { VideoTagHeader, VideoTagHeaderInit } from './video.js';
export {
  encodeVideoTagData,
  encodeVideoTagHeader,
  isVideoKeyframe,
  isVideoSequenceHeader,
  parseVideoTagHeader,
  videoTagHeaderLength,
  writeVideoTagHeader,
} from './video.js';
