# SatLoc Cloud simulator. Build from the repository root:
#   docker build -f libs/partner-sdk/simulator.Dockerfile -t agair/satloc-simulator .
#   docker run --rm -p 5080:5080 agair/satloc-simulator
# Inside the container it listens on 0.0.0.0 (the image's only interface to the host's port mapping).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=development DO_NOT_TRACK=1 NX_NO_CLOUD=true
COPY package.json package-lock.json tsconfig.base.json ./
COPY libs/domain-models/package.json libs/domain-models/
COPY libs/satloc-parser/package.json libs/satloc-parser/
COPY libs/partner-sdk/package.json libs/partner-sdk/
RUN npm ci --ignore-scripts --no-audit --no-fund \
      --workspace @agair/partner-sdk --workspace @agair/satloc-parser --workspace @agair/domain-models --include-workspace-root
COPY libs/domain-models/src libs/domain-models/src
COPY libs/satloc-parser/src libs/satloc-parser/src
COPY libs/partner-sdk/src libs/partner-sdk/src
USER node
EXPOSE 5080
ENTRYPOINT ["npx", "tsx", "--conditions=@agair/source", "libs/partner-sdk/src/simulator/main.ts", "--host", "0.0.0.0", "--port", "5080"]
