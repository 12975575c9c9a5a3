# syntax=docker/dockerfile:1
# The llm-bench image: the load workers of `llm-bench load --workers N` in Kubernetes (the Indexed Job
# of constructs/load-job.ts runs `node /app/bench/bin/llm-bench.mjs worker`), and llm-bench itself
# for in-cluster post-deploy runs. Two stages: the first installs everything from the lockfile and
# compiles build/bench/; the second installs the production dependencies only, from the same
# lockfile, and takes the compiled program. It runs as the image's `node` user (UID 1000, which the
# Job's pods state as runAsUser) with a read-only root file system.
#
# CI builds it from the repository root and tags it with the package version:
#   docker build -t <registry>/llm-bench:$(node -p "require('./package.json').version") .
#
# The base is Node 24 (maintenance LTS until 2028-04-30; Node 20 reached its end of life on
# 2026-04-30), slim, pinned by tag: facts/node.ts holds the tag and the release dates with their
# sources, and test/bench/distributed/image-layout.test.ts keeps this line equal to it. The
# package itself still runs on Node 20.18+ (package.json engines), which the test suite uses.

ARG NODE_IMAGE=node:24.20.0-trixie-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are here; the build runs below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY bench ./bench
COPY config ./config
COPY constructs ./constructs
COPY facts ./facts
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/build/bench ./build/bench
COPY bench/bin ./bench/bin
USER node
ENTRYPOINT ["node", "/app/bench/bin/llm-bench.mjs"]
CMD ["--help"]
