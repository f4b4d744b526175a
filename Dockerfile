# syntax=docker/dockerfile:1.7
# The backend and proxy images, one target each. They share the dependency
# install and the toolchain; each builds only its own package (BuildKit runs
# only the stages a target needs). Dependencies and the build happen in
# throwaway stages; an image has production node_modules, its package's
# bundle and the app-config files, owned by root, and runs as the
# unprivileged `node` user (uid 1000).
#
#   docker build --target backend -t novahost-backend .
#   docker build --target proxy -t novahost-proxy .
#
# The chart runs both with a read-only root file system and a writable /tmp.
# (packages/build-runner/Dockerfile is apart: it ships source, not a bundle.)

ARG NODE_IMAGE=node:22-bookworm-slim

# The package.json skeleton: dependency installs are cached until one changes.
FROM ${NODE_IMAGE} AS skeleton
WORKDIR /app
COPY package.json yarn.lock backstage.json .yarnrc.yml ./
COPY .yarn ./.yarn
COPY packages packages
COPY plugins plugins
RUN find packages plugins -mindepth 2 -maxdepth 2 \! -name package.json -exec rm -rf {} \+

# The toolchain native modules compile with, as the node user: the builds and
# the production installs start here; the images do not.
FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 g++ make \
 && rm -rf /var/lib/apt/lists/*
USER node
WORKDIR /app

# The whole workspace, installed: what both builds start from.
FROM toolchain AS install
COPY --from=skeleton --chown=node:node /app ./
RUN --mount=type=cache,target=/home/node/.yarn/berry/cache,sharing=locked,uid=1000,gid=1000 \
    yarn install --immutable
COPY --chown=node:node . .

# Each build leaves its package's dist/skeleton (the workspace package.json
# files it needs) and dist/bundle (the packed workspace packages).
# The backend: type check, then its bundle (which builds the app it serves).
FROM install AS backend-build
RUN yarn tsc \
 && yarn --cwd packages/backend build \
 && mkdir packages/backend/dist/skeleton packages/backend/dist/bundle \
 && tar xzf packages/backend/dist/skeleton.tar.gz -C packages/backend/dist/skeleton \
 && tar xzf packages/backend/dist/bundle.tar.gz -C packages/backend/dist/bundle

# The proxy and the workspace packages it uses, bundled by backstage-cli.
FROM install AS proxy-build
RUN yarn --cwd packages/proxy build \
 && mkdir packages/proxy/dist/skeleton packages/proxy/dist/bundle \
 && tar xzf packages/proxy/dist/skeleton.tar.gz -C packages/proxy/dist/skeleton \
 && tar xzf packages/proxy/dist/bundle.tar.gz -C packages/proxy/dist/bundle

# Production dependencies only, for one package's skeleton (native modules
# compiled here). The yarn files come from the skeleton stage, so this layer
# stays cached while no dependency changes.
FROM toolchain AS production
COPY --from=skeleton --chown=node:node /app/.yarn ./.yarn
COPY --from=skeleton --chown=node:node /app/.yarnrc.yml /app/backstage.json /app/yarn.lock /app/package.json ./
ENV NODE_ENV=production

FROM production AS backend-deps
COPY --from=backend-build --chown=node:node /app/packages/backend/dist/skeleton/ ./
RUN --mount=type=cache,target=/home/node/.yarn/berry/cache,sharing=locked,uid=1000,gid=1000 \
    yarn workspaces focus --all --production

FROM production AS proxy-deps
COPY --from=proxy-build --chown=node:node /app/packages/proxy/dist/skeleton/ ./
RUN --mount=type=cache,target=/home/node/.yarn/berry/cache,sharing=locked,uid=1000,gid=1000 \
    yarn workspaces focus --all --production

# What both images run on. Files are root-owned (every COPY below says so:
# COPY does not follow USER) and read-only to the process; it writes only
# to /tmp.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --chown=root:root app-config.yaml app-config.production.yaml ./
USER 1000:1000

# The proxy: serves every deployment at <slug>.<base-domain>.
FROM runtime AS proxy
COPY --from=proxy-deps --chown=root:root /app ./
COPY --from=proxy-build --chown=root:root /app/packages/proxy/dist/bundle/ ./
# 8080 visitors, 8081 /healthz, /readyz and /metrics.
EXPOSE 8080 8081
ENTRYPOINT ["node", "packages/proxy/dist/main.cjs.js"]
CMD ["--config", "app-config.yaml", "--config", "app-config.production.yaml"]

# Backstage with the Novahost plugins: the backend, serving the built app.
# Last, so a build without --target is the backend, as it was.
FROM runtime AS backend
COPY --from=backend-deps --chown=root:root /app ./
COPY --from=backend-build --chown=root:root /app/packages/backend/dist/bundle/ ./
COPY --chown=root:root catalog-info.yaml ./
COPY --chown=root:root catalog ./catalog
COPY --chown=root:root templates ./templates
EXPOSE 7007
CMD ["node", "packages/backend", "--config", "app-config.yaml", "--config", "app-config.production.yaml"]
