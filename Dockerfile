# syntax=docker/dockerfile:1
# Moderator: multi-stage build, runs as a non-root user, with git and bubblewrap for the agent sandbox.

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
RUN apt-get update \
 && apt-get install -y --no-install-recommends git bubblewrap socat ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    MODERATOR_DATA_DIR=/data \
    WORKSPACE_DIR=/data/workspaces \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
COPY prisma ./prisma
COPY app.yml ./app.yml
RUN useradd --create-home --uid 10001 moderator && mkdir -p /data && chown moderator:moderator /data
USER moderator
VOLUME ["/data"]
EXPOSE 3000
# bubblewrap needs unprivileged user namespaces on the host (or run the container with --security-opt seccomp=unconfined
# where the host's policy forbids them); without them set `sandbox: none` in moderator.config.yml, knowingly.
ENTRYPOINT ["tini", "--", "node", "--enable-source-maps", "dist/src/cli/main.js"]
CMD ["serve"]
