#!/bin/sh
# Start Redis with AOF on and its users in an ACL file on the data volume.
# The file is writable there because `gonghui dept add` and `dept revoke` run ACL SAVE; the
# default user's password is (re)set from REDIS_PASSWORD at every start, departments are kept.
set -eu
ACL=/data/users.acl
if [ -n "${REDIS_PASSWORD:-}" ]; then
    DEFAULT="user default on #$(printf '%s' "$REDIS_PASSWORD" | sha256sum | cut -d' ' -f1) ~* &* +@all"
else
    DEFAULT="user default on nopass ~* &* +@all"
fi
touch "$ACL"
{ echo "$DEFAULT"; grep -v '^user default ' "$ACL" || true; } >"$ACL.new"
mv "$ACL.new" "$ACL"
exec docker-entrypoint.sh redis-server \
    --appendonly yes --appendfsync everysec \
    --aclfile "$ACL" \
    --bind 0.0.0.0 --protected-mode no \
    "$@"
