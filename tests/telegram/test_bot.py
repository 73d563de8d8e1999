"""The Bala Qorgau bot: a whole conversation to a case, a retried update, an expired
conversation, a call without Telegram's secret token."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from structlog.testing import capture_logs

from store.db import session_scope
from store.models import Case, Intake, TelegramConversation
from tests.telegram.conftest import BotStack, Chat

NAME = "Aruzhan Telegramova"
DESCRIPTION = "Отчим бьёт девочку каждый вечер, соседи слышат крики."
CONTACT = "Гульнара, +7 701 000 00 00"


async def up_to_confirmation(chat: Chat) -> None:
    """A report in Russian: Aktobe, Alga district, physical violence, in danger, a girl of 9."""
    await chat.say("/start")
    await chat.press("ru")
    await chat.press("aktobe")
    await chat.press("153200000")
    await chat.press("physical_violence")
    await chat.press("yes")
    await chat.say("девять")  # refused: the age is a number
    await chat.say("9")
    await chat.press("female")
    await chat.say(NAME)
    await chat.say(DESCRIPTION)
    await chat.press("contact")
    await chat.say(CONTACT)


def telegram_intakes(chat: Chat, stack: BotStack) -> list[Intake]:
    """The reports of ``chat`` (the store is shared by the session's tests)."""
    with session_scope(stack.engine) as session:
        return [i for i in session.exec(select(Intake).where(Intake.channel == "telegram"))
                if i.external_ref.startswith(f"tg:{chat.chat_id}:")]


def conversations(chat: Chat, stack: BotStack) -> list[TelegramConversation]:
    with session_scope(stack.engine) as session:
        return list(session.exec(select(TelegramConversation).where(
            TelegramConversation.chat_id == chat.chat_id)))


async def test_a_whole_conversation_opens_a_case_and_answers_with_its_number_and_111_112(
    bot_stack: BotStack,
) -> None:
    chat = bot_stack.chat(5001)
    with capture_logs() as logs:
        await up_to_confirmation(chat)
        assert "Отправляем?" in chat.last().text and "Алгинский район" in chat.last().text
        await chat.press("confirm")

    [intake] = telegram_intakes(chat, bot_stack)
    reply = chat.last().text
    assert f"Номер дела: {intake.case_id}" in reply and "112, 111" in reply
    assert any("числом от 0 до 17" in s.text for s in bot_stack.api.sent)
    with session_scope(bot_stack.engine) as session:
        case = session.get(Case, intake.case_id)
        assert case is not None
        assert (case.channel, case.region, case.district, case.category) == (
            "telegram", "aktobe", "153200000", "physical_violence")
        assert NAME in str(case.report_json) and DESCRIPTION in str(case.report_json)
    assert intake.external_ref.startswith("tg:5001:")
    assert conversations(chat, bot_stack) == []  # deleted once submitted
    logged = repr(logs)
    for personal in (NAME, DESCRIPTION, CONTACT, "5001"):
        assert personal not in logged


async def test_a_retried_confirmation_opens_no_second_case(bot_stack: BotStack) -> None:
    chat = bot_stack.chat(5002)
    await up_to_confirmation(chat)
    confirmation = chat.press_update("confirm")

    first = await chat.deliver(confirmation)
    again = await chat.deliver(confirmation)  # Telegram's retry: the same update
    pressed_twice = dict(confirmation, update_id=confirmation["update_id"] + 1)
    twice = await chat.deliver(pressed_twice)  # a second press of the same button

    assert (first.status_code, again.status_code, twice.status_code) == (200, 200, 200)
    [intake] = telegram_intakes(chat, bot_stack)
    answers = [s.text for s in bot_stack.api.sent[-3:] if str(intake.case_id) in s.text]
    assert len(answers) == 3  # each delivery is answered with the one case's number


async def test_an_expired_conversation_is_deleted_and_starts_again(bot_stack: BotStack) -> None:
    chat = bot_stack.chat(5003)
    await chat.say("/start")
    await chat.press("kk")
    await chat.press("aktobe")
    with session_scope(bot_stack.engine) as session:
        session.execute(update(TelegramConversation).where(
            col(TelegramConversation.chat_id) == chat.chat_id).values(
            expires_at=datetime.now(UTC) - timedelta(minutes=1)))

    await chat.say("153200000")

    assert "Сөйлесу уақыты өтіп кетті" in chat.api.sent[-2].text
    assert chat.last().buttons == ["kk", "ru"]  # from the beginning
    [row] = conversations(chat, bot_stack)
    assert '"region":null' in row.state_json
    assert telegram_intakes(chat, bot_stack) == []


async def test_an_update_without_the_secret_token_is_refused(bot_stack: BotStack) -> None:
    chat = bot_stack.chat(5004)

    refused = await chat.deliver(chat.text_update("/start"), secret="guess")

    assert refused.status_code == 403
    assert bot_stack.api.sent == [] and conversations(chat, bot_stack) == []
