#!/bin/sh
set -e
echo '{"tool": "jq", "ok": true}' | jq -r '"\(.tool) says ok=\(.ok)"'
