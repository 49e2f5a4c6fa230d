#!/bin/sh
# Random secrets for docker-compose.yml, one file each, in var/secrets/ (or the folder given).
# Existing files are kept, so re-running never changes a password PostgreSQL already has.
# Prints the responder API token once (only its SHA-256 is stored in api_tokens).
set -eu
dir=${1:-var/secrets}
umask 077
mkdir -p "$dir"
random() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }
keep() { test -s "$dir/$1"; }
keep postgres_password || random > "$dir/postgres_password"
keep database_url || printf 'postgresql+psycopg://obs:%s@postgres:5432/obs\n' "$(cat "$dir/postgres_password")" > "$dir/database_url"
keep webhook_token || random > "$dir/webhook_token"
keep grafana_admin_password || random > "$dir/grafana_admin_password"
if ! keep api_tokens; then
  token=$(random)
  printf 'responder:responder:%s\n' "$(printf %s "$token" | sha256sum | cut -d' ' -f1)" > "$dir/api_tokens"
  echo "responder API token (shown once): $token"
fi
# The containers run as other users (obs 10001, postgres 999, grafana 472): let them read.
chmod 644 "$dir"/*
chmod 755 "$dir"
