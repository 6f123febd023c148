"""The negotiation shortcut answers exactly as DRF's own negotiation does."""

import pytest
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from annotation_platform.api.negotiation import ApiContentNegotiation

RENDERERS = [JSONRenderer(), BrowsableAPIRenderer()]


@pytest.mark.parametrize(
    ("accept", "query"),
    [
        (None, ""),
        ("*/*", ""),
        ("application/json", ""),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", ""),
        ("application/json; indent=4", ""),
        ("*/*", "?format=api"),
        ("text/html", ""),
    ],
)
@pytest.mark.parametrize("renderers", [RENDERERS, RENDERERS[::-1]], ids=["json first", "api first"])
def test_the_shortcut_gives_what_drf_gives(accept, query, renderers):
    headers = {"HTTP_ACCEPT": accept} if accept is not None else {}
    request = Request(APIRequestFactory().get(f"/api/v1/me/{query}", **headers))
    ours = ApiContentNegotiation().select_renderer(request, renderers)
    drfs = DefaultContentNegotiation().select_renderer(request, renderers)
    assert (type(ours[0]), ours[1]) == (type(drfs[0]), drfs[1])


def test_the_api_uses_it(client_as, cast):
    response = client_as(cast.trainer).get("/api/v1/me/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    page = client_as(cast.trainer).get("/api/v1/me/", HTTP_ACCEPT="text/html")
    assert page["Content-Type"].startswith("text/html")  # the browsable API, as before
