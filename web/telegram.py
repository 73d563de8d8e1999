"""The Bala Qorgau Telegram bot, in webhook mode inside the web app (aiogram 3).

Telegram posts each update to ``POST /telegram/webhook`` with the secret token given to
``setWebhook``; anything without it is refused (403). aiogram's dispatcher routes messages and
button presses to ``converse()``, which moves the chat's conversation on one answer
(``web/telegram_conversation.py``), keeps it in the store, and on confirmation submits the
report through the same intake as the API: channel ``telegram``, external reference
``tg:<chat>:<message>`` of the confirmation's message, so a retried update never opens a second
case (and an update already seen is dropped by its ``update_id``). Logs name the step, never an
answer or the chat.
"""

import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from fastapi import APIRouter, HTTPException, Request, status

from cases.intake import parse_report, submit_report
from ombudsflow.config import Settings
from schemas.report import Channel
from store.telegram import (
    case_of_report,
    delete_conversation,
    load_conversation,
    save_conversation,
)
from web.deps import Services, ServicesDep, in_store
from web.i18n import Translator
from web.telegram_conversation import CONFIRM, Ask, Conversation, answer, question, report_of

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
EMERGENCY_NUMBERS = "112, 111"

router = APIRouter(prefix="/telegram", include_in_schema=False)


def telegram_bot(settings: Settings) -> Bot | None:
    """The bot the settings describe, talking to ``telegram_api_url``; None when it is off."""
    if settings.telegram_bot_token is None or settings.telegram_webhook_secret is None:
        return None
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(settings.telegram_bot_token.get_secret_value(), session=session)


def dispatcher() -> Dispatcher:
    """A dispatcher sending messages and button presses to ``converse()`` (one per app: a
    router belongs to one dispatcher)."""
    updates = Router(name="bala-qorgau")
    updates.message.register(on_message)
    updates.callback_query.register(on_button)
    dp = Dispatcher()
    dp.include_router(updates)
    return dp


@router.post("/webhook")
async def receive_update(request: Request, svc: ServicesDep) -> dict[str, bool]:
    """One update from Telegram; 200 once handled, so Telegram retries only what failed."""
    bot: Bot | None = getattr(request.app.state, "telegram_bot", None)
    secret = svc.settings.telegram_webhook_secret
    if bot is None or secret is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "the Telegram bot is not configured")
    presented = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(presented.encode(), secret.get_secret_value().encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"{SECRET_HEADER} is missing or wrong")
    update = Update.model_validate(await request.json(), context={"bot": bot})
    await request.app.state.telegram_dispatcher.feed_update(bot, update, svc=svc)
    return {"ok": True}


async def on_message(message: Message, bot: Bot, svc: Services, event_update: Update
                     ) -> None:
    await converse(bot, svc, chat_id=message.chat.id, message_id=message.message_id,
                   update_id=event_update.update_id, value=message.text or "")


async def on_button(query: CallbackQuery, bot: Bot, svc: Services, event_update: Update
                    ) -> None:
    await query.answer()
    if query.message is None or query.data is None:
        return
    await converse(bot, svc, chat_id=query.message.chat.id,
                   message_id=query.message.message_id, update_id=event_update.update_id,
                   value=query.data)


async def converse(bot: Bot, svc: Services, *, chat_id: int, message_id: int, update_id: int,
                   value: str) -> None:
    """Move the chat's conversation on by ``value`` and say what comes next."""
    now = datetime.now(UTC)
    log = structlog.get_logger(__name__)
    row, expired = await in_store(svc.engine, lambda s: load_conversation(s, chat_id, now=now))
    if row is not None and update_id <= row.last_update_id:
        log.info("telegram_update_repeated")
        return
    external_ref = f"tg:{chat_id}:{message_id}"
    if row is None and value == CONFIRM:  # a confirmation already submitted, sent again
        case_id = await in_store(svc.engine, lambda s: case_of_report(
            s, channel=Channel.TELEGRAM.value, external_ref=external_ref))
        if case_id is not None:
            await bot.send_message(chat_id, _both("telegram.accepted", svc, case_id=case_id))
            return
    conv = Conversation.model_validate_json(row.state_json) if row else Conversation()
    if row is None or value == "/start":
        if expired:
            await bot.send_message(chat_id, _both("telegram.expired", svc))
        conv = Conversation()
    else:
        after = answer(conv, value, svc.districts)
        if isinstance(after, str):
            log.info("telegram_answer_refused", ask=conv.ask.value)
            await bot.send_message(chat_id, _t(conv.language, svc)(after))
        else:
            conv = after
    if conv.ask is Ask.DONE:
        await _submit(bot, svc, conv, chat_id=chat_id, external_ref=external_ref, now=now)
        return
    state = conv.model_dump_json()
    expires = now + timedelta(minutes=svc.settings.telegram_conversation_minutes)
    await in_store(svc.engine, lambda s: save_conversation(
        s, chat_id, state_json=state, update_id=update_id, expires_at=expires, now=now))
    log.info("telegram_asked", ask=conv.ask.value)
    await _ask(bot, svc, conv, chat_id)


async def _submit(bot: Bot, svc: Services, conv: Conversation, *, chat_id: int,
                  external_ref: str, now: datetime) -> None:
    report = parse_report(
        report_of(conv, external_ref=external_ref, received_at=now).model_dump(mode="json"),
        districts=svc.districts)
    submission = await submit_report(svc.client, svc.engine, report,
                                     task_queue=svc.settings.task_queue)
    await in_store(svc.engine, lambda s: delete_conversation(s, chat_id))
    structlog.get_logger(__name__).info("telegram_report_submitted",
                                        case_id=submission.case_id,
                                        created=submission.created)
    t = _t(conv.language, svc)
    text = t("telegram.accepted", case_id=submission.case_id)
    if conv.in_danger:
        text += "\n\n" + t("telegram.emergency", numbers=EMERGENCY_NUMBERS)
    await bot.send_message(chat_id, text)


async def _ask(bot: Bot, svc: Services, conv: Conversation, chat_id: int) -> None:
    t = _t(conv.language, svc)
    asked = question(conv, svc.districts)
    text = t(asked.key)
    if conv.ask is Ask.CONFIRM:
        text += "\n\n" + _summary(conv, t)
    markup = InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=t(label) if t.has(label) else label, callback_data=value)]
        for value, label in asked.buttons]) if asked.buttons else None
    await bot.send_message(chat_id, text, reply_markup=markup)


def _summary(conv: Conversation, t: Translator) -> str:
    """What will be sent, in closed-set words (the typed texts are the person's own)."""
    assert conv.region and conv.district and conv.category
    lines = [t.region(conv.region), t.district(conv.region, conv.district),
             t.enum(conv.category),
             t("telegram.in_danger") if conv.in_danger else t("telegram.not_in_danger"),
             t("telegram.age", age=conv.age),
             t("telegram.anonymous") if conv.contact is None else t("telegram.give_contact")]
    return "\n".join(f"• {line}" for line in lines)


def _t(language: str, svc: Services) -> Translator:
    return Translator(language, districts=svc.districts)


def _both(key: str, svc: Services, **params: Any) -> str:
    """A message for someone whose language is not known (any more): Kazakh, then Russian."""
    return "\n\n".join(_t(language, svc)(key, **params) for language in ("kk", "ru"))
