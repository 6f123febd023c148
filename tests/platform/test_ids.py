import pytest

from annotation_platform.ids import MAX_ID, id_or_none


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        (5, 5),
        (str(MAX_ID), MAX_ID),
        ("0", None),
        (0, None),
        ("-3", None),
        ("²", None),  # a digit to str.isdigit, not to int
        ("٣", None),  # Arabic-Indic three: int() takes it, an id in a URL does not
        (str(MAX_ID + 1), None),  # would overflow the database
        (True, None),
        ("1.5", None),
        ("", None),
        (None, None),
    ],
)
def test_id_or_none(value, expected):
    assert id_or_none(value) == expected
