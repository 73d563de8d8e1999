"""The supervisors' digest of late notices, started every ``DIGEST_EVERY`` by the
``escalation-digest`` schedule: the activity mails what the outbox holds, so a run the
server caught up late, or skipped, leaves nothing behind for the next."""

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.digests import DigestActivities
    from schemas.digests import DIGEST_EVERY, DigestRun, DigestsSent


@workflow.defn(name="EscalationDigest")
class EscalationDigest:
    @workflow.run
    async def run(self, inp: DigestRun) -> DigestsSent:
        # Retried until the next run would carry the same escalations anyway.
        return await workflow.execute_activity_method(
            DigestActivities.send_escalation_digests, inp,
            start_to_close_timeout=DIGEST_EVERY / 3, schedule_to_close_timeout=DIGEST_EVERY,
            retry_policy=RetryPolicy(maximum_interval=DIGEST_EVERY / 5))
