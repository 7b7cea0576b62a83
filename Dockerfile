# One image for the three processes (docs/DEPLOYMENT.md):
#   docker build -t voiceclone-precall .
#   docker run --env-file .env voiceclone-precall server   # HTTP API on $PORT (3006), the default
#   docker run --env-file .env voiceclone-precall worker   # Temporal worker, Prometheus on WORKER_METRICS_BIND
#   docker run --env-file .env voiceclone-precall gateway  # 3CX gateway: ONE per PBX (one live Call Control token)
# The worker and the API apply pending database migrations at start (safe when several start at
# once); the gateway needs no database.

# Debian bookworm (glibc): Temporal's native core bridge ships only *-linux-gnu builds (x64, arm64),
# so an Alpine (musl) base cannot run the worker.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: install, generate the Prisma client, compile, drop dev dependencies ---------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false \
    CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1

# `npm ci` is safe here: node:20 bundles npm 10, which accepts this lockfile (tested with npm
# 10.8.2). npm 11 rejects it (it records only the Linux optional binaries; see .ci/run), so keep
# a Node 20 base or switch this line to `npm install --no-audit --no-fund`.
# --ignore-scripts: no dependency install script runs. None is needed (native code comes as
# prebuilt optional packages) and some would download at build time (Prisma's engines). The
# project's own postinstall, `node scripts/prisma-generate.mjs`, runs below once prisma/ and
# scripts/ are in place.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts

COPY prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# npm run build = prisma generate (offline, see scripts/prisma-generate.mjs) + tsc → dist/
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts

# ---- runtime ----------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    ENVIRONMENT=production \
    HOST=0.0.0.0 \
    PORT=3006 \
    WORKER_METRICS_BIND=0.0.0.0:9464 \
    LOCAL_VOICE_SAMPLES_PATH=/app/.data/voice-samples
WORKDIR /app
# Only .data/ is writable by the service user: local voice samples (mount a volume there; the API
# writes uploads and the worker reads them, so both need the same volume).
RUN mkdir -p /app/.data/voice-samples && chown -R node:node /app/.data
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Read at start by the migration runner (dist/db/schema-engine.js resolves ../../prisma).
COPY --from=build /app/prisma ./prisma
# The default hold music (dist/gateway/media/hold-music.js resolves ../../../assets).
COPY assets ./assets

USER node
EXPOSE 3006 9464 9465

# One check for the three roles, by what listens: the API's /health on $PORT (503 when PostgreSQL
# or Temporal is down; 200 "degraded" when only ElevenLabs is), else the gateway's /health on
# GATEWAY_HTTP_BIND (503 without the 3CX event socket or a polling worker), else the worker's
# Prometheus endpoint on WORKER_METRICS_BIND (the process is alive; docs/OPERATIONS.md).
# docker-compose.yml sets the matching check per service explicitly.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const e=process.env;const p=(b,d)=>(b||d).split(':').pop();const u=['http://127.0.0.1:'+(e.PORT||3006)+'/health','http://127.0.0.1:'+p(e.GATEWAY_HTTP_BIND,'0.0.0.0:9465')+'/health','http://127.0.0.1:'+p(e.WORKER_METRICS_BIND,'0.0.0.0:9464')+'/metrics'];(async()=>{for(const x of u){try{const r=await fetch(x,{signal:AbortSignal.timeout(4000)});process.exit(r.status<500?0:1)}catch{}}process.exit(1)})()"]

# `server` (default), `worker` or `gateway`; anything else is run as a command (e.g. `sh`,
# `node dist/db/migrate-cli.js`). exec: node gets SIGTERM directly and shuts down gracefully.
ENTRYPOINT ["/bin/sh", "-c", "case \"$0\" in server|worker|gateway) exec node \"dist/$0.js\" ;; *) exec \"$0\" \"$@\" ;; esac"]
CMD ["server"]
