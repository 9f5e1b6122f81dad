# Multi-stage build: compile TypeScript, then a slim runtime with only production dependencies.
# (This project's machines have no Docker engine; the image is reviewed, not built, in CI.)
FROM node:22-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY codecs ./codecs
COPY gateway ./gateway
COPY simulator ./simulator
COPY bench ./bench
COPY test ./test
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

FROM node:22-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
# ffmpeg: snapshots decode a keyframe with it, and H.265 cameras get an H.264 variant for WebRTC.
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY web-demo ./web-demo
# The simulator's clips, for `node dist/simulator/cli.js` inside the image.
COPY test/fixtures/media ./test/fixtures/media
RUN mkdir -p /app/data && chown node:node /app/data
# SIP (UDP+TCP), HTTP, RTP receive range, WebRTC ICE range.
EXPOSE 5060/udp 5060/tcp 8080/tcp 30000-30999/udp 30000-30999/tcp 31000-31999/udp
VOLUME ["/app/data"]
USER node
ENTRYPOINT ["node", "dist/gateway/cli.js", "--data-dir", "/app/data", "--http-host", "0.0.0.0"]
