import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { request } from 'undici';

/**
 * A pass-through in front of the 3CX simulator (HTTP and the WebSocket upgrade) that leaves one DN
 * out of `GET /callcontrol`: what an API client without its route point sees. The simulator always
 * lists its route point, so this is the one misconfiguration it cannot show by itself.
 */
export async function startRoutePointHidingProxy(target: string, hiddenDn: string): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    void forward(req, upstream, hiddenDn).then(
      ({ status, headers, body }) => {
        res.writeHead(status, headers);
        res.end(body);
      },
      (err: unknown) => {
        res.writeHead(502);
        res.end(String(err));
      },
    );
  });
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    const pipe = connect(Number(upstream.port), upstream.hostname, () => {
      const headers = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      pipe.write(`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
      pipe.write(head);
      socket.pipe(pipe).pipe(socket);
    });
    pipe.on('error', () => socket.destroy());
    socket.on('error', () => pipe.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function forward(req: IncomingMessage, upstream: URL, hiddenDn: string): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = Object.fromEntries(Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'host' && e[0] !== 'content-length'));
  const method = (req.method ?? 'GET') as 'GET' | 'POST';
  const res = await request(new URL(req.url ?? '/', upstream), { method, headers, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}) });
  let body = Buffer.from(await res.body.arrayBuffer());
  if (method === 'GET' && req.url === '/callcontrol' && res.statusCode === 200) {
    const dns = JSON.parse(body.toString('utf8')) as { dn?: string }[];
    body = Buffer.from(JSON.stringify(dns.filter((d) => d.dn !== hiddenDn)));
  }
  const contentType = res.headers['content-type'];
  return { status: res.statusCode, headers: typeof contentType === 'string' ? { 'content-type': contentType } : {}, body };
}
