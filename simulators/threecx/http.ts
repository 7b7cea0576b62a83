import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';

const MAX_BODY_BYTES = 1 << 20;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Error replies: [EP] documents the status codes (and application/json) but not the body, so the body here is ours. */
export function sendError(res: ServerResponse, status: number, message?: string): void {
  sendJson(res, status, { error: STATUS_CODES[status] ?? 'Error', ...(message === undefined ? {} : { message }) });
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Form fields of `application/x-www-form-urlencoded` [C-ESP, C-TS] or `multipart/form-data` [CCX]
 * (A.1: both work); null for any other content type. The multipart parser is the one in Node's fetch.
 */
export async function readForm(req: IncomingMessage, body: Buffer): Promise<Record<string, string> | null> {
  const contentType = req.headers['content-type'] ?? '';
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(contentType)) return null;
  try {
    const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
    const fields: Record<string, string> = {};
    form.forEach((value, key) => {
      if (typeof value === 'string') fields[key] = value;
    });
    return fields;
  } catch {
    return null;
  }
}

export function delay(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
