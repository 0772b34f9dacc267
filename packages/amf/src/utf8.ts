const encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is string content in protocol fields, not a byte-order mark to strip.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Decodes UTF-8; invalid sequences become U+FFFD (AMF peers in the wild send Latin-1 now and then). */
export function utf8Decode(bytes: Uint8Array): string {
  // Short ASCII (AMF keys, command names) is faster by hand than through TextDecoder.
  if (bytes.length <= 32) {
    let s = '';
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b >= 0x80) return decoder.decode(bytes);
      s += String.fromCharCode(b);
    }
    return s;
  }
  return decoder.decode(bytes);
}

/** The UTF-8 byte length of `s` as TextEncoder writes it (a lone surrogate becomes 3-byte U+FFFD). */
export function utf8ByteLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}
