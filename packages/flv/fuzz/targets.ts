// Fuzz targets of @livego/flv: see scripts/fuzz.mjs (`pnpm fuzz flv-demux`). Only FlvError may be thrown,
// and the demuxer must give the same tags whether the bytes come at once or in small pieces.
import type { FuzzTarget } from '../../../scripts/fuzz.mjs';
import {
  demuxFlv,
  FlvDemuxer,
  FlvError,
  type FlvTag,
  FlvTagType,
  isAudioSequenceHeader,
  isVideoKeyframe,
  isVideoSequenceHeader,
  parseAudioTagHeader,
  parseOnMetaData,
  parseScriptTag,
  parseVideoTagHeader,
} from '../src/index.js';

const OPTIONS = { maxTagBytes: 1 << 20 };
/** Piece sizes for the chunked pass: prime-ish so boundaries fall inside every header field. */
const PIECES = [1, 3, 7, 2, 11, 5, 13, 4, 64, 9];

function isFlvError(e: unknown): boolean {
  return e instanceof FlvError;
}

interface Pass {
  tags: FlvTag[];
  error: string | undefined;
}

function demux(data: Uint8Array, chunked: boolean): Pass {
  const d = new FlvDemuxer(OPTIONS);
  const tags: FlvTag[] = [];
  try {
    if (!chunked) tags.push(...d.push(data));
    else {
      for (let at = 0, i = 0; at < data.length; i++) {
        const n = PIECES[i % PIECES.length]!;
        tags.push(...d.push(data.subarray(at, at + n)));
        at += n;
      }
    }
    tags.push(...d.flush());
    return { tags, error: undefined };
  } catch (e) {
    if (!(e instanceof FlvError)) throw e;
    return { tags, error: e.code };
  }
}

function sameTag(a: FlvTag, b: FlvTag): boolean {
  if (a.type !== b.type || a.timestampMs !== b.timestampMs || a.streamId !== b.streamId) return false;
  if (a.offset !== b.offset || a.data.length !== b.data.length) return false;
  return a.data.every((v, i) => v === b.data[i]);
}

/** Parses a tag body by its type; a malformed body is an FlvError (one bad tag, not a bad stream). */
function parseBody(tag: FlvTag): string {
  try {
    if (tag.type === FlvTagType.VIDEO) {
      const h = parseVideoTagHeader(tag.data);
      isVideoKeyframe(tag.data);
      isVideoSequenceHeader(tag.data);
      return `video:${h.enhanced}:${h.frameType}`;
    }
    if (tag.type === FlvTagType.AUDIO) {
      const h = parseAudioTagHeader(tag.data);
      isAudioSequenceHeader(tag.data);
      return `audio:${h.enhanced}:${h.soundFormat}`;
    }
    parseScriptTag(tag.data, { maxDepth: 16 });
    parseOnMetaData(tag.data, { maxDepth: 16 });
    return 'script';
  } catch (e) {
    if (e instanceof FlvError) return `body:${e.code}`;
    throw e;
  }
}

/** FLV header + PreviousTagSize0 + the tags at `picks` of a real file, so seeds start at a header. */
function seedsFromFile(file: Uint8Array): Uint8Array[] {
  let tags: FlvTag[];
  try {
    tags = demuxFlv(file);
  } catch {
    return [file.subarray(0, 16384)];
  }
  const head = file.subarray(0, 13);
  const pick = (list: FlvTag[]) => {
    const parts = [head, ...list.map((t) => file.subarray(t.offset, t.offset + 11 + t.data.length + 4))];
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const small = tags.filter((t) => t.data.length < 2048);
  return [pick(tags.slice(0, 4)), pick(small.slice(0, 12)), pick(small.slice(-8))];
}

export const targets: FuzzTarget[] = [
  {
    name: 'flv-demux',
    seedFiles: ['test/fixtures/*.flv'],
    fromSeedFile: seedsFromFile,
    maxLen: 16384,
    dictionary: [
      new Uint8Array([0x46, 0x4c, 0x56, 0x01, 0x05, 0x00, 0x00, 0x00, 0x09]),
      new Uint8Array([0x17, 0x00, 0x00, 0x00, 0x00]),
      new Uint8Array([0xaf, 0x00]),
      new Uint8Array([0x90, 0x68, 0x76, 0x63, 0x31]),
      new Uint8Array([0x9d, 0x4f, 0x70, 0x75, 0x73]),
      new Uint8Array([0x12, 0x00, 0x00, 0x20]),
      new TextEncoder().encode('onMetaData'),
    ],
    run(data) {
      const whole = demux(data, false);
      const chunked = demux(data, true);
      if (whole.error !== chunked.error) {
        throw new Error(
          `different end in pieces: whole input ends in ${whole.error ?? 'no error'}, in pieces ${chunked.error ?? 'no error'}`,
        );
      }
      // Pushed whole, a failing push returns no tags; in pieces the tags before the error come out.
      if (whole.error === undefined) {
        if (
          whole.tags.length !== chunked.tags.length ||
          whole.tags.some((t, i) => !sameTag(t, chunked.tags[i]!))
        ) {
          throw new Error(
            `different tags in pieces: ${whole.tags.length} tags from the whole input differ from ${chunked.tags.length} in pieces`,
          );
        }
      }
      const features = new Set<string>([`end:${whole.error}`]);
      for (const t of chunked.tags) features.add(parseBody(t));
      return [...features];
    },
    expected: isFlvError,
  },
];
