"""The steps of Order 149 ¶10–¶11, each with its clause and who does it.

One catalogue, read by the workflow (what to open), the store (what to show), notices (what
to cite) and the UI (what to call it), so a clause is written down exactly once.
"""

from enum import StrEnum
from typing import NamedTuple


class Role(StrEnum):
    CASE_WORKER = "case_worker"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    INTEGRATION = "integration"


class StepKind(StrEnum):
    # ¶10: from the moment the report is received.
    NOTICE = "notice"  # ¶10.1 commissioner, committee, akimat
    REFERRAL = "referral"  # ¶10.3 guardianship, police
    PREVENTIVE_TALK = "preventive_talk"  # ¶10.2
    POLICE_DECISION = "police_decision"  # ¶11 (the confirmation that opens ¶11)
    # ¶11: after the police confirm the facts.
    PUBLIC_STATEMENT = "public_statement"  # ¶11.1, ¶13
    SAFETY_ASSESSMENT = "safety_assessment"  # ¶11.2
    SAFE_PLACEMENT = "safe_placement"  # ¶11.7
    KDN_DECISION = "kdn_decision"  # ¶11.7 "until the KDN decides"
    PSYCHOLOGICAL_SUPPORT = "psychological_support"  # ¶11.3
    PLAN_REVIEW = "plan_review"  # ¶11.3 periodic review of the rehabilitation plan
    COORDINATION_MEETING = "coordination_meeting"  # ¶11.4
    INSPECTION = "inspection"  # ¶11.5
    RECOMMENDATIONS = "recommendations"  # ¶11.6
    APPROVAL = "approval"  # a supervisor's decision on a draft (statement, recommendations)
    CLOSURE = "closure"  # the case worker's closing summary
    CLOSURE_APPROVAL = "closure_approval"  # four eyes: a supervisor who did none of the steps


class StepInfo(NamedTuple):
    clause: str
    assignee: Role | None  # None: the system does it
    en: str
    ru: str
    kk: str


STEP_INFO: dict[StepKind, StepInfo] = {
    StepKind.NOTICE: StepInfo(
        "¶10.1", None, "Notice of the violation", "Уведомление о нарушении",
        "Бұзушылық туралы хабарлама",
    ),
    StepKind.REFERRAL: StepInfo(
        "¶10.3", None, "Referral to guardianship and police", "Информирование опеки и полиции",
        "Қорғаншылық органы мен полицияны хабардар ету",
    ),
    StepKind.PREVENTIVE_TALK: StepInfo(
        "¶10.2", Role.CASE_WORKER, "Preventive talk", "Профилактическая беседа",
        "Профилактикалық әңгіме",
    ),
    StepKind.POLICE_DECISION: StepInfo(
        "¶11", Role.CASE_WORKER, "Police answer on the facts", "Ответ полиции о фактах",
        "Полицияның фактілер бойынша жауабы",
    ),
    StepKind.PUBLIC_STATEMENT: StepInfo(
        "¶11.1, ¶13", Role.CASE_WORKER, "Public statement", "Публичное сообщение",
        "Қоғамға ақпарат беру",
    ),
    StepKind.SAFETY_ASSESSMENT: StepInfo(
        "¶11.2", Role.CASE_WORKER, "Safety assessment", "Оценка безопасности",
        "Қауіпсіздікті бағалау",
    ),
    StepKind.SAFE_PLACEMENT: StepInfo(
        "¶11.7", Role.CASE_WORKER, "Urgent safe placement", "Срочное безопасное размещение",
        "Қауіпсіз жерге шұғыл орналастыру",
    ),
    StepKind.KDN_DECISION: StepInfo(
        "¶11.7", Role.CASE_WORKER, "KDN decision", "Решение КДН", "КДН шешімі",
    ),
    StepKind.PSYCHOLOGICAL_SUPPORT: StepInfo(
        "¶11.3", Role.CASE_WORKER, "Psychological support and rehabilitation plan",
        "Психологическая поддержка и план реабилитации",
        "Психологиялық қолдау және оңалту жоспары",
    ),
    StepKind.PLAN_REVIEW: StepInfo(
        "¶11.3", Role.CASE_WORKER, "Rehabilitation plan review", "Проверка плана реабилитации",
        "Оңалту жоспарын қарау",
    ),
    StepKind.COORDINATION_MEETING: StepInfo(
        "¶11.4", Role.CASE_WORKER, "Coordination meeting", "Координационное совещание",
        "Үйлестіру кеңесі",
    ),
    StepKind.INSPECTION: StepInfo(
        "¶11.5", Role.CASE_WORKER, "Inspection", "Проверка", "Тексеру",
    ),
    StepKind.RECOMMENDATIONS: StepInfo(
        "¶11.6", Role.CASE_WORKER, "Recommendations", "Рекомендации", "Ұсынымдар",
    ),
    StepKind.APPROVAL: StepInfo(
        "¶11", Role.SUPERVISOR, "Approval", "Утверждение", "Бекіту",
    ),
    StepKind.CLOSURE: StepInfo(
        "¶10–¶11", Role.CASE_WORKER, "Closing summary", "Итоговая справка", "Қорытынды анықтама",
    ),
    StepKind.CLOSURE_APPROVAL: StepInfo(
        "¶10–¶11", Role.SUPERVISOR, "Closure approval", "Утверждение закрытия",
        "Жабуды бекіту",
    ),
}


# Decisions other bodies take, which their systems may deliver over the API themselves.
DELIVERED_BY_INTEGRATIONS = frozenset({StepKind.POLICE_DECISION, StepKind.KDN_DECISION})


def may_complete(kind: StepKind, role: Role) -> bool:
    """Whether someone of ``role`` may complete a task of ``kind``."""
    if role == Role.INTEGRATION:
        return kind in DELIVERED_BY_INTEGRATIONS
    return STEP_INFO[kind].assignee == role


def clause_of(kind: StepKind) -> str:
    return STEP_INFO[kind].clause


def title_of(kind: StepKind, language: str = "en") -> str:
    info = STEP_INFO[kind]
    return {"kk": info.kk, "ru": info.ru}.get(language, info.en)
