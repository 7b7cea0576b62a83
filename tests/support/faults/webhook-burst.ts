import { incomingCall, post3cx } from '../threecx';
import { FAULTS_PBX } from './config';
import { sleep, uniqueCaller, type FaultStack } from './harness';
import type { DialledCall } from './live-calls';

// Callers dialling in while a Call Flow Designer app announces each call with a 3CX IncomingCall
// webhook, and the API process is stopped in the middle of it.

export type WebhookAnswer = { status: number; json: any } | { error: string };

export const accepted = (a: WebhookAnswer | undefined): a is { status: number; json: any } => a !== undefined && 'status' in a && a.status === 202;

async function sendIncomingCall(stack: FaultStack, body: Record<string, unknown>): Promise<WebhookAnswer> {
  try {
    return await post3cx(stack.apiUrl, body);
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { error: cause?.code ?? cause?.message ?? (err as Error).message };
  }
}

export interface Burst {
  calls: DialledCall[];
  /** What each webhook's first delivery got. */
  first: WebhookAnswer[];
  /** What each webhook got in the end (after re-sends). */
  final: WebhookAnswer[];
  resent: number;
  /** The stopped API process's exit code (null: killed by the signal). */
  exitCode: number | null;
  /** Workflow ids whose webhook the stopped API process answered 202 (from its request log). */
  answeredByOldApi: Set<string>;
}

/**
 * `n` callers dial (one every `spacingMs`), each announced by its webhook; the API is stopped with
 * `signal` once `stopAfter` webhooks were accepted, a new API starts, and every webhook not
 * answered 202 is re-sent — as 3CX does — until it is, within a bounded number of tries.
 */
export async function burstWithRestart(stack: FaultStack, n: number, spacingMs: number, stopAfter: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<Burst> {
  const calls: DialledCall[] = [];
  const bodies: Record<string, unknown>[] = [];
  const first: WebhookAnswer[] = new Array<WebhookAnswer>(n);
  const old = stack.api!;
  let acceptedCount = 0;
  let stopping: Promise<number | null> | undefined;
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      await sleep(i * spacingMs);
      const caller = uniqueCaller();
      calls[i] = stack.dial(caller);
      bodies[i] = incomingCall({ call_id: String(calls[i].call.callid), caller_id: caller, pbx: FAULTS_PBX });
      first[i] = await sendIncomingCall(stack, bodies[i]);
      if (accepted(first[i]) && ++acceptedCount === stopAfter) stopping = old.stop(signal, 15_000);
    }),
  );
  const exitCode = await (stopping ?? old.stop(signal, 15_000));
  await stack.startApi();

  const final = [...first];
  let resent = 0;
  for (let round = 0; round < 10 && final.some((a) => !accepted(a)); round++) {
    await Promise.all(
      final.map(async (answer, i) => {
        if (accepted(answer)) return;
        resent += 1;
        final[i] = await sendIncomingCall(stack, bodies[i]!);
      }),
    );
    if (final.some((a) => !accepted(a))) await sleep(500);
  }
  return { calls, first, final, resent, exitCode, answeredByOldApi: answeredWebhooks(old.output()) };
}

/** The API's request log lines (pino JSON) for 3CX webhooks it answered 202. */
function answeredWebhooks(output: string): Set<string> {
  const ids = new Set<string>();
  for (const line of output.split('\n')) {
    const entry = parseLogLine(line);
    if (entry?.route === '/webhook/3cx' && entry.status === 202 && entry.workflowId) ids.add(entry.workflowId);
  }
  return ids;
}

export function describeBurst(b: Burst): string {
  const failed = b.first.filter((a) => !accepted(a));
  const kinds = failed.map((a) => ('error' in a ? a.error : String(a.status)));
  const counts = kinds.reduce<Record<string, number>>((acc, k) => ({ ...acc, [k]: (acc[k] ?? 0) + 1 }), {});
  const byGateway = b.final.filter((a) => accepted(a) && a.json.duplicate).length;
  return `${b.calls.length - failed.length}/${b.calls.length} webhooks accepted first time, failed ${JSON.stringify(counts)}, ${b.resent} re-sends; ${byGateway} calls were started by the gateway before their webhook`;
}

function parseLogLine(line: string): { route?: string; status?: number; workflowId?: string } | null {
  if (!line.startsWith('{')) return null;
  try {
    return JSON.parse(line) as { route?: string; status?: number; workflowId?: string };
  } catch {
    return null;
  }
}
