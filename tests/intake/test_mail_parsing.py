"""Inbound mail read right: a corpus of real-shaped messages built here (clause 3)."""

from __future__ import annotations

from email.header import Header
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from services.intake.domain.mail import html_to_text, parse, trim_quoted

LIMIT = 64 * 1024


def _raw(message: EmailMessage | MIMEMultipart | MIMEText) -> bytes:
    return message.as_bytes()


def _plain(body: str, charset: str, subject: str = "Вопрос по оплате") -> bytes:
    part = MIMEText(body, "plain", charset)
    part["From"] = str(Header("Иван Петров", charset)) + " <Ivan@Example.com>"
    part["To"] = "support@sviftcommunity.ru"
    part["Subject"] = Header(subject, charset)
    part["Message-ID"] = "<abc@example.com>"
    return _raw(part)


@pytest.mark.parametrize("charset", ["utf-8", "windows-1251", "koi8-r"])
def test_every_charset_russian_mail_uses(charset: str) -> None:
    mail = parse(_plain("Не проходит оплата картой.", charset), max_attachment_bytes=LIMIT)
    assert mail.sender == "ivan@example.com"
    assert mail.sender_name == "Иван Петров"
    assert mail.subject == "Вопрос по оплате"
    assert mail.text == "Не проходит оплата картой."
    assert mail.automatic is None


def test_raw_8bit_subject_in_windows_1251_without_encoded_words() -> None:
    raw = (
        b"From: ivan@example.com\r\nTo: support@sviftcommunity.ru\r\n"
        + "Subject: Ошибка при входе\r\n".encode("cp1251")
        + b"Content-Type: text/plain\r\n\r\n"
        + "Не могу войти".encode("cp1251")
    )
    mail = parse(raw, max_attachment_bytes=LIMIT)
    assert mail.subject == "Ошибка при входе"
    assert mail.text == "Не могу войти"


def test_wrong_and_unknown_charset_labels() -> None:
    wrong = (
        b"From: a@example.com\r\nSubject: x\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + "Привет".encode("cp1251")
    )
    assert parse(wrong, max_attachment_bytes=LIMIT).text == "Привет"
    unknown = (
        b"From: a@example.com\r\nSubject: x\r\n"
        b"Content-Type: text/plain; charset=x-unknown-42\r\n\r\n" + "Привет".encode("koi8-r")
    )
    assert parse(unknown, max_attachment_bytes=LIMIT).text in ("Привет",)


def test_html_only_mail_reads_as_text() -> None:
    message = MIMEText(
        "<html><head><style>p{}</style></head><body><p>Добрый день!</p>"
        "<p>Ошибка&nbsp;<b>500</b> при оплате<br>сегодня</p><ul><li>Chrome</li></ul></body></html>",
        "html",
        "utf-8",
    )
    message["From"], message["Subject"] = "a@example.com", "HTML"
    mail = parse(_raw(message), max_attachment_bytes=LIMIT)
    assert mail.text == "Добрый день!\nОшибка 500 при оплате\nсегодня\n\n• Chrome"
    assert "<" not in mail.full_text


def test_quoted_reply_is_trimmed_and_the_original_kept() -> None:
    body = (
        "Спасибо, помогло!\n\n"
        "24.11.2026, 10:15, SviftDesk <support@sviftcommunity.ru> пишет:\n"
        "> Попробуйте очистить кэш.\n"
    )
    message = MIMEText(body, "plain", "utf-8")
    message["From"] = "a@example.com"
    message["Subject"] = "Re: [SC-000123] Ответ по обращению"
    message["In-Reply-To"] = (
        "<sviftdesk.5f4785ab-9679-428a-8fe9-9408a8381bd8.SC-000123@sviftcommunity.ru>"
    )
    mail = parse(_raw(message), max_attachment_bytes=LIMIT)
    assert mail.text == "Спасибо, помогло!"
    assert "Попробуйте очистить кэш." in mail.full_text
    assert mail.references == [
        "<sviftdesk.5f4785ab-9679-428a-8fe9-9408a8381bd8.SC-000123@sviftcommunity.ru>"
    ]


def test_where_a_reply_was_addressed_and_what_its_mta_found() -> None:
    message = MIMEText("ещё вопрос", "plain", "utf-8")
    message["From"] = "a@example.com"
    message["Delivered-To"] = "support+sc-000777.0123@sviftcommunity.ru"
    message["To"] = "Поддержка <support@sviftcommunity.ru>, b@example.com"
    message["Authentication-Results"] = "mx.sviftcommunity.ru; dmarc=pass header.from=example.com"
    message["Authentication-Results"] = "forged.example; dmarc=pass"
    mail = parse(_raw(message), max_attachment_bytes=LIMIT)
    assert mail.addressed_to == [
        "support+sc-000777.0123@sviftcommunity.ru",
        "support@sviftcommunity.ru",
        "b@example.com",
    ]
    assert mail.authentication_results == [
        "mx.sviftcommunity.ru; dmarc=pass header.from=example.com",
        "forged.example; dmarc=pass",
    ]


def test_forwarded_mail_and_attachments_within_the_limit() -> None:
    outer = MIMEMultipart()
    outer["From"], outer["Subject"] = "a@example.com", "Fwd: ошибка"
    outer.attach(
        MIMEText(
            "Смотрите ниже.\n\n-------- Пересылаемое сообщение --------\nОт: b", "plain", "utf-8"
        )
    )
    small = MIMEText("лог", "plain", "utf-8")
    small.add_header("Content-Disposition", "attachment", filename=("utf-8", "", "журнал.txt"))
    outer.attach(small)
    big = MIMEText("x" * (LIMIT + 1), "plain", "utf-8")
    big.add_header("Content-Disposition", "attachment", filename="huge.txt")
    outer.attach(big)
    mail = parse(_raw(outer), max_attachment_bytes=LIMIT)
    assert mail.text == "Смотрите ниже."
    assert [(a.filename, a.data, a.refused) for a in mail.attachments] == [
        ("журнал.txt", "лог".encode(), None),
        ("huge.txt", b"", f"over the limit of {LIMIT} bytes a file"),
    ]
    assert any("huge.txt" in defect for defect in mail.defects)


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Auto-Submitted"),
        ({"Precedence": "bulk"}, "Precedence"),
        ({"Precedence": "auto_reply"}, "Precedence"),
        ({"X-Autoreply": "yes"}, "X-Autoreply"),
        ({"X-Loop": "support@sviftcommunity.ru"}, "X-Loop"),
        ({"List-Id": "<news.example.com>"}, "List-Id"),
        ({"List-Unsubscribe": "<mailto:u@example.com>"}, "List-Unsubscribe"),
        ({"X-Auto-Response-Suppress": "All"}, "X-Auto-Response-Suppress"),
        ({"From": "MAILER-DAEMON@mx.example.com"}, "mailer-daemon"),
    ],
)
def test_automatic_mail_is_recognised(headers: dict[str, str], why: str) -> None:
    message = MIMEText("Я в отпуске до понедельника.", "plain", "utf-8")
    message["From"] = headers.pop("From", "a@example.com")
    message["Subject"] = "Автоответ"
    for name, value in headers.items():
        message[name] = value
    automatic = parse(_raw(message), max_attachment_bytes=LIMIT).automatic
    assert automatic is not None and why.lower() in automatic.lower()


def test_a_bounce_is_recognised() -> None:
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"], report["Subject"] = "postmaster@example.com", "Undelivered Mail"
    report.attach(MIMEText("could not deliver", "plain", "utf-8"))
    assert parse(_raw(report), max_attachment_bytes=LIMIT).automatic is not None


def test_auto_submitted_no_is_a_person() -> None:
    message = MIMEText("Пишу сам", "plain", "utf-8")
    message["From"], message["Auto-Submitted"] = "a@example.com", "no"
    assert parse(_raw(message), max_attachment_bytes=LIMIT).automatic is None


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"garbage without headers \xff\xfe",
        b"Subject: no sender\r\n\r\nbody",
        b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nbroken",
        b"From: a@example.com\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!",
    ],
)
def test_broken_mail_never_crashes(raw: bytes) -> None:
    mail = parse(raw, max_attachment_bytes=LIMIT)
    assert isinstance(mail.text, str)
    if b"From: a@" not in raw:
        assert mail.sender is None


def test_helpers() -> None:
    assert trim_quoted("ok\n> old\n> older") == "ok"
    assert trim_quoted("> only quotes") == "> only quotes"
    assert html_to_text("a&amp;b<script>x</script>") == "a&b"


def test_our_own_mail_reads_back_with_its_tag_and_is_automatic() -> None:
    from services.notifier.domain.messages import build_email

    ours = build_email(
        sender="SviftDesk <support@sviftcommunity.ru>",
        recipient="ivan@example.com",
        number="SC-000042",
        subject="Ваше обращение SC-000042 получено, спасибо за терпение и понимание",
        text="текст",
        html="<p>текст</p>",
        message_id="<sviftdesk.5f4785ab-9679-428a-8fe9-9408a8381bd8.SC-000042@sviftcommunity.ru>",
        language="ru",
    )
    mail = parse(ours.as_bytes(), max_attachment_bytes=LIMIT)
    assert mail.subject == (
        "[SC-000042] Ваше обращение SC-000042 получено, спасибо за терпение и понимание"
    )
    assert mail.references == []  # our own Message-ID is its id, not a reference
    assert mail.automatic is not None  # a loop back to us never opens a ticket
