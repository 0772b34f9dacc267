export type { TruncatedErrorFactory } from './byte-reader.js';
export { ByteReader } from './byte-reader.js';
export { ByteWriter } from './byte-writer.js';
export type { AmfErrorCode, ErrorContext } from './errors.js';
export { AmfError, LivegoError } from './errors.js';
export { utf8Decode, utf8Encode } from './utf8.js';
