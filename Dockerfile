# syntax=docker/dockerfile:1
# The router image: production dependencies only (tsx runs the TypeScript, no build step), run as
# the unprivileged `node` user, node as the main process so SIGTERM reaches the router directly.

# Stage 1: production dependencies, installed from the lockfile.
FROM node:22-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

# Stage 2: the runtime.
FROM node:22-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    PROFILES_DIR=/profiles \
    OUTBOX_DIR=/tmp/outbox
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json package-lock.json tsconfig.json ./
COPY --chown=root:root router ./router
COPY --chown=root:root schema ./schema
COPY --chown=root:root scripts ./scripts
# The code belongs to root and is read-only for the user that runs it.
USER node
EXPOSE 8080
# slim has no curl: node asks /healthz itself.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself is the main process (no npm, no shell): SIGTERM starts the graceful stop, which
# finishes requests and deliveries in flight (or returns them to the queue) before exiting.
STOPSIGNAL SIGTERM
CMD ["node", "--max-semi-space-size=32", "--import", "tsx", "router/main.ts"]
