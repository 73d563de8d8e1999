"""The file transport (development and `make run`) and the choice between transports."""

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from sqlalchemy import Engine
from temporalio.testing import ActivityEnvironment

from activities.directory import Directory
from activities.districts import load_districts
from activities.notices import NoticeActivities, message_id_for
from activities.transports import FileTransport, SmtpTransport, transport_from_settings
from ombudsflow.config import Settings
from schemas.activities import Recipient
from tests.activities.notices.conftest import BASE_URL, MAIL_FROM, RequestFactory


def eml_files(directory: Path) -> dict[str, bytes]:
    """Every file in ``directory`` (temporary files included, so a leftover would show)."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


async def test_file_transport_writes_one_eml_per_notice_and_a_resent_notice_adds_none(
    tmp_path: Path, engine: Engine, directory: Directory, make_request: RequestFactory
) -> None:
    mail_dir = tmp_path / "not-yet" / "mail"
    notices = NoticeActivities(
        engine, FileTransport(mail_dir), directory, districts=load_districts(),
        base_url=BASE_URL, mail_from=MAIL_FROM,
    )
    requests = [make_request(recipient=r) for r in (Recipient.COMMISSIONER, Recipient.AKIMAT)]

    for req in requests:
        await ActivityEnvironment().run(notices.send_notice, req)
    # The activity retried for each (its result lost): the outbox holds the second send back.
    resent = [await ActivityEnvironment().run(notices.send_notice, req) for req in requests]

    assert all(r.already_sent for r in resent)
    files = eml_files(mail_dir)
    assert len(files) == 2 and all(name.endswith(".eml") for name in files)
    written = {BytesParser(policy=policy.default).parsebytes(raw)["Message-ID"]
               for raw in files.values()}
    assert written == {message_id_for(r.idempotency_key) for r in requests}


async def test_the_same_message_sent_twice_is_two_files_so_a_duplicate_shows(
    tmp_path: Path
) -> None:
    transport = FileTransport(tmp_path)
    message = EmailMessage()
    message["Message-ID"] = "<abc/../def@ombudsflow.example>"
    message["Subject"] = "¶10.1"
    message.set_content("Дерек")

    await transport.send(message)
    await transport.send(message)

    files = eml_files(tmp_path)
    assert list(files) == ["abc_.._def@ombudsflow.example.2.eml",
                           "abc_.._def@ombudsflow.example.eml"]
    assert set(files.values()) == {message.as_bytes()}


def test_settings_choose_the_transport(tmp_path: Path) -> None:
    file_transport = transport_from_settings(Settings(mail_transport="file", mail_dir=tmp_path))
    smtp_transport = transport_from_settings(Settings(mail_transport="smtp", smtp_port=2525))

    assert isinstance(file_transport, FileTransport) and file_transport.directory == tmp_path
    assert isinstance(smtp_transport, SmtpTransport)
