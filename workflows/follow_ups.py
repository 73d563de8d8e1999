"""The morning's follow-up reminders, started each day by the ``follow-up-reminders``
schedule: the day is the one the schedule meant (Almaty's calendar), so a run the server
caught up late, or an operator's backfill, reminds of that day's follow-ups and no other; the
activity mails each holder once through the outbox."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.follow_ups import FollowUpActivities
    from ombudsflow.local_time import LOCAL_TIME
    from schemas.follow_ups import FollowUpMailing, FollowUpRun, FollowUpsMailed

from workflows.reporting import SCHEDULED_AT

# A relay that is down is retried all day; a morning's reminders a day late help nobody.
MAILING_GIVEN_UP_AFTER = timedelta(days=1)


@workflow.defn(name="FollowUpReminders")
class FollowUpReminders:
    @workflow.run
    async def run(self, inp: FollowUpRun) -> FollowUpsMailed:
        meant = (workflow.info().typed_search_attributes.get(SCHEDULED_AT)
                 or workflow.info().start_time)
        on = inp.on or meant.astimezone(LOCAL_TIME).date()
        return await workflow.execute_activity_method(
            FollowUpActivities.mail_follow_ups, FollowUpMailing(on=on),
            start_to_close_timeout=timedelta(minutes=10),
            schedule_to_close_timeout=MAILING_GIVEN_UP_AFTER,
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=10),
                                     maximum_interval=timedelta(minutes=10)))
