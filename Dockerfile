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

ARG NODE_IMAGE=node:20.19.5-bookworm-slim

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
