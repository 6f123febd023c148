"""The committed demo media, and the script that generates it."""

import time
import wave

import pytest

from tasks.demo import generate_media
from tasks.demo.generate_media import MEDIA_DIR, PRODUCT_IMAGES, SPEECH_CLIPS, parse_jyutping


@pytest.fixture
def pil_image():
    return pytest.importorskip("PIL.Image", reason="Pillow comes with the dev extra")


def wav_info(path):
    with wave.open(str(path)) as wav:
        return (
            wav.getframerate(),
            wav.getnchannels(),
            wav.getsampwidth(),
            wav.getnframes() / wav.getframerate(),
        )


def assert_valid_clip(path):
    rate, channels, width, seconds = wav_info(path)
    assert (rate, channels, width) == (16_000, 1, 2), path.name
    assert 1.0 <= seconds <= 4.0, (path.name, seconds)
    with wave.open(str(path)) as wav:
        samples = memoryview(wav.readframes(wav.getnframes())).cast("h")
    assert max(abs(s) for s in samples) > 10_000, f"{path.name} is (nearly) silent"


def test_committed_clips_are_short_16khz_mono_wavs():
    paths = [MEDIA_DIR / clip.filename for clip in SPEECH_CLIPS]
    assert 4 <= len(paths) <= 6
    for path in paths:
        assert_valid_clip(path)
    assert sum(path.stat().st_size for path in paths) < 1_000_000


def test_committed_clips_come_from_at_least_two_tts_systems():
    assert {clip.system.name for clip in SPEECH_CLIPS} == {"tts-v1", "tts-v2"}
    assert all(clip.filename.startswith(clip.system.name) for clip in SPEECH_CLIPS)


def test_committed_product_images_open_and_are_small(pil_image):
    assert 3 <= len(PRODUCT_IMAGES) <= 4
    for name in PRODUCT_IMAGES:
        path = MEDIA_DIR / name
        assert path.stat().st_size < 150_000, name
        with pil_image.open(path) as image:
            image.verify()
        with pil_image.open(path) as image:
            assert image.format == "PNG"
            assert image.size == (640, 640)


def test_the_generator_runs_offline_without_espeak(tmp_path, monkeypatch, pil_image):
    # given: no espeak-ng on this machine, whatever is installed
    monkeypatch.setattr(generate_media.shutil, "which", lambda name: None)
    # when
    started = time.monotonic()
    assert generate_media.main(["--out", str(tmp_path)]) == 0
    # then
    assert time.monotonic() - started < 30
    for clip in SPEECH_CLIPS:
        assert_valid_clip(tmp_path / clip.filename)
    for name in PRODUCT_IMAGES:
        with pil_image.open(tmp_path / name) as image:
            assert image.size == (640, 640)


def test_synthetic_speech_is_deterministic(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    generate_media.generate(first, synthetic=True, images=False)
    generate_media.generate(second, synthetic=True, images=False)
    for clip in SPEECH_CLIPS:
        assert (first / clip.filename).read_bytes() == (second / clip.filename).read_bytes()


@pytest.mark.parametrize(
    ("syllable", "parts"),
    [
        ("gam1", ("g", "a", "m", 1)),
        ("heoi3", ("h", "eo", "i", 3)),
        ("soeng2", ("s", "oe", "ng", 2)),
        ("jyu4", ("j", "yu", "", 4)),
        ("ngo5", ("ng", "o", "", 5)),
        ("m4", ("", "m", "", 4)),
        ("aa3", ("", "aa", "", 3)),
        ("jat6", ("j", "a", "t", 6)),
    ],
)
def test_parse_jyutping(syllable, parts):
    parsed = parse_jyutping(syllable)
    assert (parsed.initial, parsed.nucleus, parsed.coda, parsed.tone) == parts


def test_every_sentence_has_one_jyutping_syllable_per_character():
    for clip in SPEECH_CLIPS:
        characters = [c for c in clip.sentence.script if c not in "，。？"]  # noqa: RUF001
        syllables = [s for s in clip.sentence.jyutping.split() if s not in ",.?"]
        assert len(characters) == len(syllables), clip.sentence.script
        for syllable in syllables:
            parse_jyutping(syllable)
