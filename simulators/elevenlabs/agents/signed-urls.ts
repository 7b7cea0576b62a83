import { randomAlphanumeric } from '../util';

interface Signature {
  agentId: string;
  expiresAtMs: number;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/**
 * One-time `conversation_signature` tokens of signed URLs: they expire (15 min, [ELD]
 * customization/authentication.mdx "The signed URL expires after 15 minutes") and, in the sandbox,
 * are used up by the first conversation (one-time use: UNCONFIRMED).
 */
export class SignedUrlStore {
  private readonly signatures = new Map<string, Signature>();

  issue(agentId: string, ttlMs: number): string {
    const token = randomAlphanumeric(40);
    this.signatures.set(token, { agentId, expiresAtMs: Date.now() + ttlMs });
    return token;
  }

  consume(token: string, agentId: string): SignatureCheck {
    const signature = this.signatures.get(token);
    if (signature === undefined) return { ok: false, reason: 'invalid or already used conversation_signature' };
    if (signature.agentId !== agentId) return { ok: false, reason: 'conversation_signature was issued for another agent' };
    this.signatures.delete(token);
    if (Date.now() > signature.expiresAtMs) return { ok: false, reason: 'conversation_signature has expired' };
    return { ok: true };
  }

  reset(): void {
    this.signatures.clear();
  }
}
