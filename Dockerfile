# One image for both processes: `worker` (Temporal worker) or `server` (HTTP API).
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-slim
ENV NODE_ENV=production ENVIRONMENT=production PORT=3006
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma ./prisma
COPY package.json ./
USER node
EXPOSE 3006
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3006)+'/health').then(r=>process.exit(r.status<500?0:1)).catch(()=>process.exit(1))"
# `docker run IMAGE worker` or `docker run IMAGE server` (default).
ENTRYPOINT ["sh", "-c", "exec node dist/$0.js"]
CMD ["server"]
