/**
 * The shared path of one stream: viewers that are caught up receive the same bytes in the same order,
 * so the stream collects its messages for a window and, at the window's end, encodes them once per
 * output form into one buffer that every caught-up viewer of that form gets in a single write. The
 * number of writes, not the bytes, is what a fan-out pays for. A viewer whose connection cannot take a
 * window falls back to its own bounded queue (with the usual skip and drop rules) and comes back once
 * it has drained. The server owns the clock: it is told when a window opens and calls `flush()`.
 */
import type { MediaPacket, OutputForm } from './packet.js';
import type { Subscriber } from './subscriber.js';

interface FormGroup {
  form: OutputForm;
  members: Set<Subscriber>;
}

export class SharedWindow {
  /** Caught-up viewers by form id. */
  private readonly groups = new Map<string, FormGroup>();
  /** Viewers that drained their own queue and join at the next window boundary. */
  private readonly joining = new Set<Subscriber>();
  private packets: MediaPacket[] = [];
  private memberCount = 0;
  private open = false;
  private readonly onOpen: () => void;

  constructor(onOpen: () => void) {
    this.onOpen = onOpen;
  }

  /** Viewers on the shared path now. */
  get size(): number {
    return this.memberCount;
  }

  /** Collects a packet for the shared viewers; false when nobody is (or is about to be) on the path. */
  add(packet: MediaPacket): boolean {
    if (this.memberCount === 0 && this.joining.size === 0) return false;
    this.packets.push(packet);
    if (!this.open) {
      this.open = true;
      this.onOpen();
    }
    return true;
  }

  /** `sub` has taken everything it was queued: it joins at the next boundary if it still has nothing queued. */
  requestJoin(sub: Subscriber): void {
    this.joining.add(sub);
  }

  /** Forgets `sub` (it ended). */
  remove(sub: Subscriber): void {
    this.joining.delete(sub);
    const group = this.groups.get(sub.sink.form.id);
    if (group?.members.delete(sub)) {
      this.memberCount--;
      if (group.members.size === 0) this.groups.delete(sub.sink.form.id);
    }
  }

  /**
   * Ends the window: one buffer per form to every member; a member that cannot take it leaves the path
   * with the window's packets queued privately. Then viewers waiting to join come on.
   */
  flush(streamHasVideo: boolean): void {
    this.open = false;
    const packets = this.packets;
    this.packets = [];
    if (packets.length > 0) {
      let payloadBytes = 0;
      let videoBytes = 0;
      for (const p of packets) {
        payloadBytes += p.payload.length;
        if (p.kind === 'video') videoBytes += p.payload.length;
      }
      for (const group of this.groups.values()) {
        const bytes = concatEncoded(packets, group.form);
        // A Set iterator tolerates members removed while it runs (a viewer ended by a write).
        for (const sub of group.members) {
          if (!sub.writeShared(bytes, packets.length, payloadBytes, videoBytes)) {
            this.leave(sub, group);
            sub.takeBack(packets, streamHasVideo);
          }
        }
      }
    }
    for (const sub of this.joining) {
      this.joining.delete(sub);
      if (!sub.closed && sub.queuedPackets === 0 && sub.canJoinShared) this.join(sub);
    }
  }

  /** Sends what is collected and moves every viewer off the path (a publisher change resyncs them). */
  dissolve(streamHasVideo: boolean): void {
    this.flush(streamHasVideo);
    for (const group of this.groups.values()) for (const sub of group.members) sub.leaveShared();
    this.groups.clear();
    this.joining.clear();
    this.memberCount = 0;
  }

  private join(sub: Subscriber): void {
    const id = sub.sink.form.id;
    let group = this.groups.get(id);
    if (group === undefined) {
      group = { form: sub.sink.form, members: new Set() };
      this.groups.set(id, group);
    }
    group.members.add(sub);
    this.memberCount++;
    sub.enterShared();
  }

  private leave(sub: Subscriber, group: FormGroup): void {
    group.members.delete(sub);
    this.memberCount--;
    sub.leaveShared();
    if (group.members.size === 0) this.groups.delete(group.form.id);
  }
}

/** The packets of a window in one form, back to back: one allocation per form per window. */
function concatEncoded(packets: MediaPacket[], form: OutputForm): Uint8Array {
  if (packets.length === 1) return packets[0]!.encoded(form);
  let n = 0;
  for (const p of packets) n += p.encoded(form).length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of packets) {
    const e = p.encoded(form);
    out.set(e, at);
    at += e.length;
  }
  return out;
}
