/**
 * The one error base of every @livego package. `code` is stable and machine-readable
 * (`'AMF_TRUNCATED'`, `'RTMP_CHUNK_TOO_LARGE'`); `offset` and `field` say where.
 */
export interface ErrorContext {
  /** Byte offset in the input where the problem was found. */
  offset?: number;
  /** The field or element being read or written. */
  field?: string;
  cause?: unknown;
}

export class LivegoError extends Error {
  readonly code: string;
  readonly offset: number | undefined;
  readonly field: string | undefined;

  constructor(code: string, message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = 'LivegoError';
    this.code = code;
    this.offset = context.offset;
    this.field = context.field;
  }
}

export type AmfErrorCode =
  | 'AMF_TRUNCATED'
  | 'AMF_UNKNOWN_MARKER'
  | 'AMF_BAD_REFERENCE'
  | 'AMF_TOO_DEEP'
  | 'AMF_TOO_LARGE'
  | 'AMF_TOO_MANY_ELEMENTS'
  | 'AMF_EXTERNALIZABLE'
  | 'AMF_BAD_VALUE'
  | 'AMF_UNENCODABLE'
  | 'AMF_UNEXPECTED_OBJECT_END'
  | 'AMF_TRAILING_DATA';

export class AmfError extends LivegoError {
  declare readonly code: AmfErrorCode;

  constructor(code: AmfErrorCode, message: string, context: ErrorContext = {}) {
    super(code, message, context);
    this.name = 'AmfError';
  }
}

/** A ByteReader truncation factory that throws AMF_TRUNCATED. */
export function amfTruncated(message: string, offset: number, field: string | undefined): AmfError {
  return new AmfError('AMF_TRUNCATED', message, { offset, field });
}
