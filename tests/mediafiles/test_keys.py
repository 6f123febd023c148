import pytest

from mediafiles.keys import media_fields, media_keys, servable_key
from tests.mediafiles.conftest import MEDIA_TEMPLATE, TEXT_TEMPLATE, item


@pytest.mark.parametrize(
    "key", ["clip.wav", "tts/batch-07/clip-0042.wav", "图片/猫.png", "a b/c:d.png", "x" * 1024]
)
def test_relative_keys_inside_the_storage_are_servable(key):
    assert servable_key(key) == key


@pytest.mark.parametrize(
    "value",
    [
        "",
        "/etc/passwd",
        "../settings.py",
        "demo/../../etc/passwd",
        "demo/./clip.wav",
        "demo//clip.wav",
        "demo\\clip.wav",
        "demo/clip.wav\n",
        "exports/12/export.zip",
        "imports/uploads/abc/jsonl",
        "https://cdn.example.com/clip.wav",
        "x" * 1025,
        "é" * 513,  # 1,026 bytes of UTF-8
        "clip\ud800.wav",
        None,
        42,
        {"key": "clip.wav"},
    ],
)
def test_anything_else_is_not(value):
    assert servable_key(value) is None


def test_media_fields_are_the_audio_and_image_blocks():
    assert media_fields(MEDIA_TEMPLATE) == ("picture", "clip.key")
    assert media_fields(TEXT_TEMPLATE) == ()


@pytest.mark.parametrize("definition", [None, {}, [], {"display": "x"}, {"display": ["x", 1]}])
def test_malformed_definitions_name_no_field(definition):
    assert media_fields(definition) == ()


def test_media_keys_reads_the_fields_and_skips_urls_and_odd_values():
    datas = [
        item("a.png", clip="clips/1.wav"),
        item("https://cdn.example.com/b.png", clip="clips/1.wav"),
        {"picture": 7, "caption": "no clip"},
        "not an object",
        item("../c.png", clip="clips/2.wav"),
    ]
    assert media_keys(("picture", "clip.key"), datas) == {"a.png", "clips/1.wav", "clips/2.wav"}
    assert media_keys((), datas) == set()
