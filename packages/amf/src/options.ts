/** Decoder limits. Every limit has an error code, so hostile input never becomes an out-of-memory. */
export interface AmfDecodeOptions {
  /** Deepest nesting of objects/arrays; deeper is AMF_TOO_DEEP. Default 64. */
  maxDepth?: number;
  /** Largest string/XML/byte-array byte length and array/vector/dictionary count; larger is AMF_TOO_LARGE. Default 16 MiB. */
  maxLength?: number;
  /**
   * Most values inside containers over one decode call (object and ECMA-array properties, array,
   * vector and dictionary entries, AMF3 members); more is AMF_TOO_MANY_ELEMENTS. A declared count
   * above what is left is refused before any entry is read. Default 65536.
   */
  maxElements?: number;
}

export interface AmfEncodeOptions {
  /** Deepest nesting written; deeper is AMF_TOO_DEEP. Default 64. */
  maxDepth?: number;
  /**
   * AMF0 only: write a reference (0x07) for an object met again in the same message (this also makes
   * cycles encodable). Off by default: ffmpeg and many other peers do not read references, so a repeated
   * object is written in full and a cycle is an AMF_UNENCODABLE error. AMF3 always uses its references.
   */
  references?: boolean;
}

export const DEFAULT_MAX_DEPTH = 64;
export const DEFAULT_MAX_LENGTH = 16 * 1024 * 1024;
export const DEFAULT_MAX_ELEMENTS = 65536;

export interface ResolvedDecodeOptions {
  maxDepth: number;
  maxLength: number;
  maxElements: number;
}

export function resolveDecodeOptions(o: AmfDecodeOptions | undefined): ResolvedDecodeOptions {
  return {
    maxDepth: o?.maxDepth ?? DEFAULT_MAX_DEPTH,
    maxLength: o?.maxLength ?? DEFAULT_MAX_LENGTH,
    maxElements: o?.maxElements ?? DEFAULT_MAX_ELEMENTS,
  };
}
