"""The wording of notices: Kazakh first, then Russian, then English, each citing its clause.

Everything printed comes from the ``NoticeRequest`` (which carries nothing that identifies the
child), the recipient's directory entry and the district directory's name for the case's
district code (never the stored value itself), so a notice cannot leak what it was never given.
"""

from typing import NamedTuple

from activities.directory import Authority
from ombudsflow.local_time import local_time
from schemas.activities import NoticeKind, NoticeRequest
from schemas.districts import Districts
from schemas.numbers import work_page
from schemas.procedure import kind_of_key, title_of
from schemas.report import Category
from schemas.reporting import is_report_id


class Words(NamedTuple):
    kk: str
    ru: str
    en: str

    def in_language(self, language: str) -> str:
        return {"kk": self.kk, "ru": self.ru}.get(language, self.en)


ORDER = Words(
    "2024 жылғы 19 маусымдағы № 149 бұйрық",
    "приказ № 149 от 19 июня 2024 года",
    "Order No. 149 of 19 June 2024",
)

KIND_TITLES: dict[NoticeKind, Words] = {
    NoticeKind.ALARM: Words(
        "Бұзушылық туралы хабарлама", "Уведомление о нарушении", "Notice of a violation"
    ),
    NoticeKind.REFERRAL: Words("Хабардар ету", "Информирование", "Referral"),
    NoticeKind.REMINDER: Words("Еске салу", "Напоминание", "Reminder"),
    NoticeKind.ESCALATION: Words("Мерзімнің өтуі", "Просрочка", "Escalation"),
    NoticeKind.RECOMMENDATIONS: Words("Ұсынымдар", "Рекомендации", "Recommendations"),
}

LEADS: dict[NoticeKind, Words] = {
    NoticeKind.ALARM: Words(
        "Баланың құқықтарының бұзылуы туралы келіп түскен ақпаратты Сіздің назарыңызға "
        "жеткіземіз.",
        "Доводим до Вашего сведения поступившую информацию о нарушении прав ребёнка.",
        "We bring to your attention information received about a violation of a child's rights.",
    ),
    NoticeKind.REFERRAL: Words(
        "Баланың құқықтарының бұзылуы туралы ақпаратты өз құзыретіңіз шегінде шара қолдану "
        "үшін хабарлаймыз.",
        "Информируем Вас о нарушении прав ребёнка для принятия мер в пределах Вашей "
        "компетенции.",
        "We inform you of a violation of a child's rights for action within your competence.",
    ),
    NoticeKind.REMINDER: Words(
        "Осы іс бойынша тапсырманың орындалу мерзімі келді, ол әлі орындалған жоқ.",
        "По этому делу наступил срок исполнения задачи, задача ещё не выполнена.",
        "A task in this case has reached its due date and is not yet done.",
    ),
    NoticeKind.ESCALATION: Words(
        "Осы іс бойынша тапсырманың мерзімі өтіп кетті; ол Сіздің бақылауыңызға жіберіледі.",
        "По этому делу просрочена задача; она передаётся Вам на контроль.",
        "A task in this case is overdue and is escalated to you.",
    ),
    NoticeKind.RECOMMENDATIONS: Words(
        "Баланың бұзылған құқықтарын қалпына келтіру жөніндегі ұсынымдарды жолдаймыз "
        "(мәтіні төменде).",
        "Направляем рекомендации по восстановлению нарушенных прав ребёнка (текст ниже).",
        "We send you recommendations to restore the violated rights of a child (text below).",
    ),
}

CATEGORIES: dict[Category, Words] = {
    Category.PHYSICAL_VIOLENCE: Words(
        "физикалық зорлық-зомбылық", "физическое насилие", "physical violence"
    ),
    Category.PSYCHOLOGICAL_VIOLENCE: Words(
        "психологиялық зорлық-зомбылық", "психологическое насилие", "psychological violence"
    ),
    Category.SEXUAL_VIOLENCE: Words(
        "жыныстық зорлық-зомбылық", "сексуальное насилие", "sexual violence"
    ),
    Category.NEGLECT: Words(
        "баланың қажеттіліктеріне немқұрайлылық", "пренебрежение нуждами ребёнка", "neglect"
    ),
    Category.CHILD_LABOUR: Words(
        "балалар еңбегін қанау", "эксплуатация детского труда", "child labour"
    ),
    Category.BULLYING: Words("буллинг (қуғындау)", "буллинг (травля)", "bullying"),
    Category.EDUCATION_ACCESS: Words(
        "білім алу құқығының бұзылуы", "нарушение права на образование",
        "denial of access to education",
    ),
    Category.ALIMONY: Words("алимент төлемеу", "неуплата алиментов", "non-payment of alimony"),
    Category.OTHER: Words("өзге бұзушылық", "иное нарушение", "other violation"),
}

URGENT = Words("ШҰҒЫЛ", "СРОЧНО", "URGENT")
NOT_URGENT = Words("жоспарлы", "в обычном порядке", "routine")


class Labels(NamedTuple):
    to: str
    basis: str
    case: str
    region: str
    district: str
    category: str
    urgency: str
    task: str
    due: str
    link: str


LABELS: dict[str, Labels] = {
    "kk": Labels(
        "Кімге", "Негіз", "Іс нөмірі", "Өңір", "Аудан", "Санат", "Шұғылдығы", "Тапсырма",
        "Мерзімі", "Іс карточкасы",
    ),
    "ru": Labels(
        "Кому", "Основание", "Номер дела", "Регион", "Район", "Категория", "Срочность", "Задача",
        "Срок", "Карточка дела",
    ),
    "en": Labels(
        "To", "Basis", "Case number", "Region", "District", "Category", "Urgency", "Task", "Due",
        "Case card",
    ),
}

RECOMMENDATIONS_HEADING = "Ұсынымдар мәтіні / Текст рекомендаций / Text of the recommendations:"


def link_to(number: str, base_url: str) -> str:
    """The page of the case, appeal or periodic report ``number``, on the site."""
    return f"{base_url.rstrip('/')}{work_page(number)}"


def render_notice(req: NoticeRequest, authority: Authority, *, districts: Districts,
                  base_url: str) -> tuple[str, str]:
    """The subject and plain-text body of the notice ``req`` to ``authority``."""
    link = link_to(req.case_id, base_url)
    paragraphs = [_paragraph(req, authority, districts, language, link)
                  for language in authority.languages]
    if req.kind is NoticeKind.RECOMMENDATIONS and req.body:
        # The approved text is in the language it was written in: it goes once, after all three.
        paragraphs.append(f"{RECOMMENDATIONS_HEADING}\n\n{req.body}")
    return _subject(req), "\n\n".join(paragraphs) + "\n"


def _subject(req: NoticeRequest) -> str:
    urgent = f"[{' / '.join(URGENT)}] " if req.urgent else ""
    return f"{urgent}{req.clause} {' / '.join(KIND_TITLES[req.kind])} — {req.case_id}"


def _paragraph(req: NoticeRequest, authority: Authority, districts: Districts, language: str,
               link: str) -> str:
    labels = LABELS[language]
    lines = [
        f"{labels.to}: {authority.name_in(language)}",
        LEADS[req.kind].in_language(language),
        f"{labels.basis}: {ORDER.in_language(language)}, {req.clause}.",
        f"{labels.case}: {req.case_id}",
        f"{labels.region}: {req.region.name_in(language)}",
    ]
    if not is_report_id(req.case_id):  # a report is the region's: no district, no category
        lines += [
            f"{labels.district}: {districts.name_in(req.region, req.district, language)}",
            f"{labels.category}: {CATEGORIES[req.category].in_language(language)}",
            f"{labels.urgency}: {(URGENT if req.urgent else NOT_URGENT).in_language(language)}",
        ]
    if req.subject_step:
        lines.append(f"{labels.task}: {step_title(req.subject_step, language)}")
    if req.due_at:
        lines.append(f"{labels.due}: {local_time(req.due_at)}")
    lines.append(f"{labels.link}: {link}")
    return "\n".join(lines)


def step_title(step_key: str, language: str) -> str:
    """A step's name for people, with its key; the key alone if its kind is unknown."""
    kind = kind_of_key(step_key)
    return step_key if kind is None else f"{title_of(kind, language)} ({step_key})"


# SMS: one per language, Kazakh then Russian; Cyrillic makes a segment 70 characters, so the
# words are short. Urgency, clause, category and the link with the case number: nothing else.
SMS_LANGUAGES = ("kk", "ru")
SMS_SEGMENT = 70  # UCS-2 characters in a single SMS
SMS_CATEGORIES: dict[Category, Words] = {
    Category.PHYSICAL_VIOLENCE: Words("физ. зорлық", "физ. насилие", "physical"),
    Category.PSYCHOLOGICAL_VIOLENCE: Words("псих. зорлық", "псих. насилие", "psychological"),
    Category.SEXUAL_VIOLENCE: Words("жыныстық зорлық", "секс. насилие", "sexual"),
    Category.NEGLECT: Words("немқұрайлылық", "пренебрежение", "neglect"),
    Category.CHILD_LABOUR: Words("еңбек қанау", "эксплуат. труда", "child labour"),
    Category.BULLYING: Words("буллинг", "буллинг", "bullying"),
    Category.EDUCATION_ACCESS: Words("білім құқығы", "право на образ.", "education"),
    Category.ALIMONY: Words("алимент", "алименты", "alimony"),
    Category.OTHER: Words("өзге", "иное", "other"),
}


def render_sms(req: NoticeRequest, language: str, *, base_url: str) -> str:
    """The SMS of notice ``req`` in ``language``: one segment when the base URL is short."""
    urgent = f"{URGENT.in_language(language)} " if req.urgent else ""
    category = ("" if is_report_id(req.case_id)
                else f"{SMS_CATEGORIES[req.category].in_language(language)} ")
    return f"{urgent}{req.clause} {category}{link_to(req.case_id, base_url)}"
