"""Attachments of real size: taken from ``multipart/form-data`` without holding them in memory,
kept in chunks outside the ticket rows, streamed back on download.

A file's size is counted while it arrives: past SVIFTDESK_MAX_ATTACHMENT_BYTES (one file) or
SVIFTDESK_MAX_MESSAGE_ATTACHMENTS_BYTES (all of one request) the upload stops with a 413 that
names the field, and nothing is stored. What is under the limits waits in a spooled temporary
file (memory up to a megabyte, then disk) until the request's transaction writes it.
"""

from __future__ import annotations

import re
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from python_multipart.multipart import MultipartParser, parse_options_header

from services.intake.attachments import queries as attachment_queries
from services.intake.attachments.queries import NewAttachment
from services.intake.domain.tickets import (
    MAX_ATTACHMENTS,
    check_attachment_size,
    clean_filename,
    describe_bytes,
)
from services.intake.schemas import AttachmentIn
from shared.errors import ProblemError
from shared.runtime import ServiceRuntime
from shared.unit_of_work import UnitOfWork

SPOOL_BYTES = 1024 * 1024
ATTACHMENTS_FIELD = "attachments"
_MEDIA_TYPE = re.compile(r"[a-z0-9][\w.+-]{0,62}/[a-z0-9][\w.+-]{0,62}")
Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class Upload:
    """A file on its way in: bytes (mail, JSON) or a spooled file (multipart); a refused one
    (a mailed part over a limit) has neither and says why."""

    filename: str
    content_type: str
    size: int
    content: bytes | IO[bytes] | None
    refused: str | None = None
    limit: int | None = None  # the limit, in bytes, that a refused file was over


class UploadTooLargeError(ProblemError):
    """413 naming the field: the rest of the request was not read, nothing was stored."""

    status, title = 413, "Payload too large"

    def __init__(self, field: str, what: str, limit: int) -> None:
        reason = f"{what} is over the limit of {describe_bytes(limit)}"
        super().__init__(
            f"{field}: {reason}; nothing was stored",
            errors=[{"field": field, "reason": reason}],
        )


def _invalid(field: str, message: str) -> RequestValidationError:
    return RequestValidationError(
        [{"type": "value_error", "loc": ("body", field), "msg": message, "input": None}]
    )


class _Form:
    """Collects one multipart body: text fields in memory (bounded), files spooled."""

    def __init__(self, *, field_bytes: int, file_bytes: int, total_bytes: int) -> None:
        self.field_bytes, self.file_bytes, self.total_bytes = field_bytes, file_bytes, total_bytes
        self.fields: dict[str, str] = {}
        self.uploads: list[Upload] = []
        self.total = 0
        self.error: Exception | None = None
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._filename: str | None = None
        self._text = bytearray()
        self._file: IO[bytes] | None = None
        self._size = 0
        self.ended = False

    def part_begin(self) -> None:
        self._headers, self._text, self._file, self._size = {}, bytearray(), None, 0

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field, self._header_value = b"", b""

    def headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        self._filename = None if filename is None else filename.decode("utf-8", "replace")
        if self._filename is None:
            return
        if self._name != ATTACHMENTS_FIELD:
            self._fail(_invalid(self._name, f"files go in the field {ATTACHMENTS_FIELD!r}"))
        elif len(self.uploads) >= MAX_ATTACHMENTS:
            self._fail(_invalid(ATTACHMENTS_FIELD, f"at most {MAX_ATTACHMENTS} files"))
        else:
            self._file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.error is not None:
            return
        piece = data[start:end]
        self._size += len(piece)
        if self._file is None:
            if self._size > self.field_bytes:
                self._fail(UploadTooLargeError(self._name, "the field", self.field_bytes))
            else:
                self._text += piece
            return
        self.total += len(piece)
        field = f"{ATTACHMENTS_FIELD}.{len(self.uploads)}"
        if self._size > self.file_bytes:
            self._fail(UploadTooLargeError(field, f"the file {self._filename!r}", self.file_bytes))
        elif self.total > self.total_bytes:
            self._fail(UploadTooLargeError(ATTACHMENTS_FIELD, "all files", self.total_bytes))
        else:
            self._file.write(piece)

    def part_end(self) -> None:
        if self.error is not None:
            return
        if self._file is None:
            try:
                text = self._text.decode()
            except UnicodeDecodeError:
                self._fail(_invalid(self._name, "not UTF-8 text"))
                return
            if "\x00" in text or "\x00" in self._name:
                # As the JSON bodies' check: PostgreSQL's text cannot hold U+0000.
                self._fail(_invalid(self._name.replace("\x00", ""), "U+0000 is not allowed"))
                return
            self.fields[self._name] = text
            return
        if self._size == 0:
            self._fail(_invalid(f"{ATTACHMENTS_FIELD}.{len(self.uploads)}", "the file is empty"))
            return
        content_type = self._headers.get(b"content-type", b"application/octet-stream")
        self._file.seek(0)
        self.uploads.append(
            Upload(
                filename=clean_filename(self._filename or "") or "attachment",
                content_type=_content_type(content_type),
                size=self._size,
                content=self._file,
            )
        )

    def end(self) -> None:
        self.ended = True

    def _fail(self, error: Exception) -> None:
        if self.error is None:
            self.error = error
        if self._file is not None:
            self._file.close()


def _content_type(raw: bytes) -> str:
    """The part's declared type, only if it looks like one; served as a download anyway."""
    kind, _ = parse_options_header(raw)
    text = kind.decode("ascii", "replace").lower()
    return text if _MEDIA_TYPE.fullmatch(text) else "application/octet-stream"


async def read_form(
    request: Request, runtime: ServiceRuntime, model: type[Model]
) -> tuple[Model, list[Upload]]:
    """The request's fields as ``model`` (dotted names nest: ``customer.email``), and its
    files from the ``attachments`` field, counted as they arrive."""
    settings = runtime.settings
    _, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if not boundary:
        raise _invalid("body", "multipart/form-data without a boundary")
    form = _Form(
        field_bytes=settings.limits.max_request_bytes,
        file_bytes=settings.limits.max_attachment_bytes,
        total_bytes=settings.limits.max_message_attachments_bytes,
    )
    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": form.part_begin,
            "on_header_field": form.header_field,
            "on_header_value": form.header_value,
            "on_header_end": form.header_end,
            "on_headers_finished": form.headers_finished,
            "on_part_data": form.part_data,
            "on_part_end": form.part_end,
            "on_end": form.end,
        },
    )
    try:
        async for chunk in request.stream():
            try:
                parser.write(chunk)
            except ValueError:  # python-multipart's parse errors
                raise _invalid("body", "not a valid multipart/form-data body") from None
            if form.error is not None:
                raise form.error
        parser.finalize()
        if form.error is not None:
            raise form.error
        if not form.ended:
            raise _invalid("body", "the body ends before its closing boundary")
        return _model(model, form.fields), form.uploads
    except BaseException:
        close(form.uploads)
        raise


def _model(model: type[Model], fields: dict[str, str]) -> Model:
    nested: dict[str, Any] = {}
    for name, value in fields.items():
        if name == ATTACHMENTS_FIELD:
            raise _invalid(name, "send the files as file parts")
        place = nested
        *path, last = name.split(".")
        for step in path:
            place = place.setdefault(step, {})
            if not isinstance(place, dict):
                raise _invalid(name, "not a field")
        place[last] = value
    try:
        return model.model_validate(nested)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        ) from None


def new_attachments(
    runtime: ServiceRuntime,
    items: Sequence[AttachmentIn | Upload],
    *,
    field: str,
    ticket_id: uuid.UUID,
    message_id: uuid.UUID | None,
    at: datetime,
) -> list[NewAttachment]:
    """The files to store with a ticket or message; a JSON one is checked against
    SVIFTDESK_MAX_ATTACHMENT_BYTES here (naming ``field``), an upload was while it arrived."""
    limit = runtime.settings.limits.max_attachment_bytes
    files = []
    for index, item in enumerate(items):
        if isinstance(item, AttachmentIn):
            check_attachment_size(f"{field}.{index}.data", len(item.data), limit)
            item = Upload(item.filename, item.content_type, len(item.data), item.data)
        files.append(
            NewAttachment(
                id=uuid.uuid4(),
                ticket_id=ticket_id,
                message_id=message_id,
                filename=clean_filename(item.filename)[:255] or "attachment",
                content_type=item.content_type.lower()[:127],
                size=item.size,
                content=item.content,
                refused=item.refused and item.refused[:200],
                limit=item.limit,
                created_at=at,
            )
        )
    return files


async def chunk(uow: UnitOfWork, attachment_id: uuid.UUID, seq: int) -> bytes | None:
    """One chunk of an attachment's bytes (None past the last): a download reads them one
    short unit of work at a time, so that no transaction waits on the client."""
    return await attachment_queries.chunk_of(uow.session, attachment_id, seq)


def close(uploads: Sequence[Upload]) -> None:
    """Let go of the spooled files (their disk space) once the request is done."""
    for upload in uploads:
        if upload.content is not None and not isinstance(upload.content, bytes):
            upload.content.close()
