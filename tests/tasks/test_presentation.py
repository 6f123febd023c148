"""Display blocks: remote images and audio load only from the project's listed hosts."""

from __future__ import annotations

from tasks.presentation import display_view
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
