#!/bin/sh
set -e
if [ "$1" = "serve" ]; then
    echo "entrypoint: serving"
    exit 0
fi
exec "$@"
