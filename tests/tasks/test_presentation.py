"""Display blocks: remote images and audio load only from the project's listed hosts."""

from __future__ import annotations

from tasks.presentation import display_view, questions_view, shortcut_groups
from tasks.remote_media import RemoteMedia

DEFINITION = {
    "schema_version": 1,
    "title": "Media",
    "display": [
        {"type": "image", "field": "image"},
        {"type": "audio", "field": "audio"},
        {"type": "markdown", "field": "prompt"},
        {"type": "conversation", "field": "turns"},
    ],
    "questions": [],
}
DATA = {
    "image": "https://images.example.com/cat.png",
    "audio": "https://audio.example.net/clip.wav",
    "prompt": "![beacon](https://images.example.com/b.png)",
    "turns": [{"role": "user", "content": "![beacon](https://images.example.com/t.png)"}],
}


def test_remote_media_are_links_by_default():
    image, audio, prompt, turns = display_view(DEFINITION, DATA)
    assert (image["src"], image["link"]) == ("", DATA["image"])
    assert (audio["src"], audio["link"]) == ("", DATA["audio"])
    assert "<img" not in prompt["html"]
    assert "<img" not in turns["messages"][0]["html"]


def test_remote_media_on_listed_hosts_load():
    media = RemoteMedia(("images.example.com", "*.example.net"))
    image, audio, prompt, turns = display_view(DEFINITION, DATA, media=media)
    assert (image["src"], image["link"]) == (DATA["image"], "")
    assert (audio["src"], audio["link"]) == (DATA["audio"], "")
    assert '<img src="https://images.example.com/b.png"' in prompt["html"]
    assert '<img src="https://images.example.com/t.png"' in turns["messages"][0]["html"]


def test_a_storage_key_is_never_a_remote_link():
    image, audio, *_ = display_view(DEFINITION, {**DATA, "image": "p/cat.png", "audio": ""})
    assert image["link"] == "" and image["src"].endswith("p/cat.png")
    assert (audio["src"], audio["link"]) == ("", "")


def _choice(values, qid="answer"):
    return {
        "id": qid,
        "type": "single_choice",
        "prompt": "Pick",
        "options": [{"value": value, "label": value} for value in values],
    }


def _keys(definition, qid="answer"):
    view = next(q for q in questions_view(definition, {}) if q["id"] == qid)
    return [option["key"] for option in view["options"]]


def _definition(*questions, display=()):
    return {
        "schema_version": 1,
        "title": "T",
        "display": list(display),
        "questions": list(questions),
    }


def test_letter_valued_options_are_keyed_by_their_letters():
    definition = _definition(_choice(["A", "B", "C", "D"]))
    assert _keys(definition) == ["a", "b", "c", "d"]
    assert "letters" in shortcut_groups(definition)
    assert "numbers" not in shortcut_groups(definition)


def test_other_options_keep_number_keys():
    assert _keys(_definition(_choice(["yes", "no"]))) == ["1", "2"]
    assert _keys(_definition(_choice(["A", "A2"]))) == ["1", "2"]
    assert _keys(_definition(_choice(["1", "2", "3"]))) == ["1", "2", "3"]


def test_letters_the_page_already_uses_fall_back_to_numbers():
    # S skips and J/K move on every page
    assert _keys(_definition(_choice(list("ABCDEFGHIJK")))) == [str(n) for n in range(1, 10)] + [
        "0",
        "",
    ]
    assert _keys(_definition(_choice(["R", "S"]))) == ["1", "2"]
    # a pairwise question owns A/B/T
    pairwise = {"id": "which", "type": "pairwise", "prompt": "Better?"}
    definition = _definition(
        _choice(["A", "B"]), pairwise, display=[{"type": "markdown", "field": "a"}]
    )
    assert _keys(definition) == ["1", "2"]
    # a clip owns P/R/L; the same letters without a clip are free
    audio = {"type": "audio", "field": "clip"}
    assert _keys(_definition(_choice(["O", "P"]), display=[audio])) == ["1", "2"]
    assert _keys(_definition(_choice(["O", "P"]))) == ["o", "p"]
