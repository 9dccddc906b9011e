#!/bin/sh
# Run once by the postgres image on an empty data volume: one database per service (DESIGN §5),
# each owned by a role of the same name that can reach no other database, so no service can
# read another's data or act as a superuser.
set -eu
for svc in stations proposals notify; do
    var="$(echo "$svc" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
    password="$(printenv "$var" || true)"
    [ -n "$password" ] || { echo "$var must be set" >&2; exit 1; }
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        -v role="$svc" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
SQL
done
