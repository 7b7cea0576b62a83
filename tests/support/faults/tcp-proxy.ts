import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of one target (PostgreSQL in the fault tests). `down()` cuts
 * every open connection and then resets ('reset') or refuses ('refuse': the listener is closed)
 * new ones until `up()`: what processes see when the database server dies or is unreachable.
 */
export interface TcpProxy {
  readonly port: number;
  readonly isDown: boolean;
  /** Connections accepted and forwarded so far. */
  readonly forwarded: number;
  /** Connections cut or reset while down. */
  readonly dropped: number;
  down(mode?: 'reset' | 'refuse'): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let state: 'up' | 'reset' | 'refuse' = 'up';
  let forwarded = 0;
  let dropped = 0;
  let closed = false;

  const kill = (socket: Socket) => {
    dropped += 1;
    socket.resetAndDestroy();
  };

  const onConnection = (client: Socket) => {
    if (state !== 'up') {
      kill(client);
      return;
    }
    forwarded += 1;
    const upstream = connect({ host: target.host, port: target.port });
    open.add(client);
    open.add(upstream);
    const cleanup = () => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', cleanup).on('close', cleanup);
    upstream.on('error', cleanup).on('close', cleanup);
    client.pipe(upstream);
    upstream.pipe(client);
  };

  let server: Server = createServer(onConnection);
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  const stopListening = () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  const port = await listen(0);

  return {
    port,
    get isDown() {
      return state !== 'up';
    },
    get forwarded() {
      return forwarded;
    },
    get dropped() {
      return dropped;
    },
    async down(mode = 'reset') {
      state = mode;
      for (const socket of [...open]) kill(socket);
      open.clear();
      // Closing the listener makes new connections fail with ECONNREFUSED; the sockets it already
      // accepted are gone, so close() resolves at once.
      if (mode === 'refuse') await stopListening();
    },
    async up() {
      if (closed) return;
      state = 'up';
      if (!server.listening) {
        server = createServer(onConnection);
        await listen(port);
      }
    },
    async close() {
      closed = true;
      state = 'refuse';
      for (const socket of [...open]) socket.destroy();
      open.clear();
      await stopListening();
    },
  };
}
