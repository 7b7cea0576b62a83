import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

export const FIXTURES_DIR = path.resolve(__dirname, '../fixtures/audio');

export const readFixture = (name: string): Promise<Buffer> => readFile(path.join(FIXTURES_DIR, name));


export const makeTempDir = (label: string): Promise<string> => mkdtemp(path.join(tmpdir(), `voiceclone-${label}-`));

export const removeDir = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true });

export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface RunningS3rver {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/** A real S3-protocol server on 127.0.0.1, random port, backed by a fresh temp directory. */
export async function startS3rver(buckets: string[]): Promise<RunningS3rver> {
  const directory = await makeTempDir('s3rver');
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close();
      await removeDir(directory);
    },
  };
}
