/** A server and a client session wired to each other in memory, as the session tests drive them. */
import { type ClientEvent, ClientSession } from '../src/client-session.js';
import { type ServerEvent, ServerSession } from '../src/server-session.js';

export function concat(parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/** Moves bytes between the two sessions until both are quiet, collecting events. */
export function pump(
  server: ServerSession,
  client: ClientSession,
  serverEvents: ServerEvent[],
  clientEvents: ClientEvent[],
) {
  for (let i = 0; i < 100; i++) {
    const toServer = client.takeOutput();
    const toClient = server.takeOutput();
    if (toServer.length === 0 && toClient.length === 0) return;
    if (toServer.length > 0) serverEvents.push(...server.receive(concat(toServer)));
    if (toClient.length > 0) clientEvents.push(...client.receive(concat(toClient)));
  }
  throw new Error('sessions did not settle');
}

/** A publishing client whose publish the server accepted, with `chunkSize` for its output. */
export function acceptedPublisher(chunkSize?: number) {
  const server = new ServerSession();
  const client = new ClientSession({ url: 'rtmp://h/live/s', mode: 'publish', chunkSize });
  const serverEvents: ServerEvent[] = [];
  const clientEvents: ClientEvent[] = [];
  client.start();
  pump(server, client, serverEvents, clientEvents);
  const publish = serverEvents.find((e) => e.type === 'publish');
  if (publish?.type !== 'publish') throw new Error('no publish');
  server.acceptPublish(publish.requestId);
  pump(server, client, serverEvents, clientEvents);
  return { server, client, serverEvents, clientEvents };
}
