"""Order No. 149 (2024) ¶10–¶11 (with ¶6.2 appeals and the periodic work) as data: one
spec per step kind, the deadline policy a case runs under, and the workflow's input.

A spec says everything about a kind of step that is not the order of the procedure: its
clause, who does it, its title in each language, its default deadline, the update that
completes it with the model it takes, and the checks its outcome must pass. The workflow (what
to open, what to check), the store and the pages (what to call it), notices (what to cite)
and the clients (which update to send) all read it here, so a clause is written down once.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Self

from pydantic import BaseModel, Field, model_validator

from schemas.appeal import AnswerCompletion, ForwardCompletion, TriageCompletion
from schemas.case import CaseView
from schemas.checks import Check, FourEyes, NoPersonalData, NotBeforeReport, Scope
from schemas.outcomes import (
    ApprovalCompletion,
    ClosureCompletion,
    Completion,
    CoordinationMeetingCompletion,
    InspectionRecord,
    KdnDecisionCompletion,
    PlanReviewCompletion,
    PoliceDecisionCompletion,
    PreventiveTalkCompletion,
    PsychologicalSupportCompletion,
    PublicStatementCompletion,
    RecommendationsCompletion,
    SafePlacementCompletion,
    SafetyAssessmentCompletion,
)
from schemas.policy import Chain, Deadline, Span, hours, working_days
from schemas.regions import Region
from schemas.report import ViolationReport
from schemas.reporting import BriefingCompletion, NarrativeCompletion, PlanCompletion
from schemas.steps import Office, Role, StepKind


@dataclass(frozen=True)
class Titles:
    kk: str
    ru: str
    en: str

    def in_language(self, language: str) -> str:
        return {"kk": self.kk, "ru": self.ru}.get(language, self.en)


@dataclass(frozen=True)
class StepSpec:
    """One kind of step. ``assignee`` None: the system does it (a notice). ``update`` None: no
    one completes it by hand. ``deadline`` None: no deadline (notices have the policy's
    escalation delay; an inspection is recorded when it happens)."""

    clause: str
    assignee: Role | None
    titles: Titles
    deadline: Deadline | None = None
    update: str | None = None
    completion: type[Completion] | type[InspectionRecord] | None = None
    checks: tuple[Check, ...] = ()
    # Another body's own system may deliver it over the API (the police, the KDN).
    delivered_by_integrations: bool = False
    # Only this office's people do it (None: anyone of the role covering the region).
    office: Office | None = None

    @property
    def completed_by(self) -> tuple[str, type[Completion] | type[InspectionRecord]]:
        """The update that completes this kind of step, and the model it takes."""
        assert self.update is not None and self.completion is not None, self.clause
        return self.update, self.completion

    @property
    def outcome(self) -> type[BaseModel]:
        """The model of what a person records: the completion's ``outcome``."""
        model = self.completed_by[1].model_fields["outcome"].annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        return model


def _d(due: Span, escalate: Span) -> Deadline:
    """A task's deadlines with the default chain: the Committee when twice the second
    deadline has passed, then a reminder every two working days."""
    return Deadline(due=due, escalate=escalate,
                    chain=Chain(committee=Span(amount=escalate.amount * 2, unit=escalate.unit)))


APPROVAL_UPDATE = "decide_approval"
RECORD_INSPECTION = "record_inspection"

STEPS: dict[StepKind, StepSpec] = {
    # ¶10: from the moment the report is received.
    StepKind.NOTICE: StepSpec(
        "¶10.1", None,
        Titles("Бұзушылық туралы хабарлама", "Уведомление о нарушении",
               "Notice of the violation"),
    ),
    StepKind.REFERRAL: StepSpec(
        "¶10.3", None,
        Titles("Қорғаншылық органы мен полицияны хабардар ету",
               "Информирование опеки и полиции", "Referral to guardianship and police"),
    ),
    StepKind.PREVENTIVE_TALK: StepSpec(
        "¶10.2", Role.CASE_WORKER,
        Titles("Профилактикалық әңгіме", "Профилактическая беседа", "Preventive talk"),
        _d(working_days(3), working_days(5)),
        "complete_preventive_talk", PreventiveTalkCompletion,
        (NotBeforeReport("talks[].held_at"),),
    ),
    StepKind.POLICE_DECISION: StepSpec(
        "¶11", Role.CASE_WORKER,
        Titles("Полицияның фактілер бойынша жауабы", "Ответ полиции о фактах",
               "Police answer on the facts"),
        _d(working_days(3), working_days(10)),
        "record_police_decision", PoliceDecisionCompletion,
        (NotBeforeReport("decided_at"),), delivered_by_integrations=True,
    ),
    # ¶11: after the police confirm the facts.
    StepKind.PUBLIC_STATEMENT: StepSpec(
        "¶11.1, ¶13", Role.CASE_WORKER,
        Titles("Қоғамға ақпарат беру", "Публичное сообщение", "Public statement"),
        _d(working_days(1), working_days(2)),
        "draft_public_statement", PublicStatementCompletion,
        (NoPersonalData("text", "¶13"),),
    ),
    StepKind.SAFETY_ASSESSMENT: StepSpec(
        "¶11.2", Role.CASE_WORKER,
        Titles("Қауіпсіздікті бағалау", "Оценка безопасности", "Safety assessment"),
        _d(hours(24), hours(48)),
        "complete_safety_assessment", SafetyAssessmentCompletion,
    ),
    StepKind.SAFE_PLACEMENT: StepSpec(
        "¶11.7", Role.CASE_WORKER,
        Titles("Қауіпсіз жерге шұғыл орналастыру", "Срочное безопасное размещение",
               "Urgent safe placement"),
        _d(hours(6), hours(12)),
        "record_safe_placement", SafePlacementCompletion,
        (NotBeforeReport("placed_at"),),
    ),
    StepKind.KDN_DECISION: StepSpec(
        "¶11.7", Role.CASE_WORKER,
        Titles("КДН шешімі", "Решение КДН", "KDN decision"),
        _d(working_days(10), working_days(20)),
        "record_kdn_decision", KdnDecisionCompletion,
        (NotBeforeReport("decided_at"),), delivered_by_integrations=True,
    ),
    StepKind.PSYCHOLOGICAL_SUPPORT: StepSpec(
        "¶11.3", Role.CASE_WORKER,
        Titles("Психологиялық қолдау және оңалту жоспары",
               "Психологическая поддержка и план реабилитации",
               "Psychological support and rehabilitation plan"),
        _d(working_days(5), working_days(10)),
        "complete_psychological_support", PsychologicalSupportCompletion,
    ),
    StepKind.PLAN_REVIEW: StepSpec(
        "¶11.3", Role.CASE_WORKER,
        Titles("Оңалту жоспарын қарау", "Проверка плана реабилитации",
               "Rehabilitation plan review"),
        _d(working_days(3), working_days(7)),
        "complete_plan_review", PlanReviewCompletion,
    ),
    StepKind.COORDINATION_MEETING: StepSpec(
        "¶11.4", Role.CASE_WORKER,
        Titles("Үйлестіру кеңесі", "Координационное совещание", "Coordination meeting"),
        _d(working_days(10), working_days(15)),
        "record_coordination_meeting", CoordinationMeetingCompletion,
        (NotBeforeReport("held_at"),),
    ),
    StepKind.INSPECTION: StepSpec(
        "¶11.5", Role.CASE_WORKER, Titles("Тексеру", "Проверка", "Inspection"),
        None, RECORD_INSPECTION, InspectionRecord, (NotBeforeReport("held_at"),),
    ),
    StepKind.RECOMMENDATIONS: StepSpec(
        "¶11.6", Role.CASE_WORKER, Titles("Ұсынымдар", "Рекомендации", "Recommendations"),
        _d(working_days(10), working_days(15)),
        "draft_recommendations", RecommendationsCompletion,
        (NoPersonalData("text", "¶11.6"),),
    ),
    # A supervisor's decision on a draft (statement, recommendations).
    StepKind.APPROVAL: StepSpec(
        "¶11", Role.SUPERVISOR, Titles("Бекіту", "Утверждение", "Approval"),
        _d(working_days(1), working_days(3)),
        APPROVAL_UPDATE, ApprovalCompletion, (FourEyes(Scope.DRAFT),),
    ),
    StepKind.CLOSURE: StepSpec(
        "¶10–¶11", Role.CASE_WORKER,
        Titles("Қорытынды анықтама", "Итоговая справка", "Closing summary"),
        _d(working_days(5), working_days(10)),
        "submit_closure", ClosureCompletion,
    ),
    # Four eyes: a supervisor who did none of the steps.
    StepKind.CLOSURE_APPROVAL: StepSpec(
        "¶10–¶11", Role.SUPERVISOR,
        Titles("Жабуды бекіту", "Утверждение закрытия", "Closure approval"),
        _d(working_days(3), working_days(5)),
        APPROVAL_UPDATE, ApprovalCompletion, (FourEyes(Scope.CASE),),
    ),
    # ¶6.2 appeals and complaints: their terms are the Code's, in ``AppealPolicy``.
    StepKind.APPEAL_REGISTRATION: StepSpec(
        "¶6.2, APPC art. 64", None,
        Titles("Өтінішті тіркеу", "Регистрация обращения", "Registration of the appeal"),
    ),
    StepKind.APPLICANT_NOTICE: StepSpec(
        "¶6.2", None,
        Titles("Өтініш берушіге хат", "Письмо заявителю", "Letter to the applicant"),
    ),
    StepKind.APPEAL_TRIAGE: StepSpec(
        "¶6.2, APPC art. 64", Role.CASE_WORKER,
        Titles("Өтінішті іріктеу: құзыреті", "Рассмотрение подведомственности",
               "Triage: within competence"),
        None, "triage_appeal", TriageCompletion,
    ),
    StepKind.APPEAL_FORWARD: StepSpec(
        "¶6.2, APPC", Role.CASE_WORKER,
        Titles("Құзыретті органға жолдау", "Направление по подведомственности",
               "Forwarding to the competent body"),
        None, "forward_appeal", ForwardCompletion, (NotBeforeReport("sent_at"),),
    ),
    StepKind.APPEAL_ANSWER: StepSpec(
        "¶6.2, APPC art. 76", Role.CASE_WORKER,
        Titles("Өтінішке жауап", "Ответ на обращение", "Answer to the appeal"),
        None, "draft_appeal_answer", AnswerCompletion,
    ),
    StepKind.APPEAL_ANSWER_APPROVAL: StepSpec(
        "¶6.2, APPC art. 76", Role.SUPERVISOR,
        Titles("Жауапты бекіту", "Утверждение ответа", "Approval of the answer"),
        None, APPROVAL_UPDATE, ApprovalCompletion, (FourEyes(Scope.DRAFT),),
    ),
    StepKind.APPEAL_EXTENSION: StepSpec(
        "¶6.2, APPC art. 76", None,
        Titles("Қарау мерзімін ұзарту", "Продление срока рассмотрения",
               "Extension of the term"),
    ),
    StepKind.APPEAL_RESULT: StepSpec(
        "¶6.2", None,
        Titles("Өтініштің нәтижесі", "Итог обращения", "Outcome of the appeal"),
    ),
    # The periodic work: a draft, then its decisions (their deadlines: ``schemas/reporting.py``).
    StepKind.REPORT_NARRATIVE: StepSpec(
        "¶8", Role.CASE_WORKER,
        Titles("Жарты жылдық ақпарат: мәтін бөлімдері",
               "Полугодовая информация: текстовые разделы",
               "Half-year information: the written sections"),
        None, "draft_report_narrative", NarrativeCompletion,
    ),
    StepKind.REPORT_APPROVAL: StepSpec(
        "¶8", Role.SUPERVISOR,
        Titles("Жарты жылдық ақпаратты бекіту", "Утверждение полугодовой информации",
               "Approval of the half-year information"),
        None, APPROVAL_UPDATE, ApprovalCompletion, (FourEyes(Scope.DRAFT),),
    ),
    StepKind.PLAN_DRAFT: StepSpec(
        "¶6.1", Role.CASE_WORKER,
        Titles("Келесі жылдың жұмыс жоспары", "План работы на следующий год",
               "Next year's work plan"),
        None, "draft_annual_plan", PlanCompletion,
    ),
    StepKind.PLAN_AGREEMENT: StepSpec(
        "¶6.1", Role.SUPERVISOR,
        Titles("Жоспарды Уәкілмен келісу", "Согласование плана с Уполномоченным",
               "Agreement of the plan with the Commissioner"),
        None, "agree_annual_plan", ApprovalCompletion, (FourEyes(Scope.DRAFT),),
        office=Office.NATIONAL,
    ),
    StepKind.PLAN_APPROVAL: StepSpec(
        "¶6.1", Role.SUPERVISOR,
        Titles("Жұмыс жоспарын бекіту", "Утверждение плана работы", "Approval of the plan"),
        None, APPROVAL_UPDATE, ApprovalCompletion, (FourEyes(Scope.DRAFT),),
        office=Office.REGIONAL,
    ),
    StepKind.BRIEFING: StepSpec(
        "¶6.10", Role.CASE_WORKER,
        Titles("Брифинг және оның қоғамға арналған қорытындысы",
               "Брифинг и его публичные итоги", "The briefing and its public summary"),
        None, "draft_briefing", BriefingCompletion,
    ),
    StepKind.BRIEFING_APPROVAL: StepSpec(
        "¶6.10", Role.SUPERVISOR,
        Titles("Брифинг қорытындысын бекіту", "Утверждение итогов брифинга",
               "Approval of the briefing summary"),
        None, APPROVAL_UPDATE, ApprovalCompletion, (FourEyes(Scope.DRAFT),),
    ),
}

# Tasks: the steps a person completes, each by its update, with a deadline.
TASKS = frozenset(k for k, s in STEPS.items() if s.update is not None and s.deadline)
# The tasks of an appeal (their deadlines are the Code's, in ``AppealPolicy``).
APPEAL_TASKS = frozenset({StepKind.APPEAL_TRIAGE, StepKind.APPEAL_FORWARD,
                          StepKind.APPEAL_ANSWER, StepKind.APPEAL_ANSWER_APPROVAL})
# The tasks of the periodic work (their deadlines in ``schemas/reporting.py``).
REPORT_TASKS = frozenset({StepKind.REPORT_NARRATIVE, StepKind.REPORT_APPROVAL,
                          StepKind.PLAN_DRAFT, StepKind.PLAN_AGREEMENT, StepKind.PLAN_APPROVAL,
                          StepKind.BRIEFING, StepKind.BRIEFING_APPROVAL})
APPROVALS = frozenset(k for k, s in STEPS.items()
                      if any(isinstance(c, FourEyes) for c in s.checks))
# The argument model of every update, by update name.
UPDATES: dict[str, type[Completion] | type[InspectionRecord]] = {
    s.update: s.completion for s in STEPS.values() if s.update and s.completion
}


def spec_of(kind: StepKind) -> StepSpec:
    return STEPS[kind]


def clause_of(kind: StepKind) -> str:
    return STEPS[kind].clause


def title_of(kind: StepKind, language: str = "en") -> str:
    return STEPS[kind].titles.in_language(language)


def kind_of_key(step_key: str) -> StepKind | None:
    """The kind of the step under ``step_key``: a ``StepKind`` value, optionally followed by
    ``-``/``.`` and a suffix (``plan_review-2``, ``public_statement.approval-1`` is the draft's
    kind); None if it names none."""
    prefix = step_key.replace(".", "-").split("-", 1)[0]
    try:
        return StepKind(prefix)
    except ValueError:
        return None


def may_complete(kind: StepKind, role: Role) -> bool:
    """Whether someone of ``role`` may complete a task of ``kind``."""
    spec = STEPS[kind]
    if role == Role.INTEGRATION:
        return spec.delivered_by_integrations
    return spec.assignee == role


def of_the_office(kind: StepKind, region: Region | None) -> bool:
    """Whether a person acting for ``region`` (None: nationally) is of the office that does
    tasks of ``kind``."""
    office = STEPS[kind].office
    return office is None or (region is None) == (office == Office.NATIONAL)


def kinds_of(update: str) -> tuple[StepKind, ...]:
    """The kinds of step ``update`` completes (``decide_approval``: both approvals)."""
    return tuple(k for k, s in STEPS.items() if s.update == update)


def default_deadlines() -> dict[StepKind, Deadline]:
    return {k: s.deadline for k, s in STEPS.items() if s.deadline is not None}


class DeadlinePolicy(BaseModel):
    """The deadlines a case runs under; fixed when the case opens. Working days skip weekends
    and Kazakhstan's public holidays and are computed in the calendar activity, never in
    workflow code."""

    deadlines: dict[StepKind, Deadline] = Field(default_factory=default_deadlines)
    # A ¶10.1/¶10.3 notice still undelivered after this escalates to the supervisor.
    notice_escalation: timedelta = timedelta(minutes=15)
    # ¶11.3: the rehabilitation plan is reviewed this often until every item is done.
    plan_review_every: timedelta = timedelta(days=30)

    @model_validator(mode="after")
    def _every_task_has_a_deadline(self) -> Self:
        missing = set(default_deadlines()) - set(self.deadlines)
        if missing:
            raise ValueError(f"deadlines missing for: {', '.join(sorted(missing))}")
        return self


class CaseInput(BaseModel):
    """The workflow's argument. ``carried`` is set only by continue-as-new: the procedure
    resumes from it, skipping what is done and re-waiting on what is open."""

    case_id: str
    report: ViolationReport
    policy: DeadlinePolicy = Field(default_factory=DeadlinePolicy)
    # Continue-as-new past this many history events (Temporal suggests it at 4,096).
    history_limit: int = Field(default=4000, ge=200)
    carried: CaseView | None = None
    # The intake stored the report already (cases opened before it did: the workflow does).
    recorded: bool = False
