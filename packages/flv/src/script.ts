/**
 * Script data tags (Adobe FLV spec v10.1 E.4.4: SCRIPTDATA, an AMF0 name then values) and onMetaData
 * (E.5). RTMP publishers send `@setDataFrame, onMetaData, {...}`; FLV files carry `onMetaData, {...}`.
 */
import {
  type AmfDecodeOptions,
  type AmfObject,
  type AmfValue,
  decodeAmf0Sequence,
  ecmaArray,
  encodeAmf0Sequence,
  isAmfObject,
  LivegoError,
} from '@livego/amf';
import { FlvError } from './errors.js';

export interface ScriptTag {
  /** The handler name, e.g. 'onMetaData' (after `@setDataFrame`, when present). */
  name: string;
  values: AmfValue[];
}

/** The AMF0 bytes of the string '@setDataFrame': marker 0x02, length 13, the characters. */
const SET_DATA_FRAME = new Uint8Array([
  0x02, 0x00, 0x0d, 0x40, 0x73, 0x65, 0x74, 0x44, 0x61, 0x74, 0x61, 0x46, 0x72, 0x61, 0x6d, 0x65,
]);

export const SET_DATA_FRAME_NAME = '@setDataFrame';

/**
 * Decodes a script data body. A leading `@setDataFrame` is unwrapped. Throws FlvError
 * FLV_BAD_SCRIPT_DATA (the AMF error as `cause`) when the AMF is malformed or the name is not a string.
 */
export function parseScriptTag(data: Uint8Array, options?: AmfDecodeOptions): ScriptTag {
  let values: AmfValue[];
  try {
    values = decodeAmf0Sequence(data, options);
  } catch (err) {
    if (!(err instanceof LivegoError)) throw err;
    throw new FlvError('FLV_BAD_SCRIPT_DATA', `FLV script data is not valid AMF0: ${err.message}`, {
      offset: err.offset,
      field: err.field,
      cause: err,
    });
  }
  let first = 0;
  if (values[0] === SET_DATA_FRAME_NAME && values.length > 1) first = 1;
  const name = values[first];
  if (typeof name !== 'string') {
    const found = values.length === 0 ? 'nothing' : describe(name);
    throw new FlvError(
      'FLV_BAD_SCRIPT_DATA',
      `FLV script data must start with a string name, found ${found}`,
      {
        offset: 0,
        field: 'name',
      },
    );
  }
  return { name, values: values.slice(first + 1) };
}

function describe(v: AmfValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v;
}

/** The AMF0 body of a script data tag: `name` followed by `values`. */
export function encodeScriptTag(name: string, ...values: AmfValue[]): Uint8Array {
  return encodeAmf0Sequence([name, ...values]);
}

/** True when the body starts with the AMF0 string '@setDataFrame'. */
export function hasSetDataFrame(data: Uint8Array): boolean {
  if (data.length < SET_DATA_FRAME.length) return false;
  for (let i = 0; i < SET_DATA_FRAME.length; i++) if (data[i] !== SET_DATA_FRAME[i]) return false;
  return true;
}

/**
 * The body without a leading '@setDataFrame' (a view; the input itself when absent). What livego sends
 * to players and writes to FLV files; the rest of the bytes are passed on untouched.
 */
export function stripSetDataFrame(data: Uint8Array): Uint8Array {
  return hasSetDataFrame(data) ? data.subarray(SET_DATA_FRAME.length) : data;
}

/** The body with '@setDataFrame' in front (as sent to another RTMP server); unchanged when present. */
export function addSetDataFrame(data: Uint8Array): Uint8Array {
  if (hasSetDataFrame(data)) return data;
  const out = new Uint8Array(SET_DATA_FRAME.length + data.length);
  out.set(SET_DATA_FRAME, 0);
  out.set(data, SET_DATA_FRAME.length);
  return out;
}

/** The usual onMetaData keys (E.5); any other AMF value may appear as well. */
export interface OnMetaData {
  duration?: number;
  width?: number;
  height?: number;
  videodatarate?: number;
  framerate?: number;
  videocodecid?: number | string;
  audiodatarate?: number;
  audiosamplerate?: number;
  audiosamplesize?: number;
  stereo?: boolean;
  audiocodecid?: number | string;
  encoder?: string;
  filesize?: number;
  [key: string]: AmfValue;
}

/**
 * `onMetaData` with `meta` as an ECMA array, the form ffmpeg and OBS write. `meta` is copied, not
 * marked; keys keep their insertion order.
 */
export function encodeOnMetaData(meta: OnMetaData, options: { setDataFrame?: boolean } = {}): Uint8Array {
  const arr = ecmaArray({ ...meta } as Record<string, AmfValue>);
  return options.setDataFrame === true
    ? encodeAmf0Sequence([SET_DATA_FRAME_NAME, 'onMetaData', arr])
    : encodeScriptTag('onMetaData', arr);
}

/**
 * The metadata object of an `onMetaData` script body (with or without `@setDataFrame`), or undefined
 * for other script tags. Accepts an object or ECMA array. Throws FlvError on malformed AMF.
 */
export function parseOnMetaData(data: Uint8Array, options?: AmfDecodeOptions): OnMetaData | undefined {
  const tag = parseScriptTag(data, options);
  if (tag.name !== 'onMetaData') return undefined;
  const v = tag.values[0];
  return v !== undefined && isAmfObject(v) ? (v as AmfObject as OnMetaData) : undefined;
}
