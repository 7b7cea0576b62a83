import type { ElevenLabsSandbox, FailureSpec, SandboxEndpoint, SandboxRequestRecord } from '../../../simulators/elevenlabs';
import { sleep, voiceNameFor } from './harness';

// What the ElevenLabs sandbox was asked, and failures injected into its answers.

/** Clone requests (POST /v1/voices/add) the sandbox received for a caller. */
export function cloneRequestsFor(sandbox: ElevenLabsSandbox, callerE164: string): SandboxRequestRecord[] {
  const name = voiceNameFor(callerE164);
  return sandbox.requests.filter((r) => r.endpoint === 'voices.add' && r.multipart?.fields.name?.[0] === name);
}

export interface InjectedFailure {
  spec: FailureSpec;
  request: SandboxRequestRecord;
}

/**
 * Injects `specs` one after the other on the endpoint's next requests (whichever call they belong
 * to): each spec fires once, then the next is armed. Resolves with the request each one hit.
 */
export async function injectInOrder(sandbox: ElevenLabsSandbox, endpoint: SandboxEndpoint, specs: FailureSpec[], timeoutMs: number): Promise<InjectedFailure[]> {
  const fired: InjectedFailure[] = [];
  const deadline = Date.now() + timeoutMs;
  let seen = sandbox.requests.at(-1)?.id ?? 0;
  try {
    for (const spec of specs) {
      sandbox.setFailure(endpoint, { ...spec, times: 1 });
      for (;;) {
        const request = sandbox.requests.find((r) => r.id > seen && r.endpoint === endpoint && r.injectedFailure !== undefined);
        if (request) {
          fired.push({ spec, request });
          seen = request.id;
          break;
        }
        if (Date.now() > deadline) throw new Error(`only ${fired.length} of ${specs.length} ${endpoint} failures fired within ${timeoutMs} ms`);
        await sleep(5);
      }
    }
    return fired;
  } finally {
    sandbox.setFailure(endpoint, null);
  }
}

/** Milliseconds between one request and the next request of the same list. */
export function gapsMs(requests: SandboxRequestRecord[]): number[] {
  return requests.slice(1).map((r, i) => r.receivedAt - requests[i]!.receivedAt);
}
