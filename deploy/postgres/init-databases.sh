#!/bin/sh
# Run once by the postgres image on an empty data volume: one database per service (DESIGN §5).
set -eu
for db in stations proposals notify; do
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        -c "CREATE DATABASE $db OWNER \"$POSTGRES_USER\""
done
