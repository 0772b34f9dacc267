// Handshakes per second, server side: the digest handshake costs a few HMAC-SHA256 over 1.5 KB each.
import { bench, describe } from 'vitest';
import { ClientHandshake, ServerHandshake } from '../src/handshake.js';

// Fixed client packets, so the bench measures the server alone.
const random = new Uint8Array(3032).map((_, i) => (i * 151 + 7) & 0xff);
const complexClient = new ClientHandshake({ random: () => random });
const complexC0C1 = complexClient.start();
const simpleC0C1 = new ClientHandshake({ complex: false, random: () => random }).start();
const c2 = new Uint8Array(1536);

function serve(c0c1: Uint8Array): void {
  const server = new ServerHandshake({ random: () => random });
  server.receive(c0c1);
  const events = server.receive(c2);
  if (events[0]?.type !== 'done') throw new Error('handshake did not complete');
}

describe('ServerHandshake', () => {
  bench('complex (digest C1 -> S0+S1+S2, C2 checked)', () => serve(complexC0C1));
  bench('simple (zero-version C1 -> echo)', () => serve(simpleC0C1));
  bench('complex, default crypto.getRandomValues', () => {
    const server = new ServerHandshake();
    server.receive(complexC0C1);
    server.receive(c2);
  });
});
