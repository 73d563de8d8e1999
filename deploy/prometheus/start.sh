#!/bin/sh
# Prometheus takes the web app's bearer token only from a file: written here, from the
# environment (OMBUDSFLOW_METRICS_TOKEN), readable by Prometheus's user alone.
set -eu
umask 077
printf '%s' "$METRICS_TOKEN" > /prometheus/metrics-token
exec /bin/prometheus --config.file=/etc/prometheus/prometheus.yml --storage.tsdb.path=/prometheus "$@"
