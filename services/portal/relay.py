"""A browser's ``multipart/form-data`` passed on to intake as it arrives: files are never held
whole here (intake counts them against its limits), the form's text fields are kept to show
the form again if intake refuses it."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Collection

from python_multipart.multipart import MultipartParser, parse_options_header

FILES_FIELD = "attachments"
# A text field larger than this is not one of our form's (the body is at most 50,000 chars).
FIELD_BYTES = 256 * 1024


class RelayError(Exception):
    """The browser's body is not a form we can pass on; ``field`` names what was wrong."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def boundary_of(content_type: str) -> bytes | None:
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data":
        return None
    return options.get(b"boundary") or None


class FormRelay:
    """Parses the incoming body chunk by chunk and writes a new one: text fields the form has
    (``fields``, non-empty ones only: an unchosen category is no category), and the files of
    ``attachments`` as they come. A file input left empty sends a part with no file name and
    no bytes; intake would refuse it as an empty file, so it is dropped."""

    def __init__(self, boundary: bytes, fields: Collection[str]) -> None:
        self.allowed = frozenset(fields)
        self.fields: dict[str, str] = {}
        self.boundary = secrets.token_hex(16).encode()
        self._out = bytearray()
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._mode = "skip"  # "text", "file" or "skip"
        self._text = bytearray()
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
            },
        )

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary.decode()}"

    async def stream(self, source: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        async for chunk in source:
            try:
                self._parser.write(chunk)
            except ValueError:  # python-multipart's parse errors
                raise RelayError("body", "not a valid form") from None
            if self._out:
                yield bytes(self._out)
                self._out.clear()
        self._parser.finalize()
        yield bytes(self._out) + b"--" + self.boundary + b"--\r\n"
        self._out.clear()

    def _part_begin(self) -> None:
        self._headers, self._text, self._mode = {}, bytearray(), "skip"

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[bytes(self._header_field).lower()] = bytes(self._header_value)
        self._header_field.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        disposition = self._headers.get(b"content-disposition", b"")
        _, options = parse_options_header(disposition)
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if filename is None:
            self._mode = "text" if self._name in self.allowed else "skip"
            return
        if self._name != FILES_FIELD or not filename:
            return  # an empty file input, or a file where none belongs
        self._mode = "file"
        self._out += b"--" + self.boundary + b"\r\nContent-Disposition: " + disposition + b"\r\n"
        kind = self._headers.get(b"content-type")
        if kind:
            self._out += b"Content-Type: " + kind + b"\r\n"
        self._out += b"\r\n"

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._mode == "file":
            self._out += data[start:end]
        elif self._mode == "text":
            self._text += data[start:end]
            if len(self._text) > FIELD_BYTES:
                raise RelayError(self._name, "too long")

    def _part_end(self) -> None:
        if self._mode == "file":
            self._out += b"\r\n"
        elif self._mode == "text":
            value = self._text.decode("utf-8", "replace").replace("\x00", "")
            self.fields[self._name] = value
            if value.strip():
                self._out += (
                    b"--" + self.boundary + b"\r\nContent-Disposition: form-data; "
                    b'name="' + self._name.encode() + b'"\r\n\r\n' + value.encode() + b"\r\n"
                )
        self._mode = "skip"
