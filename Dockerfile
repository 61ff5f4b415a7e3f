# syntax=docker/dockerfile:1
# Moderator: one image for the `web` and `worker` services (and `serve`, `doctor`, `migrate`, ...).
# Multi-stage build; runs as uid 10001; git and bubblewrap for the agent sandbox; agent CLIs on request:
#   docker build --build-arg AGENT_CLIS="claude-code codex gemini aider" -t moderator .
# scripts/dockerfile-dry-run.sh performs these steps on a machine without Docker (see README: Docker).

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm install, not ci: the lock file was made against a registry mirror without some optional platform packages.
RUN npm install --no-fund --no-audit
COPY tsconfig.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
# Agent CLIs to install: any of "claude-code codex gemini aider" (space-separated), or "all". The versions are
# pinned here and named in the README; override one with --build-arg CODEX_VERSION=... to move it.
ARG AGENT_CLIS=""
ARG CLAUDE_CODE_VERSION=2.1.332
ARG CODEX_VERSION=0.171.0
ARG GEMINI_CLI_VERSION=0.61.0
ARG AIDER_VERSION=0.86.1
ARG MODERATOR_UID=10001
RUN apt-get update \
 && apt-get install -y --no-install-recommends git bubblewrap socat ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
COPY scripts/install-agent-clis.sh /usr/local/lib/moderator/install-agent-clis.sh
RUN AGENT_CLIS="$AGENT_CLIS" CLAUDE_CODE_VERSION="$CLAUDE_CODE_VERSION" CODEX_VERSION="$CODEX_VERSION" \
    GEMINI_CLI_VERSION="$GEMINI_CLI_VERSION" AIDER_VERSION="$AIDER_VERSION" AGENT_CLIS_PREFIX=/usr/local \
    sh /usr/local/lib/moderator/install-agent-clis.sh
ENV NODE_ENV=production \
    MODERATOR_DATA_DIR=/data \
    WORKSPACE_DIR=/data/workspaces \
    MODERATOR_CONFIG=/config/moderator.config.yml \
    HOST=0.0.0.0 \
    PORT=3000 \
    MODERATOR_HEALTH_PATH=/ping
# glibc gives each thread that allocates its own malloc arena (up to 8 per core) and keeps their freed memory: with
# two arenas each process holds about 10 MB less resident memory (bench/soak/README.md).
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/scripts/healthcheck.mjs ./scripts/healthcheck.mjs
COPY prisma ./prisma
COPY app.yml ./app.yml
# The folders the volumes mount over exist in the image, owned by the runtime user: Docker initializes an empty named
# volume from them (contents and owner), so /data and /data/workspaces are writable by uid 10001, not root-owned.
RUN useradd --create-home --uid "$MODERATOR_UID" moderator \
 && mkdir -p /data/workspaces /config \
 && chown -R moderator:moderator /data
USER moderator
VOLUME ["/data"]
EXPOSE 3000
# Web: GET $MODERATOR_HEALTH_PATH on $PORT (Probot's /ping until the readiness endpoint exists; switch by changing
# the ENV above). The worker has no HTTP server: docker-compose.yml turns the check off for it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["node", "scripts/healthcheck.mjs"]
# --max-semi-space-size=2: V8's young generation stays at 2 × 2 MB instead of growing to 2 × 16 MB during runs; it
# must be given at start (src/cli/v8-flags.ts explains; bench/soak/README.md has the figures).
ENTRYPOINT ["tini", "--", "node", "--enable-source-maps", "--max-semi-space-size=2", "dist/src/cli/main.js"]
CMD ["serve"]
