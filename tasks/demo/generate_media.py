"""Generate the demo media in ``tasks/demo/media/``, offline: speech clips and product images.

Run ``python -m tasks.demo.generate_media`` (``--help`` for options). Nothing is downloaded.
The output is committed, so ``make run`` needs neither espeak-ng nor Pillow; rerun this only
to change the media.

Speech: each sentence is read by two fictional TTS "systems" (``tts-v1``, ``tts-v2``) so the
listening test has something to compare. With Debian's ``espeak-ng`` and its Cantonese voice
(``yue``) installed, the clips are real synthetic Cantonese; otherwise a small formant
synthesiser (pure Python) renders speech-like syllables whose pitch follows the Cantonese
tones of the Jyutping transcription, so the script always works. Either way the clips are
16 kHz mono 16-bit WAV of at most four seconds, and the same input gives the same bytes.

Images: simple but recognisable product shots drawn with Pillow (needed by this script only,
it is in the ``dev`` extra): a good one, one with a third-party watermark, one with poor
lighting and one with garbled text, so each kind of judgement in the template has an example.
"""

from __future__ import annotations

import argparse
import io
import math
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

MEDIA_DIR: Final = Path(__file__).resolve().parent / "media"
SAMPLE_RATE: Final = 16_000
MAX_CLIP_SECONDS: Final = 4.0
IMAGE_SIZE: Final = 640


# --------------------------------------------------------------------------------------------
# What to generate
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    script: str
    jyutping: str  # one syllable per character; "," "." "?" mark pauses
    target_accent: str


@dataclass(frozen=True)
class TtsSystem:
    name: str
    espeak_voice: str
    espeak_speed: int  # words per minute
    espeak_pitch: int  # 0-99
    # The synthetic fallback: speaker pitch, tempo and tone range.
    base_f0: float
    syllable_seconds: float
    tone_step_semitones: float
    formant_scale: float


@dataclass(frozen=True)
class SpeechClip:
    filename: str
    system: TtsSystem
    sentence: Sentence


# The scripts are written in Cantonese, full-width punctuation included.
SENTENCES: Final = (
    Sentence(
        "今日天氣咁好，不如去飲茶。",  # noqa: RUF001
        "gam1 jat6 tin1 hei3 gam3 hou2 , bat1 jyu4 heoi3 jam2 caa4 .",
        "Hong Kong Cantonese",
    ),
    Sentence(
        "唔該，我想要一杯凍奶茶。",  # noqa: RUF001
        "m4 goi1 , ngo5 soeng2 jiu3 jat1 bui1 dung3 naai5 caa4 .",
        "Hong Kong Cantonese",
    ),
    Sentence(
        "你今晚幾點收工呀？",  # noqa: RUF001
        "nei5 gam1 maan5 gei2 dim2 sau1 gung1 aa3 ?",
        "Guangzhou Cantonese",
    ),
)
SYSTEMS: Final = (
    TtsSystem("tts-v1", "yue", 150, 40, 112.0, 0.25, 2.2, 1.0),
    TtsSystem("tts-v2", "yue+f3", 175, 58, 205.0, 0.205, 2.8, 1.12),
)
SPEECH_CLIPS: Final = tuple(
    SpeechClip(f"{system.name}-{number:03d}.wav", system, sentence)
    for system in SYSTEMS
    for number, sentence in enumerate(SENTENCES, start=1)
)
PRODUCT_IMAGES: Final = {
    "cup.png": "A cream enamel mug with a navy rim on a wooden coaster, soft morning light.",
    "cup-watermark.png": "The same mug under a stock-photo watermark and logo.",
    "washing-machine.png": "A front-loading washing machine, door open, in a dim yellow-cast room.",
    "shirt.png": "A navy T-shirt on a hanger whose print and sale tag are garbled text.",
}


# --------------------------------------------------------------------------------------------
# WAV helpers
# --------------------------------------------------------------------------------------------


def read_wav(data: bytes) -> tuple[list[float], int]:
    """Mono samples in [-1, 1] and the sample rate of a 16-bit PCM WAV."""
    with wave.open(io.BytesIO(data)) as wav:
        if wav.getsampwidth() != 2:
            raise ValueError("Expected 16-bit PCM.")
        channels, rate = wav.getnchannels(), wav.getframerate()
        frames = wav.readframes(wav.getnframes())
    ints = memoryview(frames).cast("h")
    mono = [ints[i] / 32768.0 for i in range(0, len(ints), channels)]
    return mono, rate


def write_wav(path: Path, samples: Sequence[float], rate: int = SAMPLE_RATE) -> None:
    pcm = bytearray()
    for value in samples:
        pcm += max(-32767, min(32767, round(value * 32767))).to_bytes(2, "little", signed=True)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(bytes(pcm))


def resample(samples: Sequence[float], source_rate: int, target_rate: int) -> list[float]:
    """Windowed-sinc resampling with a precomputed kernel per output phase (rational ratio)."""
    if source_rate == target_rate:
        return list(samples)
    gcd = math.gcd(source_rate, target_rate)
    up, down = target_rate // gcd, source_rate // gcd
    cutoff = 0.92 * min(1.0, target_rate / source_rate)  # of the source Nyquist
    half = 16
    kernels = []
    for phase in range(up):
        offset = phase * down / up % 1.0
        kernel = []
        for tap in range(-half + 1, half + 1):
            x = offset - tap
            window = 0.5 + 0.5 * math.cos(math.pi * x / half)
            sinc = 1.0 if x == 0 else math.sin(math.pi * cutoff * x) / (math.pi * cutoff * x)
            kernel.append(cutoff * sinc * window)
        kernels.append(kernel)
    padded = [0.0] * half + list(samples) + [0.0] * (half + 1)
    out = []
    for index in range(len(samples) * up // down):
        position = index * down // up
        kernel = kernels[index % up]
        start = position + 1  # padded index of tap -half + 1
        out.append(
            sum(k * s for k, s in zip(kernel, padded[start : start + 2 * half], strict=True))
        )
    return out


def finish_clip(samples: Sequence[float], *, rate: int = SAMPLE_RATE) -> list[float]:
    """Trim silence (keeping 120 ms each side), normalise to -3 dBFS and fade the edges."""
    threshold = 0.02 * max((abs(s) for s in samples), default=0.0)
    loud = [i for i, s in enumerate(samples) if abs(s) > threshold]
    if not loud:
        return list(samples)
    pad = int(0.12 * rate)
    clip = [0.0] * pad + list(samples[loud[0] : loud[-1] + 1]) + [0.0] * pad
    peak = max(abs(s) for s in clip)
    gain = 0.708 / peak
    fade = int(0.01 * rate)
    for i in range(len(clip)):
        edge = min(i, len(clip) - 1 - i)
        clip[i] *= gain * (min(1.0, edge / fade) if fade else 1.0)
    return clip


# --------------------------------------------------------------------------------------------
# Speech with espeak-ng
# --------------------------------------------------------------------------------------------


def espeak_cantonese() -> str | None:
    """The espeak-ng executable if it is installed with a Cantonese voice, else None."""
    executable = shutil.which("espeak-ng")
    if executable is None:
        return None
    try:
        listing = subprocess.run(  # noqa: S603 - fixed arguments, absolute path
            [executable, "--voices=yue"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return executable if re.search(r"\byue\b", listing) else None


def espeak_clip(executable: str, clip: SpeechClip) -> list[float]:
    system = clip.system
    speed = system.espeak_speed
    for _attempt in range(6):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "clip.wav"
            subprocess.run(  # noqa: S603 - fixed arguments, absolute path, text from this file
                [
                    executable,
                    "-v",
                    system.espeak_voice,
                    "-s",
                    str(speed),
                    "-p",
                    str(system.espeak_pitch),
                    "-w",
                    str(out),
                    clip.sentence.script,
                ],
                capture_output=True,
                timeout=60,
                check=True,
            )
            samples, rate = read_wav(out.read_bytes())
        finished = finish_clip(resample(samples, rate, SAMPLE_RATE))
        if len(finished) <= MAX_CLIP_SECONDS * SAMPLE_RATE:
            return finished
        speed = round(speed * 1.12)
    raise RuntimeError(f"{clip.filename}: still longer than {MAX_CLIP_SECONDS} s at {speed} wpm.")


# --------------------------------------------------------------------------------------------
# Speech without espeak-ng: a small formant synthesiser
# --------------------------------------------------------------------------------------------

# Chao tone letters (1 low - 5 high) at the start and end of each Cantonese tone.
TONE_CONTOURS: Final = {1: (5, 5), 2: (2, 5), 3: (3, 3), 4: (2, 1), 5: (2, 3), 6: (2, 2)}
# F1, F2, F3 in Hz for an adult male voice.
VOWELS: Final = {
    "aa": (800, 1300, 2600),
    "a": (680, 1350, 2600),
    "e": (520, 1900, 2650),
    "i": (300, 2250, 3000),
    "o": (520, 900, 2500),
    "u": (330, 800, 2300),
    "yu": (300, 1850, 2400),
    "oe": (470, 1550, 2450),
    "eo": (450, 1500, 2450),
}
NASALS: Final = {"m": (260, 1000, 2300), "n": (260, 1500, 2500), "ng": (260, 1250, 2400)}
GLIDES: Final = {"j": VOWELS["i"], "w": VOWELS["u"], "l": (360, 1200, 2600)}
# Longest first where they overlap (ng before n, gw before g).
INITIALS: Final = (
    "ng",
    "gw",
    "kw",
    "b",
    "p",
    "m",
    "f",
    "d",
    "t",
    "n",
    "l",
    "g",
    "k",
    "h",
    "z",
    "c",
    "s",
    "j",
    "w",
)
NUCLEI: Final = ("aa", "oe", "eo", "yu", "a", "e", "i", "o", "u")
FRAME_SECONDS: Final = 0.005
PAUSES: Final = {",": 0.2, ".": 0.05, "?": 0.05}  # seconds of silence per punctuation token


@dataclass(frozen=True)
class Syllable:
    initial: str
    nucleus: str
    coda: str
    tone: int


@dataclass
class Frame:
    f0: float = 0.0
    voice: float = 0.0  # voicing amplitude
    aspiration: float = 0.0  # noise through the vocal tract (h, aspirated stops)
    frication: float = 0.0  # noise through a high resonance (s, z, c, f)
    fric_freq: float = 4500.0
    formants: tuple[float, float, float] = VOWELS["a"]


def parse_jyutping(syllable: str) -> Syllable:
    match = re.fullmatch(r"([a-z]+)([1-6])", syllable)
    if not match:
        raise ValueError(f"Not a Jyutping syllable: {syllable!r}")
    letters, tone = match.group(1), int(match.group(2))
    if letters in ("m", "ng"):  # syllabic nasals: 唔 m4, 五 ng5
        return Syllable("", letters, "", tone)
    initial = next((i for i in INITIALS if letters.startswith(i) and letters != i), "")
    rest = letters[len(initial) :]
    nucleus = next((n for n in NUCLEI if rest.startswith(n)), "")
    coda = rest[len(nucleus) :]
    if not nucleus or coda not in ("", "i", "u", "m", "n", "ng", "p", "t", "k"):
        raise ValueError(f"Not a Jyutping syllable: {syllable!r}")
    return Syllable(initial, nucleus, coda, tone)


def _semitones(f0: float, steps: float) -> float:
    return f0 * 2 ** (steps / 12)


def _syllable_frames(syl: Syllable, system: TtsSystem, f0_base: float) -> list[Frame]:
    scale = system.formant_scale
    duration = system.syllable_seconds * (0.72 if syl.coda in ("p", "t", "k") else 1.0)
    total = max(8, round(duration / FRAME_SECONDS))
    frames: list[Frame] = []

    def target(formants: tuple[float, float, float]) -> tuple[float, float, float]:
        return (formants[0] * scale, formants[1] * scale, formants[2] * scale)

    vowel = target(NASALS[syl.nucleus] if syl.nucleus in NASALS else VOWELS[syl.nucleus])
    # Initial consonant.
    initial_frames = 0
    if syl.initial in ("s", "f", "h"):
        initial_frames = round(0.075 / FRAME_SECONDS)
        for _ in range(initial_frames):
            frames.append(
                Frame(
                    aspiration=0.5 if syl.initial == "h" else 0.0,
                    frication={"s": 0.45, "f": 0.12}.get(syl.initial, 0.0),
                    fric_freq=4800.0 if syl.initial == "s" else 2800.0,
                    formants=vowel,
                )
            )
    elif syl.initial in ("z", "c", "b", "p", "d", "t", "g", "k", "gw", "kw"):
        closure = round(0.035 / FRAME_SECONDS)
        frames.extend(Frame(formants=vowel) for _ in range(closure))
        burst_freq = {"b": 1200.0, "p": 1200.0, "d": 3800.0, "t": 3800.0}.get(syl.initial, 2400.0)
        if syl.initial in ("z", "c"):
            frames.extend(
                Frame(frication=0.4, fric_freq=4600.0, formants=vowel)
                for _ in range(round(0.05 / FRAME_SECONDS))
            )
        else:
            frames.append(Frame(frication=0.6, fric_freq=burst_freq, formants=vowel))
        if syl.initial in ("c", "p", "t", "k", "kw"):
            frames.extend(
                Frame(aspiration=0.45, formants=vowel) for _ in range(round(0.04 / FRAME_SECONDS))
            )
        initial_frames = len(frames)
    elif syl.initial in NASALS or syl.initial in GLIDES:
        onset = NASALS.get(syl.initial) or GLIDES[syl.initial]
        initial_frames = round(0.05 / FRAME_SECONDS)
        level = 0.35 if syl.initial in NASALS else 0.6
        frames.extend(Frame(voice=level, formants=target(onset)) for _ in range(initial_frames))

    # Voiced part: nucleus gliding into the coda, the tone contour across it.
    voiced = max(4, total - initial_frames)
    coda_target = None
    coda_level = 1.0
    if syl.coda in ("i", "u"):
        coda_target = target(VOWELS[syl.coda])
    elif syl.coda in NASALS:
        coda_target, coda_level = target(NASALS[syl.coda]), 0.35
    start, end = TONE_CONTOURS[syl.tone]
    if syl.coda in ("p", "t", "k"):  # entering tones are level and short
        start = end = {1: 5, 3: 3, 6: 2}.get(syl.tone, start)
    glide_from = int(voiced * 0.62)
    for index in range(voiced):
        progress = index / (voiced - 1)
        chao = start + (end - start) * progress
        f0 = _semitones(f0_base, (chao - 3) * system.tone_step_semitones)
        level = 1.0
        formants = vowel
        if coda_target is not None and index >= glide_from:
            mix = (index - glide_from) / max(1, voiced - 1 - glide_from)
            formants = tuple(a + (b - a) * mix for a, b in zip(vowel, coda_target, strict=True))  # type: ignore[assignment]
            level = 1.0 + (coda_level - 1.0) * mix
        # Rise at the onset, a decay at the end (stop codas are cut off abruptly).
        level *= min(1.0, (index + 1) / 4)
        if syl.coda not in ("p", "t", "k"):
            level *= min(1.0, (voiced - index) / 6)
        frames.append(Frame(f0=f0, voice=level, formants=formants))
    return frames


def _utterance_frames(jyutping: str, system: TtsSystem) -> list[Frame]:
    tokens = jyutping.split()
    syllables = [t for t in tokens if t not in PAUSES]
    frames: list[Frame] = []
    spoken = 0
    for token in tokens:
        if token in PAUSES:
            frames.extend(Frame() for _ in range(round(PAUSES[token] / FRAME_SECONDS)))
            continue
        # Declination: the voice drifts down about two semitones over the sentence.
        f0_base = _semitones(system.base_f0, -2.0 * spoken / max(1, len(syllables) - 1))
        frames.extend(_syllable_frames(parse_jyutping(token), system, f0_base))
        spoken += 1
    # Coarticulation: smooth the formant tracks so syllables run into each other.
    smoothed = frames[0].formants
    for frame in frames:
        smoothed = tuple(0.7 * s + 0.3 * f for s, f in zip(smoothed, frame.formants, strict=True))  # type: ignore[assignment]
        frame.formants = smoothed
    return frames


def _resonator(freq: float, bandwidth: float, rate: int) -> tuple[float, float, float]:
    # Klatt's digital resonator, unity gain at 0 Hz.
    c = -math.exp(-2 * math.pi * bandwidth / rate)
    b = 2 * math.exp(-math.pi * bandwidth / rate) * math.cos(2 * math.pi * freq / rate)
    return 1 - b - c, b, c


def synthesize(jyutping: str, system: TtsSystem, *, seed: int = 0) -> list[float]:
    """Speech-like audio for a Jyutping transcription: voiced syllables following the tones."""
    rate = SAMPLE_RATE
    frames = _utterance_frames(jyutping, system)
    rng = random.Random(seed)
    per_frame = round(FRAME_SECONDS * rate)
    bandwidths = (90.0, 110.0, 170.0)
    state = [[0.0, 0.0] for _ in range(3)]
    fric_state = [0.0, 0.0]
    phase = tilt = 0.0
    out: list[float] = []
    for frame in frames:
        coefficients = [
            _resonator(f, bw, rate) for f, bw in zip(frame.formants, bandwidths, strict=True)
        ]
        fa, fb, fc = _resonator(frame.fric_freq, 1800.0, rate)
        # A little jitter and shimmer per frame keeps the voice from sounding like a buzzer.
        f0 = frame.f0 * (1 + rng.uniform(-0.006, 0.006))
        voice = frame.voice * (1 + rng.uniform(-0.04, 0.04))
        for _ in range(per_frame):
            source = 0.0
            if voice > 0 and f0 > 0:
                phase = (phase + f0 / rate) % 1.0
                source = voice * (1.0 - 2.0 * phase)  # a sawtooth, tilted below
            tilt = 0.72 * tilt + 0.28 * source
            excitation = tilt + frame.aspiration * rng.uniform(-1.0, 1.0)
            signal = excitation
            for (a, b, c), memory in zip(coefficients, state, strict=True):
                value = a * signal + b * memory[0] + c * memory[1]
                memory[1], memory[0] = memory[0], value
                signal = value
            noise = frame.frication * rng.uniform(-1.0, 1.0)
            fric = fa * noise + fb * fric_state[0] + fc * fric_state[1]
            fric_state[1], fric_state[0] = fric_state[0], fric
            out.append(signal + 0.6 * fric)
    return out


def synthetic_clip(clip: SpeechClip) -> list[float]:
    seed = sum(ord(char) for char in clip.filename)
    return finish_clip(synthesize(clip.sentence.jyutping, clip.system, seed=seed))


# --------------------------------------------------------------------------------------------
# Product images (Pillow is imported here only)
# --------------------------------------------------------------------------------------------


def _pil() -> Any:
    try:
        from PIL import Image, ImageDraw, ImageFilter, ImageFont
    except ImportError as error:  # pragma: no cover - the dev extra installs it
        raise SystemExit("Pillow is needed for the images: pip install -e '.[dev]'") from error
    return Image, ImageDraw, ImageFilter, ImageFont


def _font(size: int) -> Any:
    _, _, _, image_font = _pil()
    try:
        return image_font.load_default(size=size)  # Pillow's bundled font: same on every host
    except TypeError:  # pragma: no cover - Pillow < 10.1
        return image_font.load_default()


def _vertical_gradient(size: tuple[int, int], top: tuple, bottom: tuple) -> Any:
    image_cls, image_draw, _, _ = _pil()
    image = image_cls.new("RGB", size)
    draw = image_draw.Draw(image)
    width, height = size
    for y in range(height):
        t = y / max(1, height - 1)
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    return image


def _soft_shadow(image: Any, box: tuple[int, int, int, int], opacity: int, blur: int) -> None:
    image_cls, image_draw, image_filter, _ = _pil()
    mask = image_cls.new("L", image.size, 0)
    image_draw.Draw(mask).ellipse(box, fill=opacity)
    mask = mask.filter(image_filter.GaussianBlur(blur))
    image.paste((40, 32, 24), (0, 0), mask)


def _draw_mug(image: Any, cx: int, base_y: int) -> None:
    """A cream enamel mug with a navy rim and handle, lit from the left."""
    _, image_draw, _, _ = _pil()
    draw = image_draw.Draw(image)
    half, height, rim = 120, 250, 26
    top = base_y - height
    # Handle first, so the body covers its inner end.
    draw.ellipse(
        (cx + half - 40, top + 55, cx + half + 85, top + 190), outline=(238, 232, 220), width=26
    )
    draw.ellipse(
        (cx + half - 40, top + 55, cx + half + 85, top + 190), outline=(35, 57, 91), width=4
    )
    # Body: vertical strips, brighter on the lit side, down to the curved bottom edge.
    for x in range(cx - half, cx + half + 1):
        t = (x - (cx - half)) / (2 * half)
        light = 1.0 - 0.28 * t**1.6 + 0.06 * math.exp(-(((t - 0.22) / 0.07) ** 2))
        shade = tuple(min(255, round(c * light)) for c in (246, 240, 228))
        bottom = base_y + rim * math.sqrt(max(0.0, 1 - ((x - cx) / half) ** 2))
        draw.line([(x, top), (x, round(bottom))], fill=shade)
    # Rim: the navy band and the dark inside.
    draw.ellipse((cx - half, top - rim, cx + half, top + rim), fill=(35, 57, 91))
    draw.ellipse(
        (cx - half + 10, top - rim + 6, cx + half - 10, top + rim - 6), fill=(224, 217, 204)
    )
    draw.ellipse(
        (cx - half + 10, top - rim + 12, cx + half - 10, top + rim - 2), fill=(190, 182, 168)
    )
    # A small chip of enamel and a leaf print: the product's signature.
    draw.ellipse((cx - 30, top + 110, cx + 30, top + 150), fill=(92, 128, 96))
    draw.line([(cx - 26, top + 130), (cx + 26, top + 130)], fill=(236, 232, 220), width=2)


def _cup_scene() -> Any:
    image = _vertical_gradient((IMAGE_SIZE, IMAGE_SIZE), (241, 233, 221), (226, 214, 198))
    _, image_draw, _, _ = _pil()
    draw = image_draw.Draw(image)
    draw.rectangle((0, 430, IMAGE_SIZE, IMAGE_SIZE), fill=(205, 186, 160))  # oak table
    for y in range(440, IMAGE_SIZE, 22):
        draw.line([(0, y), (IMAGE_SIZE, y + 6)], fill=(196, 176, 150), width=2)
    _soft_shadow(image, (240, 470, 560, 540), 110, 18)  # morning light from the left
    draw = image_draw.Draw(image)
    draw.ellipse((170, 455, 470, 535), fill=(168, 128, 88))  # wooden coaster
    draw.ellipse((176, 450, 464, 522), fill=(188, 148, 104))
    _draw_mug(image, 305, 488)
    # Window light across the wall.
    draw = image_draw.Draw(image)
    for offset in range(0, 3):
        x0 = 40 + offset * 70
        draw.polygon([(x0, 0), (x0 + 40, 0), (x0 - 60, 400), (x0 - 100, 400)], fill=(246, 240, 230))
    return image


def image_cup() -> Any:
    return _cup_scene()


def image_cup_watermark() -> Any:
    image_cls, image_draw, _, _ = _pil()
    base = _cup_scene().convert("RGBA")
    overlay = image_cls.new("RGBA", base.size, (0, 0, 0, 0))
    text_layer = image_cls.new("RGBA", (900, 900), (0, 0, 0, 0))
    draw = image_draw.Draw(text_layer)
    font = _font(54)
    for row in range(0, 900, 150):
        draw.text(
            (20 + (row // 150) % 2 * 120, row),
            "STOCKPIX  ©  STOCKPIX",
            font=font,
            fill=(255, 255, 255, 110),
        )
    text_layer = text_layer.rotate(30, resample=2)
    overlay.paste(text_layer, (-130, -130), text_layer)
    draw = image_draw.Draw(overlay)
    draw.rounded_rectangle((370, 580, 630, 630), radius=10, fill=(20, 20, 20, 170))
    draw.ellipse((380, 588, 414, 622), fill=(230, 60, 50, 255))
    draw.text((424, 592), "stockpix.example", font=_font(24), fill=(255, 255, 255, 230))
    return image_cls.alpha_composite(base, overlay).convert("RGB")


def image_washing_machine() -> Any:
    """A laundry corner, shot badly: underexposed, yellow cast, a hot spot and a heavy vignette."""
    image_cls, image_draw, image_filter, _ = _pil()
    image = _vertical_gradient((IMAGE_SIZE, IMAGE_SIZE), (210, 214, 216), (196, 200, 204))
    draw = image_draw.Draw(image)
    for x in range(0, IMAGE_SIZE, 64):  # wall tiles
        draw.line([(x, 0), (x, 470)], fill=(182, 188, 192), width=2)
    for y in range(0, 470, 64):
        draw.line([(0, y), (IMAGE_SIZE, y)], fill=(182, 188, 192), width=2)
    draw.rectangle((0, 470, IMAGE_SIZE, IMAGE_SIZE), fill=(150, 136, 120))  # floor
    _soft_shadow(image, (140, 560, 520, 610), 120, 12)
    draw = image_draw.Draw(image)
    # The machine: body, control panel, drum door and the open door swung to the left.
    draw.rounded_rectangle(
        (170, 150, 470, 585), radius=18, fill=(236, 238, 240), outline=(170, 174, 178), width=3
    )
    draw.rectangle((172, 152, 468, 222), fill=(222, 226, 230))
    draw.line([(172, 222), (468, 222)], fill=(170, 174, 178), width=2)
    draw.rounded_rectangle((196, 170, 300, 204), radius=6, fill=(40, 60, 70))  # display
    draw.text((210, 176), "1:25", font=_font(22), fill=(120, 230, 200))
    draw.ellipse((390, 166, 446, 210), fill=(200, 204, 208), outline=(140, 144, 150), width=3)
    draw.line([(418, 170), (418, 186)], fill=(90, 94, 100), width=3)
    draw.ellipse((215, 275, 425, 485), fill=(190, 196, 202), outline=(150, 156, 162), width=5)
    draw.ellipse((240, 300, 400, 460), fill=(60, 68, 78))  # the drum, seen through the opening
    for angle in range(0, 360, 30):
        r = math.radians(angle)
        draw.ellipse(
            (
                320 + 55 * math.cos(r) - 4,
                380 + 55 * math.sin(r) - 4,
                320 + 55 * math.cos(r) + 4,
                380 + 55 * math.sin(r) + 4,
            ),
            fill=(90, 98, 108),
        )
    draw.ellipse((60, 285, 215, 475), fill=(176, 184, 192), outline=(120, 126, 134), width=6)
    draw.ellipse((78, 305, 197, 455), fill=(120, 150, 170))  # the door's glass
    draw.arc((90, 320, 170, 420), 200, 260, fill=(200, 220, 232), width=6)
    # A laundry basket with towels on the right.
    draw.polygon([(490, 470), (610, 470), (596, 585), (504, 585)], fill=(160, 120, 80))
    for y in range(480, 585, 14):
        draw.line([(494, y), (606, y)], fill=(140, 100, 64), width=3)
    draw.rounded_rectangle((496, 440, 604, 478), radius=12, fill=(230, 140, 150))
    draw.rounded_rectangle((504, 418, 598, 450), radius=12, fill=(140, 190, 220))
    # The bad lighting.
    dark = image.point(lambda v: round(v * 0.42))
    cast = image_cls.new("RGB", image.size, (120, 100, 20))
    image = image_cls.blend(dark, cast, 0.22)
    vignette = image_cls.new("L", image.size, 0)
    image_draw.Draw(vignette).ellipse((60, 40, 580, 600), fill=255)
    vignette = vignette.filter(image_filter.GaussianBlur(90))
    image = image_cls.composite(image, image_cls.new("RGB", image.size, (8, 6, 2)), vignette)
    hot = image_cls.new("L", image.size, 0)
    image_draw.Draw(hot).ellipse((400, -80, 620, 120), fill=210)
    hot = hot.filter(image_filter.GaussianBlur(40))
    return image_cls.composite(image_cls.new("RGB", image.size, (255, 246, 200)), image, hot)


def _garbled_glyph(draw: Any, x: int, y: int, size: int, rng: random.Random, fill: tuple) -> None:
    """A character-shaped tangle of strokes: what broken generated Chinese text looks like."""
    for _ in range(rng.randint(4, 7)):
        kind = rng.random()
        x0, y0 = x + rng.randint(0, size * 3 // 4), y + rng.randint(0, size * 3 // 4)
        if kind < 0.45:
            draw.line([(x0, y0), (x0 + rng.randint(size // 3, size), y0)], fill=fill, width=4)
        elif kind < 0.8:
            draw.line([(x0, y0), (x0, y0 + rng.randint(size // 3, size))], fill=fill, width=4)
        else:
            draw.line([(x0, y0), (x0 - size // 3, y0 + size // 2)], fill=fill, width=4)
    if rng.random() < 0.5:
        draw.rectangle(
            (x + size // 5, y + size // 5, x + size * 4 // 5, y + size * 3 // 5),
            outline=fill,
            width=3,
        )


def image_shirt() -> Any:
    _, image_draw, _, _ = _pil()
    image = _vertical_gradient((IMAGE_SIZE, IMAGE_SIZE), (236, 236, 234), (214, 214, 212))
    draw = image_draw.Draw(image)
    rng = random.Random(7)
    # Hanger.
    draw.arc((300, 40, 340, 90), 180, 30, fill=(120, 120, 124), width=5)
    draw.line([(320, 90), (175, 150), (465, 150), (320, 90)], fill=(150, 112, 70), width=8)
    # The T-shirt.
    navy = (34, 48, 82)
    body = [
        (185, 148),
        (270, 130),
        (320, 160),
        (370, 130),
        (455, 148),
        (560, 230),
        (505, 300),
        (460, 270),
        (460, 590),
        (180, 590),
        (180, 270),
        (135, 300),
        (80, 230),
    ]
    draw.polygon(body, fill=navy)
    draw.line([*body, body[0]], fill=(24, 34, 60), width=3)
    draw.arc((270, 105, 370, 185), 20, 160, fill=(24, 34, 60), width=8)  # collar
    for x in (240, 400):
        draw.line([(x, 300), (x + 10, 580)], fill=(30, 42, 74), width=2)  # folds
    # The print: a misspelt slogan and a line of pseudo-Chinese.
    cream = (238, 222, 180)
    for text, size, y in (("PREMIUN COTTTON", 28, 300), ("100% NATRUAL", 24, 338)):
        font = _font(size)
        draw.text((320 - draw.textlength(text, font=font) / 2, y), text, font=font, fill=cream)
    for index in range(5):
        _garbled_glyph(draw, 222 + index * 40, 384, 34, rng, cream)
    # A sale tag with garbled characters.
    draw.line([(455, 160), (520, 205)], fill=(90, 90, 90), width=2)
    draw.rounded_rectangle((500, 200, 610, 300), radius=8, fill=(200, 40, 40))
    for index in range(3):
        _garbled_glyph(draw, 508 + index * 33, 212, 28, rng, (255, 240, 230))
    draw.text((510, 260), "RMB9.9O", font=_font(22), fill=(255, 240, 230))
    return image


IMAGE_RENDERERS: Final[dict[str, Callable[[], Any]]] = {
    "cup.png": image_cup,
    "cup-watermark.png": image_cup_watermark,
    "washing-machine.png": image_washing_machine,
    "shirt.png": image_shirt,
}


def save_png(image: Any, path: Path) -> None:
    # A 256-colour palette keeps the files small; no dithering keeps flat areas flat.
    image_cls = _pil()[0]
    quantised = image.quantize(colors=256, method=image_cls.Quantize.MEDIANCUT, dither=0)
    quantised.save(path, format="PNG", optimize=True)


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def generate(
    out_dir: Path = MEDIA_DIR, *, synthetic: bool = False, audio: bool = True, images: bool = True
) -> dict[str, Any]:
    """Write the clips and images into ``out_dir``; return what was made and how."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    engine = None
    if audio:
        executable = None if synthetic else espeak_cantonese()
        engine = "espeak-ng (yue)" if executable else "synthetic formant speech"
        for clip in SPEECH_CLIPS:
            samples = espeak_clip(executable, clip) if executable else synthetic_clip(clip)
            path = out_dir / clip.filename
            write_wav(path, samples)
            written.append(path)
    if images:
        for name, render in IMAGE_RENDERERS.items():
            path = out_dir / name
            save_png(render(), path)
            written.append(path)
    return {"engine": engine, "files": written}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MEDIA_DIR, help="output folder")
    parser.add_argument(
        "--synthetic", action="store_true", help="do not use espeak-ng even if it is installed"
    )
    parser.add_argument("--no-audio", action="store_true")
    parser.add_argument("--no-images", action="store_true")
    args = parser.parse_args(argv)
    started = time.monotonic()
    result = generate(
        args.out, synthetic=args.synthetic, audio=not args.no_audio, images=not args.no_images
    )
    if result["engine"]:
        print(f"Speech: {result['engine']}")
    for path in result["files"]:
        print(f"  {path.name:<22} {path.stat().st_size / 1024:7.1f} KiB")
    print(f"{len(result['files'])} files in {args.out} ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
