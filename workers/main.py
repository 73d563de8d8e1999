"""The worker process: builds the client and the activities, registers, runs. Nothing else."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import structlog
from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.worker import Worker

from activities.appeals import AppealActivities
from activities.calendar import CalendarActivities, WorkingDayActivities
from activities.digests import DigestActivities
from activities.directory import Directory
from activities.districts import DistrictActivities, load_districts
from activities.follow_ups import FollowUpActivities
from activities.notices import NoticeActivities
from activities.reporting import ReportingActivities
from activities.sms import SmsGateway, sms_gateway_from_settings
from activities.store import StoreActivities
from activities.transports import Transport, transport_from_settings
from activities.webhooks import WebhookActivities
from ombudsflow.client import connect, ensure_search_attributes
from ombudsflow.codec import KeyRing
from ombudsflow.config import Settings, get_settings
from ombudsflow.logging import configure_logging
from schemas.districts import Districts
from store.db import create_schema, make_engine
from workers.sandbox import workflow_runner
from workers.schedules import sync
from workflows.appeal import AppealWorkflow
from workflows.digests import EscalationDigest
from workflows.follow_ups import FollowUpReminders
from workflows.reporting import REPORTING_WORKFLOWS
from workflows.reporting_v1 import REPORTING_WORKFLOWS_V1
from workflows.violation_response import ViolationResponseWorkflow

# Sync activities (store, calendar) run here; sized for the store's connection pool.
ACTIVITY_THREADS = 16


def build_worker(
    client: Client,
    *,
    task_queue: str,
    engine: Engine,
    transport: Transport,
    directory: Directory,
    districts: Districts,
    base_url: str,
    mail_from: str,
    executor: ThreadPoolExecutor,
    max_cached_workflows: int = Settings.model_fields["worker_max_cached_workflows"].default,
    max_concurrent_workflow_tasks: int = (
        Settings.model_fields["worker_max_concurrent_workflow_tasks"].default),
    sms: SmsGateway | None = None,
    sms_status_wait: float = 15.0,
) -> Worker:
    """A worker for the case and appeal workflows, the periodic work, the follow-up reminders,
    the escalation digests and every activity they call."""
    store = StoreActivities(engine, districts=districts)
    notices = NoticeActivities(engine, transport, directory, districts=districts,
                               base_url=base_url, mail_from=mail_from, sms=sms,
                               sms_status_wait=sms_status_wait)
    webhooks = WebhookActivities(engine)
    calendar = CalendarActivities()
    district_codes = DistrictActivities(districts)
    reporting = ReportingActivities(engine, transport, directory, districts=districts,
                                    mail_from=mail_from)
    appeals = AppealActivities(engine, transport, mail_from=mail_from, sms=sms)
    follow_ups = FollowUpActivities(engine, transport, directory, base_url=base_url,
                                    mail_from=mail_from)
    digests = DigestActivities(engine, transport, directory, base_url=base_url,
                               mail_from=mail_from)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[ViolationResponseWorkflow, AppealWorkflow, *REPORTING_WORKFLOWS,
                   *REPORTING_WORKFLOWS_V1, FollowUpReminders, EscalationDigest],
        workflow_runner=workflow_runner(),
        activities=[
            store.record_case, store.project_case, store.project_changes, store.apply_changes,
            store.publish_statement, store.task_holder,
            notices.send_notice, calendar.compute_deadlines, district_codes.resolve_district,
            WorkingDayActivities().first_working_morning,
            reporting.compute_half_year_figures, reporting.approved_plan_items,
            reporting.compute_district_control,
            reporting.save_report, reporting.hold_report, reporting.project_report,
            reporting.send_report_mail,
            reporting.publish_briefing,
            appeals.project_appeal, appeals.send_to_applicant, appeals.send_cover_letter,
            calendar.registration_time,
            calendar.working_days_late,
            webhooks.publish_event,
            webhooks.deliver_case_events,
            follow_ups.mail_follow_ups,
            digests.send_escalation_digests,
        ],
        activity_executor=executor,
        max_concurrent_activities=ACTIVITY_THREADS,
        max_cached_workflows=max_cached_workflows,
        max_concurrent_workflow_tasks=max_concurrent_workflow_tasks,
    )


async def run_worker(settings: Settings) -> None:
    log = structlog.get_logger()
    client = await connect(settings, KeyRing.from_settings(settings),
                           metrics_address=settings.worker_metrics_address)
    await ensure_search_attributes(client, settings.temporal_namespace)
    engine = make_engine(settings.database_url)
    create_schema(engine)
    synced = await sync(client, task_queue=settings.task_queue)
    log.info("schedules synced", count=len(synced))
    with ThreadPoolExecutor(max_workers=ACTIVITY_THREADS) as executor:
        worker = build_worker(
            client, task_queue=settings.task_queue, engine=engine,
            transport=transport_from_settings(settings),
            directory=Directory.load(settings.authorities_file),
            districts=load_districts(settings.districts_file),
            base_url=settings.public_base_url, mail_from=settings.mail_from,
            executor=executor, max_cached_workflows=settings.worker_max_cached_workflows,
            max_concurrent_workflow_tasks=settings.worker_max_concurrent_workflow_tasks,
            sms=sms_gateway_from_settings(settings),
            sms_status_wait=settings.sms_status_wait_seconds,
        )
        log.info("worker started", task_queue=settings.task_queue,
                 temporal=settings.temporal_address,
                 metrics=settings.worker_metrics_address)
        await worker.run()


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level)
    asyncio.run(run_worker(settings))


if __name__ == "__main__":
    main()
