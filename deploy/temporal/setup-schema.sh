#!/bin/sh
# Temporal's two databases on the PostgreSQL server, their schemas brought to the versions this
# admin-tools image ships. Safe on every start: an existing database is kept, and an up-to-date
# schema is left as it is (update-schema fails only where no schema was ever set up). The
# password comes from SQL_PASSWORD.
set -eu
SCHEMAS=/etc/temporal/schema/postgresql/v12

sql() {
    temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" \
        -u "$POSTGRES_USER" --db "$db" "$@"
}

for db in temporal temporal_visibility; do
    if [ "$db" = temporal ]; then dir=$SCHEMAS/temporal/versioned
    else dir=$SCHEMAS/visibility/versioned; fi
    sql create 2>/dev/null || echo "database $db exists"
    sql update-schema -d "$dir" || { sql setup-schema -v 0.0 && sql update-schema -d "$dir"; }
done
