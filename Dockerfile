# WEx QS container image: the compiled app (npm run build) on Node 22, production dependencies
# only, running as the unprivileged `node` user, with a health check on /readyz.
#
# Each step is marked `# recipe: NAME`; scripts/container-recipe.sh performs the same steps, in
# the same order, without Docker (CI runs it; tests/build/container-recipe.test.ts keeps the two
# in step).
#
#   docker build -t wexqs .
#   docker run --env-file env/.env.dev -p 8080:8080 wexqs

# recipe: build-deps
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the package's own `prepare` (an embedded-database image for local development)
# has no place in an image, and its script is not copied yet.
RUN npm ci --ignore-scripts --no-audit --no-fund

# recipe: build
COPY . .
RUN npm run build

# recipe: runtime-deps
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# recipe: copy-build
COPY --from=build /src/dist ./dist

# recipe: user
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node

# recipe: start
# Tenant mode is the product: settings come from the environment (App Service / Container Apps
# app settings, Key Vault references for secrets). SIGTERM stops it gracefully.
ENV APP_MODE=tenant HOST=0.0.0.0 PORT=8080 DATA_DIR=/app/.data
EXPOSE 8080
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]

# recipe: healthcheck
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
