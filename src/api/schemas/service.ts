import { z } from 'zod';

const check = z.object({
  status: z.enum(['ok', 'error', 'skipped']),
  latency_ms: z.number().optional(),
  error: z.string().optional(),
});

export const HealthResponseSchema = z
  .object({
    status: z.enum(['ok', 'degraded', 'error']).meta({ description: 'error (503): database or Temporal down; degraded: only ElevenLabs down' }),
    checks: z.object({ database: check, temporal: check, elevenlabs: check }),
    version: z.string(),
    uptime_s: z.number(),
  })
  .meta({ id: 'HealthResponse' });
