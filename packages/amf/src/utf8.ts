const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Decodes UTF-8; invalid sequences become U+FFFD (AMF peers in the wild send Latin-1 now and then). */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
