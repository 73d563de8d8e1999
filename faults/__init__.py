"""Fault scenarios against the real processes: workers killed, the Temporal server restarted,
the SMTP server and the store's database down, duplicate and racing input. Each ends in one
audit: no case lost, no task or notice lost or doubled. Then the API fuzzed with schemathesis
and all its checks: every answer as documented, valid input accepted, invalid refused, no 5xx.
``python -m faults`` runs them all."""
