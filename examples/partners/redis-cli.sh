#!/bin/sh
# A partner department on the gonghui bus with nothing but redis-cli (6.2 or later).
#
#   export GONGHUI_DEPT_URL='redis://dept_cib-bank:...@redis.example.org:6379/0'
#   export GONGHUI_DEPT_CODE=cib-bank
#   ./redis-cli.sh register station.json   # send station.register.v1 to your outbox
#   ./redis-cli.sh inbox                   # print and acknowledge everything waiting for you
#
# Optional: GONGHUI_STREAM_PREFIX (e.g. `fj:`) when the deployment puts one before every key.
set -eu

CODE="$GONGHUI_DEPT_CODE"
OUTBOX="${GONGHUI_STREAM_PREFIX:-}dept.$CODE.outbox"
INBOX="${GONGHUI_STREAM_PREFIX:-}dept.$CODE.inbox"
CONSUMER="${CONSUMER:-desk-1}"

cli() { redis-cli -u "$GONGHUI_DEPT_URL" --no-auth-warning "$@"; }

case "${1:-}" in
register)
    # id: unique per department (the idempotency key); source: exactly dept/<code>.
    cli XADD "$OUTBOX" '*' \
        specversion 1.0 \
        id "$CODE-$(date -u +%Y%m%d%H%M%S)-$$" \
        source "dept/$CODE" \
        type station.register.v1 \
        time "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
        datacontenttype application/json \
        data "$(cat "${2:-station.json}")"
    ;;
inbox)
    # One entry at a time: the reply is the stream key, the entry id, then field/value lines.
    while :; do
        entry="$(cli XREADGROUP GROUP "$CODE" "$CONSUMER" COUNT 1 STREAMS "$INBOX" '>')"
        [ -n "$entry" ] || break
        printf '%s\n' "$entry"
        cli XACK "$INBOX" "$CODE" "$(printf '%s\n' "$entry" | sed -n 2p)" >/dev/null
    done
    ;;
*)
    echo "usage: $0 register STATION_JSON | inbox" >&2
    exit 2
    ;;
esac
