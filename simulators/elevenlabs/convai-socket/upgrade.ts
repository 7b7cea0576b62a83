import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { StoredAgent } from '../agents/settings';
import { newRecord } from '../http/request-handler';
import type { SandboxState } from '../state';
import type { ConversationFaultSpec, SandboxRequestRecord } from '../types';
import { nowMs } from '../util';
import { ConvaiSession } from './session';

export const CONVERSATION_PATH = '/v1/convai/conversation';

type Admission = { agent: StoredAgent; fault: ConversationFaultSpec | undefined } | { status: number; message: string };

/**
 * Who may open a conversation: `agent_id` is required [ELD asyncapi channel bindings]; a
 * `conversation_signature` must be one the sandbox issued for that agent, unused and unexpired; an
 * agent with platform_settings.auth.enable_auth needs one [SPEC AuthSettings]. Status codes are
 * UNCONFIRMED (uvicorn answers a WebSocket refused before accept with 403).
 */
function admit(state: SandboxState, url: URL, record: SandboxRequestRecord): Admission {
  const fault = state.conversationFaults.take('websocket');
  if (fault !== undefined) record.injectedFailure = fault.kind;
  if (fault?.kind === 'refuse') return { status: fault.status ?? 503, message: 'Service unavailable (injected)' };
  const agentId = url.searchParams.get('agent_id');
  if (agentId === null) return { status: 403, message: 'agent_id is required' };
  const agent = state.agents.agents.get(agentId);
  if (agent === undefined) return { status: 404, message: `Agent with id ${agentId} was not found.` };
  const signature = url.searchParams.get('conversation_signature');
  if (signature !== null) {
    const check = state.signedUrls.consume(signature, agentId);
    if (!check.ok) return { status: 403, message: check.reason };
  } else if (agent.requireSignedUrl) {
    return { status: 403, message: 'This agent requires a signed URL (conversation_signature)' };
  }
  return { agent, fault };
}

function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ detail: message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** The Agents WebSocket `/v1/convai/conversation` on the sandbox's HTTP server. */
export class ConvaiSocketServer {
  private readonly wss = new WebSocketServer({ noServer: true });

  constructor(private readonly state: SandboxState) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const record = newRecord(this.state, req, url, url.pathname === CONVERSATION_PATH ? 'convai.conversation' : 'unknown');
    const admission: Admission = url.pathname === CONVERSATION_PATH ? admit(this.state, url, record) : { status: 404, message: 'Not Found' };
    record.respondedAt = nowMs();
    if ('status' in admission) {
      record.status = admission.status;
      refuseUpgrade(socket, admission.status, admission.message);
      this.state.events.emit('request', record);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      record.status = 101;
      this.state.events.emit('request', record);
      new ConvaiSession(this.state, ws, admission.agent, admission.fault);
    });
  }

  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }
}
