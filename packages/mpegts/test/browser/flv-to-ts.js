// Remuxes an H.264/AAC FLV into MPEG-TS with @livego/flv and @livego/mpegts. The same module runs in
// Node and, through an import map, in Chromium: the outputs must be byte-identical.
import { FlvDemuxer, parseAudioTagHeader, parseVideoTagHeader } from '@livego/flv';
import { TsMuxer } from '@livego/mpegts';

export function flvToTs(flv) {
  const tags = new FlvDemuxer().push(flv);
  const mux = new TsMuxer({ video: { codec: 'h264' }, audio: { codec: 'aac' } });
  const out = [mux.writeTables()];
  for (const t of tags) {
    if (t.type === 9) {
      const h = parseVideoTagHeader(t.data);
      const body = t.data.subarray(h.headerLength);
      if (h.isSequenceHeader) mux.setVideoConfig(body);
      else if (body.length > 0) {
        out.push(
          mux.writeVideo({
            dtsMs: t.timestampMs,
            compositionTimeMs: h.compositionTimeMs,
            keyframe: h.isKeyframe,
            data: body,
          }),
        );
      }
    } else if (t.type === 8) {
      const h = parseAudioTagHeader(t.data);
      const body = t.data.subarray(h.headerLength);
      if (h.isSequenceHeader) mux.setAudioConfig(body);
      else out.push(mux.writeAudio({ ptsMs: t.timestampMs, data: body }));
    }
  }
  const size = out.reduce((n, b) => n + b.length, 0);
  const ts = new Uint8Array(size);
  let at = 0;
  for (const b of out) {
    ts.set(b, at);
    at += b.length;
  }
  return ts;
}
