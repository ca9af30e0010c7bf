"""The local outbox: an email backend that keeps each message as an .eml file, so a
developer can read what the portal sent (links and attachments included) at /dev/outbox/."""

from __future__ import annotations

import email
import uuid
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage as ParsedMessage
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        outbox = Path(settings.OUTBOX_DIR)
        outbox.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = f"{timezone.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
            (outbox / name).write_bytes(message.message().as_bytes())
        return len(email_messages)


@dataclass(frozen=True)
class OutboxAttachment:
    index: int
    filename: str
    content_type: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class OutboxMessage:
    id: str
    subject: str
    to: str
    date: str
    text: str
    html: str
    attachments: tuple[OutboxAttachment, ...] = ()


def _parse(path: Path) -> OutboxMessage:
    parsed: ParsedMessage = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    return OutboxMessage(
        id=path.stem,
        subject=str(parsed["Subject"] or ""),
        to=str(parsed["To"] or ""),
        date=str(parsed["Date"] or ""),
        text=text_part.get_content() if text_part else "",
        html=html_part.get_content() if html_part else "",
        attachments=tuple(
            OutboxAttachment(
                index=index,
                filename=part.get_filename() or f"attachment-{index}",
                content_type=part.get_content_type(),
                content=part.get_payload(decode=True) or b"",
            )
            for index, part in enumerate(parsed.iter_attachments(), start=1)
        ),
    )


def outbox_messages() -> list[OutboxMessage]:
    """Every message in the outbox, newest first."""
    outbox = Path(settings.OUTBOX_DIR)
    if not outbox.is_dir():
        return []
    return [_parse(path) for path in sorted(outbox.glob("*.eml"), reverse=True)]


def outbox_message(message_id: str) -> OutboxMessage | None:
    path = Path(settings.OUTBOX_DIR) / f"{message_id}.eml"
    if "/" in message_id or not path.is_file():
        return None
    return _parse(path)
