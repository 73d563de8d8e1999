#!/bin/sh
# The namespace Ombudsflow runs in, created once; its retention is how long the history of a
# closed case stays on the Temporal server (the store keeps the case itself).
set -eu
until temporal operator cluster health --address "$TEMPORAL_ADDRESS"; do sleep 2; done
temporal operator namespace describe --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" \
    || temporal operator namespace create --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" \
        --retention "$RETENTION"
