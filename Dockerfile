# Voucher Gateway: compiled JavaScript on Node 20, production dependencies only, non-root.
#   docker build -t voucher-gateway .
#   docker run -p 4000:4000 -e NODE_ENV=production -e AUTH_MODE=none \
#     -e TENCENTCLOUD_SECRET_ID=… -e TENCENTCLOUD_SECRET_KEY=… [-e REDIS_URL=redis://redis:6379] voucher-gateway

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/build.sh ./scripts/
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 4000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "dist/index.js"]
