"""The wording of letters to an applicant (¶6.2), in the language they chose (kk or ru), each
citing the Code's article: the registration ticket (art. 64), an extension (art. 76), a
forwarding to the competent body, and the answer; and the cover letter to that body.

Printed from the ``ApplicantNotice`` and the appeal's number only: the applicant's own name
and contact are the envelope's, never repeated in the text.
"""

from activities.texts import Words
from ombudsflow.local_time import local_time
from schemas.appeal import ApplicantNotice, ApplicantNoticeKind, CoverLetter, Verdict

SUBJECTS: dict[ApplicantNoticeKind, Words] = {
    ApplicantNoticeKind.TICKET: Words("Өтінішті тіркеу талоны", "Талон о регистрации обращения",
                                      "Registration ticket"),
    ApplicantNoticeKind.EXTENSION: Words("Қарау мерзімін ұзарту", "Продление срока рассмотрения",
                                         "Extension of the term"),
    ApplicantNoticeKind.FORWARDED: Words("Өтініш құзыретті органға жолданды",
                                         "Обращение направлено по подведомственности",
                                         "Appeal forwarded to the competent body"),
    ApplicantNoticeKind.ANSWER: Words("Өтінішке жауап", "Ответ на обращение",
                                      "Answer to your appeal"),
}

VERDICTS: dict[Verdict, Words] = {
    Verdict.UPHELD: Words("қанағаттандырылды", "удовлетворено", "upheld"),
    Verdict.PARTLY_UPHELD: Words("ішінара қанағаттандырылды", "удовлетворено частично",
                                 "partly upheld"),
    Verdict.NOT_UPHELD: Words("қанағаттандырылмады", "не удовлетворено", "not upheld"),
    Verdict.EXPLAINED: Words("түсіндірілді", "разъяснено", "explained"),
    Verdict.FORWARDED: Words("құзыретті органға жолданды", "направлено по подведомственности",
                             "forwarded"),
    Verdict.WITHDRAWN: Words("кері қайтарылды", "отозвано", "withdrawn"),
    Verdict.UNCONSIDERED: Words("қаралмай жабылды", "закрыто без рассмотрения",
                                "closed unconsidered"),
}

MANDATE = Words(
    "Бала құқықтары жөніндегі уәкілдің өңірлік өкілі (Ереженің 6.2-тармағы)",
    "Региональный уполномоченный по правам ребёнка (пункт 6.2 Положения)",
    "The regional children's ombudsman (¶6.2)",
)


def render_applicant_notice(notice: ApplicantNotice, language: str) -> tuple[str, str]:
    """The subject and body of the letter, in ``language``."""
    number = notice.appeal_id
    subject = f"{SUBJECTS[notice.kind].in_language(language)}: {number}"
    lines = [_lead(notice, language)]
    if notice.body:
        lines.append(notice.body)
    lines.append(f"— {MANDATE.in_language(language)}")
    return subject, "\n\n".join(lines) + "\n"


COVER_SUBJECT = Words("Өтінішті құзыреті бойынша жолдау", "Направление обращения по "
                      "подведомственности", "Appeal forwarded for consideration")
COVER_LEAD = Words(
    "Бала құқықтары жөніндегі уәкілдің өңірлік өкілі {number} өтінішті құзыреті бойынша "
    "қарау үшін жолдайды (Ереженің 6.2-тармағы, ӘРПК). Шығыс нөмірі: {ref}.",
    "Региональный уполномоченный по правам ребёнка направляет обращение {number} для "
    "рассмотрения по подведомственности (пункт 6.2 Положения, АППК). Исходящий номер: {ref}.",
    "The regional children's ombudsman forwards appeal {number} for consideration within "
    "your competence (¶6.2, APPC). Outgoing reference: {ref}.")


def render_cover_letter(letter: CoverLetter) -> tuple[str, str]:
    """The subject and body of the letter to the competent body, in its language."""
    language = letter.language.value
    subject = f"{COVER_SUBJECT.in_language(language)}: {letter.appeal_id} ({letter.outgoing_ref})"
    lead = COVER_LEAD.in_language(language).format(number=letter.appeal_id,
                                                  ref=letter.outgoing_ref)
    return subject, f"{lead}\n\n{letter.text}\n\n— {MANDATE.in_language(language)}\n"


def render_applicant_sms(notice: ApplicantNotice, language: str) -> str:
    """The letter's first paragraph as an SMS, signed: what happened to the appeal and its
    term, without the answer's or the reason's text (those go by letter)."""
    return f"{_lead(notice, language)} — {MANDATE.in_language(language)}"


def _lead(notice: ApplicantNotice, language: str) -> str:
    number = notice.appeal_id
    when = local_time(notice.registered_at) if notice.registered_at else ""
    due = local_time(notice.due_at) if notice.due_at else ""
    match notice.kind:
        case ApplicantNoticeKind.TICKET:
            words = Words(
                f"Сіздің өтінішіңіз тіркелді (ӘРПК 64-бабы). Нөмірі: {number}. Тіркелген күні мен "
                f"уақыты: {when}. Қабылдаған: {notice.taken_by}. Қарау мерзімі: {due}.",
                f"Ваше обращение зарегистрировано (ст. 64 АППК). Номер: {number}. Дата и время "
                f"регистрации: {when}. Принял: {notice.taken_by}. Срок рассмотрения: {due}.",
                f"Your appeal is registered (APPC art. 64). Number: {number}. Registered: "
                f"{when}. Taken by: {notice.taken_by}. Term of consideration: {due}.")
        case ApplicantNoticeKind.EXTENSION:
            words = Words(
                f"{number} өтінішті қарау мерзімі {due} дейін ұзартылды (ӘРПК 76-бабы). Себебі:",
                f"Срок рассмотрения обращения {number} продлён до {due} (ст. 76 АППК). "
                "Причина:",
                f"The term of consideration of appeal {number} is extended to {due} "
                "(APPC art. 76). Reason:")
        case ApplicantNoticeKind.FORWARDED:
            words = Words(
                f"{number} өтініш Уәкілдің құзыретіне жатпайды және құзыретті органға "
                "жолданды:",
                f"Обращение {number} не относится к компетенции Уполномоченного и направлено "
                "в компетентный орган:",
                f"Appeal {number} is outside the ombudsman's competence and was forwarded to "
                "the competent body:")
        case ApplicantNoticeKind.ANSWER:
            verdict = VERDICTS[Verdict(notice.verdict)] if notice.verdict else None
            outcome = verdict.in_language(language) if verdict else ""
            words = Words(
                f"{number} өтінішіңізге жауап (Ереженің 6.2-тармағы, ӘРПК 76-бабы). "
                f"Нәтижесі: {outcome}.",
                f"Ответ на Ваше обращение {number} (пункт 6.2 Положения, ст. 76 АППК). "
                f"Итог: {outcome}.",
                f"The answer to your appeal {number} (¶6.2, APPC art. 76). Outcome: {outcome}.")
    return words.in_language(language)
