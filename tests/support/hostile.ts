import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import type { TestStack } from './stack';

// Shared by the hostile-input suites: raw HTTP, the "well-formed error" check and the counters
// that prove a rejected request left no trace.

export const SEED = Number(process.env.HOSTILE_SEED ?? 20_261_121);
export const runs = (numRuns: number) => ({ seed: SEED, numRuns });

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
}

export interface Outgoing {
  method?: string;
  path: string;
  headers?: OutgoingHttpHeaders;
  body?: Buffer;
  /** Send without Content-Length (Transfer-Encoding: chunked), in 64 KiB pieces. */
  chunked?: boolean;
}

/**
 * node:http rather than fetch: header values with bytes above 0x7f, repeated headers, no
 * Content-Type at all, chunked uploads and raw (already percent-encoded) paths go out as given.
 */
export function sendRaw(baseUrl: string, { method = 'POST', path, headers = {}, body, chunked = false }: Outgoing): Promise<Answer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise<Answer>((resolve, reject) => {
    let answered = false;
    const req = httpRequest(
      { host: hostname, port, method, path, agent: false, headers: { ...(body && !chunked ? { 'content-length': body.length } : {}), ...headers } },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : null;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.setTimeout(20_000, () => req.destroy(new Error(`${method} ${path}: no answer within 20 s`)));
    // The server may answer 413 and close while an oversized body is still going out.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    if (body && chunked) {
      for (let i = 0; i < body.length; i += 65_536) req.write(body.subarray(i, i + 65_536));
    } else if (body) {
      req.write(body);
    }
    req.end();
  });
}

/**
 * A request line with raw (not percent-encoded) bytes above 0x7e is not HTTP: Node's parser refuses
 * some of them (400, `Connection: close`, no body) before the app sees the request.
 */
export const refusedByHttpParser = (answer: Answer, urlPath: string) =>
  answer.status === 400 && answer.text === '' && answer.headers['content-type'] === undefined && /[^\x21-\x7e]/.test(urlPath);

/** Never a 5xx; a 4xx is JSON `{error: {code, message, details?}}` and nothing else. */
export function expectWellFormed(answer: Answer, what: string, urlPath = ''): void {
  if (answer.status >= 500) throw new Error(`${what} → ${answer.status} ${answer.text.slice(0, 500)}`);
  if (answer.status < 400 || refusedByHttpParser(answer, urlPath)) return;
  if (!/^application\/json\b/.test(answer.headers['content-type'] ?? '')) throw new Error(`${what} → ${answer.status} without JSON: ${JSON.stringify(answer.headers)} ${answer.text.slice(0, 300)}`);
  expect(answer.json).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
  expect(Object.keys(answer.json.error).filter((k) => !['code', 'message', 'details'].includes(k))).toEqual([]);
  expect(answer.json.error.code).not.toBe('');
}

export type RowCounts = Record<string, number>;

const tablesOf = new Map<TestStack, Promise<string>>();
/**
 * Rows of every table of the stack's database (all of `public` but Prisma's migration log, read
 * from the catalog so a new table is counted too), in one round trip through Prisma.
 */
export async function rowCounts(s: TestStack): Promise<RowCounts> {
  let query = tablesOf.get(s);
  if (!query) {
    query = s.db.prisma
      .$queryRaw<{ name: string }[]>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations' ORDER BY 1`
      .then((tables) => {
        if (tables.length < 9) throw new Error(`expected the nine tables of schema.prisma, found ${tables.map((t) => t.name).join(', ')}`);
        return `SELECT ${tables.map(({ name }) => `(SELECT count(*) FROM "${name}")::int AS "${name}"`).join(', ')}`;
      });
    tablesOf.set(s, query);
  }
  const [counts] = await s.db.prisma.$queryRawUnsafe<RowCounts[]>(await query);
  return counts!;
}

export const WORKFLOWS = "WorkflowType = 'callWorkflow' OR WorkflowType = 'voiceCloneWorkflow'";

/** Call and clone workflows the stack's Temporal server knows. */
export async function workflowCount(s: TestStack, query = WORKFLOWS): Promise<number> {
  return (await s.env.client.workflow.count(query)).count;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Visibility is eventually consistent: the count must stay at `before` over a short watch. */
export async function expectNoNewWorkflows(s: TestStack, before: number): Promise<void> {
  for (const wait of [250, 250]) {
    await sleep(wait);
    expect(await workflowCount(s)).toBe(before);
  }
}

/** A body fast-check prints as its length and first bytes, not as a million-element array. */
export function shown(bytes: Buffer): Buffer {
  const preview = () => `Buffer(${bytes.length}) ${JSON.stringify(bytes.subarray(0, 300).toString('latin1'))}${bytes.length > 300 ? '…' : ''}`;
  return Object.defineProperty(bytes, fc.toStringMethod, { value: preview, configurable: true });
}
export const json = (value: unknown) => shown(Buffer.from(JSON.stringify(value) ?? 'null'));
