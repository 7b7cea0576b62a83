import type { ElevenLabsSandbox } from './elevenlabs';
import type { SipCall } from './elevenlabs/sip/sip-call';
import type { ExternalLine, ExternalParty } from './threecx';

/**
 * The simulated telephone network between the two simulators: a 3CX outbound rule (`prefix`,
 * stripped, then `+`, as in the reference's trunk setup) leads to the ElevenLabs SIP trunk, i.e.
 * the sandbox's inbound SIP calls. Other destinations match no rule (the route fails).
 */
export function elevenLabsTrunk(sandbox: ElevenLabsSandbox, prefix: string): ExternalLine {
  return (destination, call) => {
    if (!destination.startsWith(prefix) || !/^\d+$/.test(destination.slice(prefix.length))) return null;
    return sandbox.sip
      .invite({ toNumber: `+${destination.slice(prefix.length)}`, callerId: call.callerNumber })
      .then((result) => ('rejected' in result ? { reject: result.rejected } : asExternalParty(result)));
  };
}

function asExternalParty(call: SipCall): ExternalParty {
  return {
    onCallerAudio: (pcm) => call.onCallerAudio(pcm),
    audio: agentAudio(call),
    hangUp: () => call.hangUp(),
    ended: call.ended,
  };
}

async function* agentAudio(call: SipCall): AsyncIterable<Buffer> {
  const queue: Buffer[] = [];
  let ended = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  call.agentAudio.on('data', (pcm: Buffer) => {
    queue.push(pcm);
    notify();
  });
  call.agentAudio.once('end', () => {
    ended = true;
    notify();
  });
  for (;;) {
    const next = queue.shift();
    if (next) yield next;
    else if (ended) return;
    else await new Promise<void>((resolve) => (wake = resolve));
  }
}
