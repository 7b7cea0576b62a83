import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import type { Config } from '../config';

export interface TemporalTarget {
  address: string;
  namespace: string;
  /** TLS and API key of a remote cluster (Temporal Cloud); absent for a local dev server. */
  auth?: TemporalAuth;
}

export interface TemporalAuth {
  tls: TLSConfig | boolean;
  apiKey?: string;
}

/** TLS / mTLS / API-key settings for the configured cluster, read once at start. */
export function temporalAuth({ temporal }: Config): TemporalAuth | undefined {
  const { tls, apiKey } = temporal;
  if (!tls.enabled) return undefined;
  const config: TLSConfig = {
    ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    ...(tls.caPath ? { serverRootCACertificate: readFileSync(tls.caPath) } : {}),
    ...(tls.certPath && tls.keyPath ? { clientCertPair: { crt: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) } } : {}),
  };
  return { tls: Object.keys(config).length > 0 ? config : true, ...(apiKey ? { apiKey } : {}) };
}

/** One client per process; the API and the dev runner share it. */
export async function connectTemporalClient({ address, namespace, auth }: TemporalTarget): Promise<Client> {
  const connection = await Connection.connect({ address, ...(auth ?? {}) });
  return new Client({ connection, namespace });
}
