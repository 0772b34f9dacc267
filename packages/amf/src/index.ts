export { Amf0Marker, Amf0Reader, Amf0Writer } from './amf0.js';
export { AMF3_INT_MAX, AMF3_INT_MIN, Amf3Marker, Amf3Reader, Amf3Writer } from './amf3.js';
export type { TruncatedErrorFactory } from './byte-reader.js';
export { ByteReader } from './byte-reader.js';
export { ByteWriter } from './byte-writer.js';
export {
  decodeAmf0,
  decodeAmf0Sequence,
  decodeAmf3,
  decodeAmf3Sequence,
  encodeAmf0,
  encodeAmf0Sequence,
  encodeAmf3,
  encodeAmf3Sequence,
} from './codec.js';
export type { AmfErrorCode, ErrorContext } from './errors.js';
export { AmfError, amfTruncated, LivegoError } from './errors.js';
export type { AmfDecodeOptions, AmfEncodeOptions } from './options.js';
export { DEFAULT_MAX_DEPTH, DEFAULT_MAX_ELEMENTS, DEFAULT_MAX_LENGTH } from './options.js';
export { utf8ByteLength, utf8Decode, utf8Encode } from './utf8.js';
export type { AmfDate, AmfObject, AmfUnsupported, AmfValue, AmfVectorType } from './values.js';
export {
  AMF_CLASS_NAME,
  AMF_DATE_TIMEZONE,
  AMF_ECMA_ARRAY,
  AMF_UNSUPPORTED,
  AmfDictionary,
  AmfVector,
  AmfXml,
  AmfXmlDocument,
  amfDate,
  ecmaArray,
  isAmfObject,
  isEcmaArray,
  typedObject,
} from './values.js';
