"""Streaming readers for import files: JSON arrays, JSON Lines and CSV, one row at a time.

Each reader takes a binary stream (an upload, a storage file, a request body) and yields
``RawRow``s; none ever holds more than one row plus a read-ahead chunk, so a file of any
size is read in bounded memory. A problem that stops the file from being read on (bad
UTF-8, broken JSON array syntax, an unterminated CSV quote, a row over the size cap where
the format cannot resynchronise) raises ``FileProblem`` with its place; a problem confined
to one row (a bad JSON Lines line, a CSV row with the wrong number of cells) is reported on
that row and reading goes on.

Values go through the input guard (``annotation_platform.jsonguard``): a row nested too
deep, holding NUL or an unpaired surrogate, or a number that cannot be stored is reported
on its row with the field's path (``field``); reading goes on.

Pure Python with no Django: the rules can be tested with byte strings.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, Final

from django.utils.translation import gettext_noop

from annotation_platform import jsonguard
from annotation_platform.stored_text import nested, stored

CHUNK: Final = 256 * 1024
BOM: Final = b"\xef\xbb\xbf"
FORMATS: Final = ("json", "jsonl", "csv")
DELIMITERS: Final = (",", ";", "\t")


class FileProblem(Exception):
    """The file cannot be read on; ``line``/``offset`` say where, ``field`` what."""

    def __init__(self, reason: str, *, line: int | None = None, field: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.field = field


class TooLarge(FileProblem):
    """The file is over the size limit (raised while streaming, before reading it all)."""


@dataclass(slots=True)
class RawRow:
    """One row as read: its first line, its original text (JSON) or cells (CSV), and the
    parsed value; ``error`` is set when the row itself could not be parsed or was refused
    by the input guard, ``field`` then says where in the row ("data.prompt")."""

    line: int
    raw: Any
    value: Any = None
    error: str = ""
    field: str = ""


class LimitedReader:
    """A binary stream that refuses to read past ``limit`` bytes (the size cap, enforced
    while streaming, so a lying or missing Content-Length cannot get a huge file read)."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        want = CHUNK if size is None or size < 0 else size
        data = self.stream.read(min(want, self.limit + 1 - self.read_bytes))
        self.read_bytes += len(data)
        if self.read_bytes > self.limit:
            raise TooLarge(
                stored(
                    gettext_noop("The file is larger than the import limit of %(limit)s bytes."),
                    limit=f"{self.limit:,}",
                )
            )
        return data


def sniff_format(head: bytes) -> str | None:
    """ "json" or "jsonl" from the first non-blank byte of a body; None when neither."""
    text = head.removeprefix(BOM).lstrip()
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        return "jsonl"
    return None


def format_from_name(name: str) -> str | None:
    lowered = name.lower()
    for suffix, fmt in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "json")):
        if lowered.endswith(suffix):
            return fmt
    if lowered.endswith((".csv", ".tsv")):
        return "csv"
    return None


# --- bytes to text, with exact places for bad UTF-8 --------------------------------------


def _encoding_problem(exc: UnicodeDecodeError, offset: int, line: int) -> FileProblem:
    return FileProblem(
        stored(
            gettext_noop(
                "The file is not valid UTF-8: byte %(offset)s (line %(line)s) cannot be "
                "decoded (%(error)s). Save the file as UTF-8 and upload it again."
            ),
            offset=f"{offset:,}",
            line=line,
            error=exc.reason,
        ),
        line=line,
    )


def _text_chunks(stream: IO[bytes]) -> Iterator[str]:
    """Decode UTF-8 chunk by chunk; a character split across chunks is carried over."""
    pending = b""
    offset = 0  # bytes before ``pending``
    line = 1
    first = True
    while True:
        chunk = stream.read(CHUNK)
        data = pending + chunk
        if first and data:
            if len(data) < 3 and chunk:
                pending = data
                continue
            first = False
            if data.startswith(BOM):
                data, offset = data[3:], 3
        if not chunk:
            if data:
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError as exc:
                    line += data[: exc.start].count(b"\n")
                    raise _encoding_problem(exc, offset + exc.start, line) from None
                yield text
            return
        try:
            text = data.decode("utf-8")
            pending = b""
        except UnicodeDecodeError as exc:
            if exc.reason == "unexpected end of data" and exc.end == len(data):
                text = data[: exc.start].decode("utf-8")
                pending = data[exc.start :]
            else:
                line += data[: exc.start].count(b"\n")
                raise _encoding_problem(exc, offset + exc.start, line) from None
        offset += len(data) - len(pending)
        line += text.count("\n")
        yield text


def _byte_lines(stream: IO[bytes], max_line: int) -> Iterator[tuple[bytes | None, int]]:
    """Physical lines as bytes with their byte offset; a line over ``max_line`` bytes comes
    as ``None`` (its bytes skipped, never buffered). UTF-8 never has 0x0A inside a
    character, so splitting on it before decoding is safe."""
    buffer = b""
    offset = 0
    skipping = False
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        buffer += chunk
        start = 0
        while True:
            end = buffer.find(b"\n", start)
            if end < 0:
                break
            if skipping:
                skipping = False
                yield None, offset
            else:
                yield buffer[start : end + 1], offset
            offset += end + 1 - start
            start = end + 1
        buffer = buffer[start:]
        if len(buffer) > max_line:
            skipping = True
            offset += len(buffer)
            buffer = b""
    if skipping:
        yield None, offset
    elif buffer:
        yield buffer, offset


def _decoded_lines(stream: IO[bytes], max_line: int) -> Iterator[tuple[int, str | None]]:
    """(line number, text) per physical line; text is None for a line over the cap."""
    for number, (raw, offset) in enumerate(_byte_lines(stream, max_line), start=1):
        if raw is None:
            yield number, None
            continue
        if number == 1 and raw.startswith(BOM):
            raw, offset = raw[3:], offset + 3
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _encoding_problem(exc, offset + exc.start, number) from None


def _too_big(max_row: int) -> str:
    return stored(
        gettext_noop("The row is larger than %(limit)s bytes, the per-row limit."),
        limit=f"{max_row:,}",
    )


# --- readers --------------------------------------------------------------------------------


def read_jsonl(stream: IO[bytes], *, max_row_bytes: int) -> Iterator[RawRow]:
    """One JSON value per line; blank lines are ignored."""
    loads = jsonguard.loads
    limits = jsonguard.current_limits()
    for number, text in _decoded_lines(stream, max_row_bytes):
        if text is None:
            yield RawRow(line=number, raw="", error=_too_big(max_row_bytes))
            continue
        text = text.rstrip("\r\n")
        if not text.strip():
            continue
        try:
            value = loads(text, limits=limits, from_utf8=True)
        except jsonguard.HostileInput as exc:
            yield RawRow(line=number, raw=text, error=exc.reason, field=exc.path)
            continue
        except json.JSONDecodeError as exc:
            yield RawRow(
                line=number,
                raw=text,
                error=stored(
                    gettext_noop("Not valid JSON: %(error)s (column %(column)s)."),
                    error=nested(jsonguard.syntax_error_msgid(exc)),
                    column=exc.colno,
                ),
            )
            continue
        yield RawRow(line=number, raw=text, value=value)


_WHITESPACE: Final = frozenset(" \t\r\n")


def read_json_array(stream: IO[bytes], *, max_row_bytes: int) -> Iterator[RawRow]:
    """The elements of a top-level JSON array, decoded one at a time as they stream in.

    A row nested past the parser's recursion limit cannot be skipped (where it ends is not
    known), so it stops the file with its line and path; other refused rows are reported
    on their row."""
    limits = jsonguard.current_limits()

    def decode(text: str, start: int) -> tuple[Any, int, bool]:
        try:
            return jsonguard.raw_decode(text, start, limits=limits)
        except jsonguard.HostileInput as exc:
            raise FileProblem(exc.reason, line=line, field=exc.path) from None

    chunks = _text_chunks(stream)
    buffer = ""
    pos = 0
    line = 1  # the line at ``pos``
    eof = False

    def fill() -> bool:
        nonlocal buffer, pos, eof
        if eof:
            return False
        for text in chunks:
            buffer = buffer[pos:] + text
            pos = 0
            return True
        eof = True
        return False

    def skip_space() -> str:
        """The next non-blank character (moving ``pos`` to it), or "" at the end."""
        nonlocal pos, line
        while True:
            while pos < len(buffer) and buffer[pos] in _WHITESPACE:
                if buffer[pos] == "\n":
                    line += 1
                pos += 1
            if pos < len(buffer):
                return buffer[pos]
            if not fill():
                return ""

    first = skip_space()
    if first != "[":
        raise FileProblem(
            gettext_noop(
                "A JSON import file must be one array of rows: [{...}, {...}]. "
                "For one row per line, choose JSON Lines."
            ),
            line=line,
        )
    pos += 1
    expect_row = True
    seen = 0
    while True:
        char = skip_space()
        if char == "":
            raise FileProblem(
                gettext_noop("The JSON array is not closed: the file ends before its final ]."),
                line=line,
            )
        if char == "]" and (seen == 0 or not expect_row):
            pos += 1
            break
        if not expect_row:
            if char != ",":
                raise FileProblem(
                    stored(
                        gettext_noop(
                            "Not valid JSON: expected , or ] after row %(row)s, found %(found)s."
                        ),
                        row=seen,
                        found=repr(char),
                    ),
                    line=line,
                )
            pos += 1
            expect_row = True
            continue
        while True:
            try:
                value, end, refused = decode(buffer, pos)
            except json.JSONDecodeError as exc:
                if len(buffer) - pos > max_row_bytes:
                    raise FileProblem(_too_big(max_row_bytes), line=line) from None
                if not fill():
                    where = line + buffer.count("\n", pos, exc.pos)
                    raise FileProblem(
                        stored(
                            gettext_noop("Not valid JSON: %(error)s."),
                            error=nested(jsonguard.syntax_error_msgid(exc)),
                        ),
                        line=where,
                    ) from None
                continue
            # A number or literal cut by the chunk's end decodes "fine" as its prefix.
            if end == len(buffer) and not isinstance(value, dict | list) and fill():
                continue
            break
        if end - pos > max_row_bytes:
            raise FileProblem(_too_big(max_row_bytes), line=line)
        raw = buffer[pos:end]
        try:
            jsonguard.check_parsed(value, raw, refused=refused, limits=limits, from_utf8=True)
        except jsonguard.HostileInput as exc:
            yield RawRow(line=line, raw=raw, error=exc.reason, field=exc.path)
        else:
            yield RawRow(line=line, raw=raw, value=value)
        line += raw.count("\n")
        pos = end
        seen += 1
        expect_row = False
    if skip_space() != "":
        raise FileProblem(
            gettext_noop("Unexpected text after the closing ] of the JSON array."), line=line
        )


@dataclass(slots=True)
class CsvHeader:
    columns: list[str]
    line: int = 1


def read_csv(
    stream: IO[bytes], *, max_row_bytes: int, delimiter: str = ","
) -> tuple[CsvHeader, Iterator[RawRow]]:
    """The header and an iterator of rows (``value``: column -> cell text).

    A header of a single column holding ``;`` or a tab is refused: the file was almost
    certainly saved with another delimiter, and every row would otherwise be one big cell.
    """
    # The csv module's own cap (128 KiB per field) must not undercut ours.
    if csv.field_size_limit() < max_row_bytes:
        csv.field_size_limit(max_row_bytes)
    lines = _decoded_lines(stream, max_row_bytes)
    state = {"line": 0}

    def texts() -> Iterator[str]:
        for number, text in lines:
            state["line"] = number
            if text is None:
                raise FileProblem(_too_big(max_row_bytes), line=number)
            yield text

    reader = csv.reader(texts(), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise FileProblem(
            gettext_noop("The file is empty: a CSV import starts with a header row.")
        ) from None
    except csv.Error as exc:
        raise FileProblem(
            stored(gettext_noop("Not valid CSV: %(error)s."), error=str(exc)), line=state["line"]
        ) from None
    header = [name.strip() for name in header]
    if len(header) == 1:
        for other, label in (
            (";", gettext_noop("semicolons")),
            ("\t", gettext_noop("tabs")),
            ("|", gettext_noop("pipes")),
            (",", gettext_noop("commas")),
        ):
            if other != delimiter and other in header[0]:
                raise FileProblem(
                    stored(
                        gettext_noop(
                            "The header is one column containing %(found)s: the file seems to "
                            "be separated by %(found)s, not %(chosen)s. Choose that delimiter "
                            "or save the file as comma-separated."
                        ),
                        found=nested(label),
                        chosen=_delimiter_name(delimiter),
                    ),
                    line=1,
                )
    return CsvHeader(columns=header), _csv_rows(reader, header, state)


def _delimiter_name(delimiter: str) -> str:
    names = {
        ",": gettext_noop("commas"),
        ";": gettext_noop("semicolons"),
        "\t": gettext_noop("tabs"),
    }
    return nested(names[delimiter]) if delimiter in names else repr(delimiter)


def _csv_rows(reader, header: list[str], state: dict) -> Iterator[RawRow]:
    width = len(header)
    previous_end = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FileProblem(
                stored(gettext_noop("Not valid CSV: %(error)s."), error=str(exc)),
                line=previous_end + 1,
            ) from None
        start = previous_end + 1
        previous_end = reader.line_num
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue  # a blank line
        if len(cells) != width:
            yield RawRow(
                line=start,
                raw=cells,
                error=stored(
                    gettext_noop(
                        "Expected %(width)s cells (one per header column), found %(found)s."
                    ),
                    width=width,
                    found=len(cells),
                ),
            )
            continue
        yield RawRow(line=start, raw=cells, value=dict(zip(header, cells, strict=True)))
