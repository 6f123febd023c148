"""The streaming readers, on byte strings: rows, lines and the place of every problem."""

import io

import pytest

from imports import formats
from imports.formats import (
    FileProblem,
    LimitedReader,
    TooLarge,
    read_csv,
    read_json_array,
    read_jsonl,
)

CAP = 10_000


def rows_of(reader):
    return [(row.line, row.value, row.error) for row in reader]


def test_json_array_rows_keep_their_line_and_raw_text():
    content = b'[\n  {"a": 1},\n  {"b":\n 2}\n]\n'
    rows = list(read_json_array(io.BytesIO(content), max_row_bytes=CAP))
    assert [(r.line, r.value) for r in rows] == [(2, {"a": 1}), (3, {"b": 2})]
    assert rows[1].raw == '{"b":\n 2}'


def test_json_array_streams_across_chunks(monkeypatch):
    monkeypatch.setattr(formats, "CHUNK", 7)
    content = ("[" + ",".join(f'{{"n": {n}, "t": "é{n}"}}' for n in range(50)) + "]").encode()
    rows = list(read_json_array(io.BytesIO(content), max_row_bytes=CAP))
    assert [r.value["n"] for r in rows] == list(range(50))
    assert rows[3].value["t"] == "é3"


@pytest.mark.parametrize(
    ("content", "line", "text"),
    [
        (b'{"a": 1}', 1, "must be one array"),
        (b'[\n{"a": 1},\n{"a": 2 x}\n]', 3, "Not valid JSON"),
        (b'[\n{"a": 1}\n{"a": 2}]', 3, "expected , or ]"),
        (b'[{"a": 1}] trailing', 1, "after the closing"),
        (b'[{"a": 1},', 1, "not closed"),
    ],
)
def test_json_array_syntax_errors_name_their_line(content, line, text):
    with pytest.raises(FileProblem) as caught:
        list(read_json_array(io.BytesIO(content), max_row_bytes=CAP))
    assert caught.value.line == line
    assert text in caught.value.reason


def test_bad_utf8_names_the_byte_offset_and_line():
    content = b'[\n{"a": "ok"},\n{"a": "\xff"}]'
    with pytest.raises(FileProblem) as caught:
        list(read_json_array(io.BytesIO(content), max_row_bytes=CAP))
    assert "byte 22" in caught.value.reason
    assert caught.value.line == 3
    with pytest.raises(FileProblem) as caught:
        list(read_jsonl(io.BytesIO(b'{"a": 1}\n{"a": "\xe9t\xe9"}\n'), max_row_bytes=CAP))
    assert "byte 16" in caught.value.reason and caught.value.line == 2


def test_jsonl_bad_line_is_a_row_error_and_reading_goes_on():
    content = b'{"a": 1}\n\n{"a": \n{"a": 3}\n'
    assert rows_of(read_jsonl(io.BytesIO(content), max_row_bytes=CAP)) == [
        (1, {"a": 1}, ""),
        (3, None, "Not valid JSON: a value was expected (column 7)."),
        (4, {"a": 3}, ""),
    ]


def test_jsonl_huge_row_is_skipped_without_buffering_it(monkeypatch):
    monkeypatch.setattr(formats, "CHUNK", 16)
    content = b'{"a": 1}\n{"a": "' + b"x" * 500 + b'"}\n{"a": 3}\n'
    rows = rows_of(read_jsonl(io.BytesIO(content), max_row_bytes=100))
    assert rows[0] == (1, {"a": 1}, "")
    assert rows[1][0] == 2 and "per-row limit" in rows[1][2]
    assert rows[2] == (3, {"a": 3}, "")


def test_json_array_huge_row_stops_the_file():
    content = b'[{"a": "' + b"x" * 500 + b'"}]'
    with pytest.raises(FileProblem, match="per-row limit"):
        list(read_json_array(io.BytesIO(content), max_row_bytes=100))


def test_csv_rows_with_quoted_newlines_report_their_first_line():
    content = b'prompt,external_id\n"one\ntwo",a\nthree,b\n'
    header, rows = read_csv(io.BytesIO(content), max_row_bytes=CAP)
    assert header.columns == ["prompt", "external_id"]
    assert [(r.line, r.value) for r in rows] == [
        (2, {"prompt": "one\ntwo", "external_id": "a"}),
        (4, {"prompt": "three", "external_id": "b"}),
    ]


def test_csv_with_bom_and_semicolons_when_asked():
    content = "\ufeffprompt;external_id\nhello;a\n".encode()
    header, rows = read_csv(io.BytesIO(content), max_row_bytes=CAP, delimiter=";")
    assert header.columns == ["prompt", "external_id"]
    assert [r.value for r in rows] == [{"prompt": "hello", "external_id": "a"}]


@pytest.mark.parametrize(("sep", "name"), [(";", "semicolons"), ("\t", "tabs")])
def test_csv_with_another_delimiter_is_detected_from_the_header(sep, name):
    content = f"prompt{sep}response_a\nx{sep}y\n".encode()
    with pytest.raises(FileProblem) as caught:
        read_csv(io.BytesIO(content), max_row_bytes=CAP)
    assert name in caught.value.reason and caught.value.line == 1


def test_csv_wrong_cell_count_is_a_row_error():
    _, rows = read_csv(io.BytesIO(b"a,b\n1,2\n1,2,3\n"), max_row_bytes=CAP)
    assert [(r.line, r.error) for r in rows] == [
        (2, ""),
        (3, "Expected 2 cells (one per header column), found 3."),
    ]


def test_csv_unterminated_quote_is_a_file_problem():
    _, rows = read_csv(io.BytesIO(b'a,b\n"1,2\n'), max_row_bytes=CAP)
    with pytest.raises(FileProblem, match="Not valid CSV"):
        list(rows)


def test_limited_reader_refuses_past_the_limit_while_streaming():
    reader = LimitedReader(io.BytesIO(b"x" * 1000), 600)
    assert len(reader.read(500)) == 500
    with pytest.raises(TooLarge):
        reader.read(500)
    assert reader.read_bytes <= 601
