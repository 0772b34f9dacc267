/**
 * The JS side of AMF values (AMF0 spec §2, AMF3 spec §3). Primitives, arrays, plain objects and
 * Dates map directly; what JS has no native form for is a small class or an exported symbol mark.
 */

/** Marks a plain object that is (or is to be encoded as) an AMF0 ECMA array / AMF3 associative array. */
export const AMF_ECMA_ARRAY: unique symbol = Symbol.for('@livego/amf.ecmaArray');
/** Holds the class name of a typed object (AMF0 0x10, AMF3 object with traits of a named class). */
export const AMF_CLASS_NAME: unique symbol = Symbol.for('@livego/amf.className');
/** On a Date decoded from AMF0: the time-zone field (minutes, "reserved, should be 0"), when non-zero. */
export const AMF_DATE_TIMEZONE: unique symbol = Symbol.for('@livego/amf.dateTimezone');
/** The AMF0 unsupported marker (0x0D). */
export const AMF_UNSUPPORTED: unique symbol = Symbol.for('@livego/amf.unsupported');

export type AmfUnsupported = typeof AMF_UNSUPPORTED;

/** An anonymous object, ECMA array (marked with AMF_ECMA_ARRAY) or typed object (AMF_CLASS_NAME). */
export interface AmfObject {
  [key: string]: AmfValue;
  [AMF_ECMA_ARRAY]?: true;
  [AMF_CLASS_NAME]?: string;
}

/** A Date, optionally carrying the AMF0 time-zone field. */
export type AmfDate = Date & { [AMF_DATE_TIMEZONE]?: number };

export type AmfValue =
  | number
  | boolean
  | string
  | null
  | undefined
  | AmfUnsupported
  | AmfDate
  | AmfValue[]
  | AmfObject
  | Uint8Array
  | AmfXmlDocument
  | AmfXml
  | AmfVector
  | AmfDictionary;

/** An XML document: AMF0 0x0F, AMF3 0x07 (legacy flash.xml.XMLDocument). */
export class AmfXmlDocument {
  constructor(readonly xml: string) {}
}

/** An E4X XML value: AMF3 0x0B. In AMF0 it is written through the AVM+ switch (0x11). */
export class AmfXml {
  constructor(readonly xml: string) {}
}

export type AmfVectorType = 'int' | 'uint' | 'double' | 'object';

/**
 * An AMF3 Vector (0x0D int, 0x0E uint, 0x0F double, 0x10 object). Numeric vectors hold numbers in
 * range of their type; `objectTypeName` is the element class name of an object vector ('' = `*`).
 */
export class AmfVector {
  constructor(
    readonly type: AmfVectorType,
    readonly items: AmfValue[],
    readonly fixed = false,
    readonly objectTypeName = '',
  ) {}
}

/** An AMF3 Dictionary (0x11): a Map whose keys are any AMF value, plus the weak-keys flag. */
export class AmfDictionary extends Map<AmfValue, AmfValue> {
  weakKeys: boolean;
  constructor(entries?: Iterable<readonly [AmfValue, AmfValue]>, weakKeys = false) {
    super(entries);
    this.weakKeys = weakKeys;
  }
}

/** Marks `obj` (in place) so that it encodes as an ECMA array, and returns it. */
export function ecmaArray<T extends Record<string, AmfValue>>(obj: T): T & AmfObject {
  (obj as AmfObject)[AMF_ECMA_ARRAY] = true;
  return obj as T & AmfObject;
}

/** Marks `obj` (in place) as an instance of the class `className`, and returns it. */
export function typedObject<T extends Record<string, AmfValue>>(className: string, obj: T): T & AmfObject {
  (obj as AmfObject)[AMF_CLASS_NAME] = className;
  return obj as T & AmfObject;
}

/** Returns `date` carrying an AMF0 time-zone field (minutes). */
export function amfDate(date: Date, timezoneMinutes: number): AmfDate {
  (date as AmfDate)[AMF_DATE_TIMEZONE] = timezoneMinutes;
  return date;
}

/** True for the object forms: anonymous object, ECMA array, typed object. */
export function isAmfObject(v: AmfValue): v is AmfObject {
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v) || v instanceof Date || v instanceof Uint8Array) return false;
  return !(v instanceof AmfXmlDocument || v instanceof AmfXml || v instanceof AmfVector || v instanceof Map);
}

export function isEcmaArray(v: AmfValue): v is AmfObject {
  return isAmfObject(v) && v[AMF_ECMA_ARRAY] === true;
}

/** Sets an own property, also for the key `__proto__` (which plain assignment would treat as the prototype). */
export function setProperty(obj: AmfObject, key: string, value: AmfValue): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}
