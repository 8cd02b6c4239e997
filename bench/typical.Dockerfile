# A typical service image, written for the editor round-trip benchmark.
FROM node:20-bookworm
MAINTAINER Web Team <web@example.com>

ENV NODE_ENV production
ENV PORT 8080

RUN apt-get update
RUN apt-get install -y \
      curl \
      ca-certificates \
      git \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/app

ADD package.json package-lock.json ./
RUN npm ci --omit=dev

ADD src ./src
ADD public ./public

RUN set -eux; \
    mkdir -p /srv/app/tmp; \
    chown -R node:node /srv/app

# Health of the HTTP server.
HEALTHCHECK --interval=30s --timeout=5s \
  CMD curl -fsS http://localhost:8080/health || exit 1

LABEL org.opencontainers.image.source="https://example.com/web" \
      org.opencontainers.image.licenses="MIT"

EXPOSE 8080
VOLUME /srv/app/tmp
STOPSIGNAL SIGTERM

USER node
CMD node src/server.js
