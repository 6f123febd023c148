from __future__ import annotations

import socket

import pytest

from quality.checks import CheckInput, messages, run_check, sources
from quality.checks.citation_policy import CitationPolicyConfig, source_problem
from tests.quality.conftest import LONG_ANSWER

POLICY = {
    "allow_domains": [".gov", ".edu", "gov.cn", "edu.cn", "gov.hk", ".ac.uk", "nature.com"],
    "deny_domains": ["wikipedia.org", "zhihu.com"],
}


def problem(identifier: str, **settings) -> str | None:
    found = source_problem(identifier, CitationPolicyConfig(**{**_tuples(POLICY), **settings}))[0]
    return None if found is None else messages.render(found["code"], found["params"])


def _tuples(policy):
    return {key: tuple(value) for key, value in policy.items()}


@pytest.mark.parametrize(
    "isbn",
    [
        "978-0-306-40615-7",
        "ISBN 0-306-40615-2",
        "0-8044-2957-X",
        "9781479837243",
        "ISBN 979-10-90636-07-1",
    ],
)
def test_isbns_with_correct_check_digits_are_accepted(isbn):
    assert problem(isbn) is None


@pytest.mark.parametrize("isbn", ["978-0-306-40615-8", "0-306-40615-3", "ISBN 0-8044-2957-5"])
def test_isbns_with_wrong_check_digits_fail(isbn):
    assert "check digit" in problem(isbn)


def test_isbn_checksum_rules():
    assert sources.isbn_checksum_ok("0306406152")
    assert sources.isbn_checksum_ok("080442957X")
    assert sources.isbn_checksum_ok("9780306406157")
    assert not sources.isbn_checksum_ok("9770306406157")  # not a 978/979 prefix
    assert not sources.isbn_checksum_ok("X306406152")


@pytest.mark.parametrize(
    "doi",
    [
        "10.1126/science.aal4230",
        "doi:10.1126/science.aal4230",
        "https://doi.org/10.1126/science.aal4230",
        "http://dx.doi.org/10.18653/v1/2021.acl-long.150",
    ],
)
def test_dois_in_every_accepted_form_pass_as_scholarly_sources(doi):
    assert problem(doi) is None


@pytest.mark.parametrize(
    "identifier", ["10.123/abc", "10.1126science.aal4230", "doi:10.1145/ 3442188", "doi:"]
)
def test_malformed_dois_fail_with_a_doi_message(identifier):
    assert "not a well-formed DOI" in problem(identifier)


@pytest.mark.parametrize(
    "arxiv",
    [
        "2101.00001",
        "arXiv:2101.00001v2",
        "1408.1234",
        "hep-th/9901001",
        "arXiv:math/0211159v1",
        "https://arxiv.org/abs/1706.03762",
    ],
)
def test_arxiv_ids_new_and_old_style_pass(arxiv):
    assert problem(arxiv) is None


@pytest.mark.parametrize(
    ("arxiv", "reason"),
    [
        ("0612.1234", "April 2007"),
        ("1805.1234", "five-digit"),
        ("1203.12345", "four-digit"),
        ("fake-th/9901001", "not an arXiv archive"),
        ("hep-th/5001001", "1991"),
    ],
)
def test_arxiv_ids_that_cannot_exist_fail(arxiv, reason):
    assert reason in problem(arxiv)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.nist.gov/itl/ai-risk-management-framework",
        "https://www.moe.gov.cn/jyb_sjzl/",
        "https://www.tsinghua.edu.cn/info/1.htm",
        "https://www.gov.hk/en/residents/",
        "https://www.ox.ac.uk/research",
        "https://www.nature.com/articles/s41586-021-03819-2",
        "https://WWW.NIST.GOV/x",
    ],
)
def test_urls_under_allowed_domains_and_suffixes_pass(url):
    assert problem(url) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://en.wikipedia.org/wiki/Bias", "not an accepted source"),
        ("https://www.zhihu.com/question/1", "not an accepted source"),
        ("https://www.nist.gov.example.com/ai", "not on this project's list"),
        ("https://notgov.cn/report", "not on this project's list"),
        ("https://medium.com/@a/b", "not on this project's list"),
        ("http://192.168.1.4/paper.pdf", "IP address"),
        ("https://intranet.local/paper", "not a public domain name"),
    ],
)
def test_urls_outside_the_policy_fail(url, reason):
    assert reason in problem(url)


def test_deny_wins_over_allow_and_applies_to_scholarly_hosts():
    assert "not an accepted source" in problem(
        "https://en.wikipedia.org/wiki/X",
        allow_domains=("wikipedia.org",),
        deny_domains=("en.wikipedia.org",),
    )
    assert "not an accepted source" in problem("10.1126/science.aal4230", deny_domains=("doi.org",))


def test_scholarly_ids_can_be_made_subject_to_the_allow_list():
    assert "not on this project's list" in problem("10.1126/x.1", scholarly_ids_allowed=False)
    assert problem("10.1126/x.1", scholarly_ids_allowed=False, allow_domains=("doi.org",)) is None
    assert "ISBNs are not accepted" in problem("978-0-306-40615-7", scholarly_ids_allowed=False)


def test_without_an_allow_list_any_public_domain_not_denied_passes():
    assert source_problem("https://someblog.example.com/x", CitationPolicyConfig())[0] is None


def test_public_suffix_rules_find_the_registrable_domain():
    assert sources.describe_host("news.bbc.co.uk").registrable == "bbc.co.uk"
    assert sources.describe_host("www.moe.gov.cn").registrable == "moe.gov.cn"
    assert sources.describe_host("gov.cn").registrable == ""
    assert sources.describe_host("例子.中国").name == "xn--fsqu00a.xn--fiqs8s"
    assert sources.describe_host("bad_host.com") is None


def test_suffix_matching_is_by_whole_labels():
    assert sources.matching_entry("www.moe.gov.cn", ("gov.cn",)) == "gov.cn"
    assert sources.matching_entry("notgov.cn", ("gov.cn",)) is None
    assert sources.matching_entry("nist.gov.evil.com", (".gov",)) is None


def test_public_suffix_list_is_read_offline(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    extractor = sources.public_suffix_extractor()
    assert extractor("www.edb.gov.hk").top_domain_under_public_suffix == "edb.gov.hk"
    assert extractor("a.b.edu.cn").suffix == "edu.cn"
    sources.describe_host.cache_clear()
    assert sources.describe_host("www.stats.gov.cn").suffix == "gov.cn"


def test_the_check_reports_each_bad_citation_and_passes_clean_ones(long_answer):
    long_answer["citations"].append(
        {"identifier": "https://zh.wikipedia.org/wiki/X", "title": "t", "why": "w", "support": "s"}
    )
    data = CheckInput(definition=LONG_ANSWER, answer=long_answer)
    findings = run_check("citation_policy", data, POLICY)
    bad = [f for f in findings if f.status == "fail"]
    assert len(bad) == 1
    assert bad[0].question_id == "citations"
    assert bad[0].evidence["item"] == 4
    assert bad[0].evidence["reason"] == "denied"
    assert bad[0].evidence["domain"] == "wikipedia.org"
    clean = run_check(
        "citation_policy",
        CheckInput(
            definition=LONG_ANSWER,
            answer={**long_answer, "citations": long_answer["citations"][:3]},
        ),
        POLICY,
    )
    assert {f.status for f in clean} == {"pass"}


def _rubric(criteria: list[str], citation: str) -> list[dict]:
    return [
        {"criterion": c, "points": 2, "citation": citation, "rationale": "Because it matters."}
        for c in criteria
    ]


def test_one_source_backing_many_unrelated_criteria_is_flagged(long_answer):
    long_answer["rubric"] = _rubric(
        [
            "Explains why benchmark scores cannot prove fairness.",
            "Discusses housing prices in rural destinations.",
            "Mentions teenage employment after wage increases.",
            "Covers broadband gaps between regions.",
            "Notes that cable news rewards outrage.",
        ],
        "doi:10.1126/SCIENCE.aal4230",
    )
    findings = run_check(
        "citation_policy", CheckInput(definition=LONG_ANSWER, answer=long_answer), POLICY
    )
    warning = next(f for f in findings if f.status == "warn")
    assert warning.question_id == "rubric"
    assert warning.evidence["items"] == [1, 2, 3, 4, 5]
    assert warning.evidence["source"] == "doi:10.1126/science.aal4230"


def test_one_source_backing_several_related_criteria_is_fine(long_answer):
    long_answer["rubric"] = _rubric(
        [
            "Explains that benchmark bias scores cannot prove a model is unbiased.",
            "Explains that a low benchmark bias score does not prove fairness.",
            "Explains that benchmark bias scores measure only the tested stereotypes.",
            "Explains that bias benchmark scores miss untested groups.",
        ],
        "10.1126/science.aal4230",
    )
    findings = run_check(
        "citation_policy", CheckInput(definition=LONG_ANSWER, answer=long_answer), POLICY
    )
    assert {f.status for f in findings} == {"pass"}


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://doi.org/10.1234", "not a well-formed DOI"),
        ("https://dx.doi.org/10.1126science.aal4230", "not a well-formed DOI"),
        ("https://doi.org/", "not a well-formed DOI"),
        ("https://www.doi.org/10.123/abc", "not a well-formed DOI"),
        ("https://arxiv.org/abs/17O6.03762", "not a well-formed arXiv id"),  # letter O
        ("https://arxiv.org/pdf/170603762", "not a well-formed arXiv id"),  # dot lost
        ("https://arxiv.org/abs/", "not a well-formed arXiv id"),
        ("https://arxiv.org/html/0612.1234v1", "April 2007"),
        ("https://hdl.handle.net/abc", "not a well-formed handle"),
        ("https://hdl.handle.net/1721.1/", "not a well-formed handle"),
    ],
)
def test_identifiers_inside_resolver_links_are_checked_as_identifiers(url, reason):
    # Each of these used to pass as "a URL on an allowed host" (doi.org, arxiv.org).
    assert reason in problem(url, allow_domains=("doi.org", "arxiv.org", "handle.net"))
    assert reason in problem(url, allow_domains=())


@pytest.mark.parametrize(
    "url",
    [
        "https://doi.org/10.1126/science.aal4230",
        "https://www.doi.org/10.1126/science.aal4230",
        "https://dx.doi.org/10.18653%2Fv1%2F2021.acl-long.150",  # escaped slashes
        "https://arxiv.org/abs/1706.03762v5",
        "https://arxiv.org/pdf/1706.03762.pdf",
        "https://arxiv.org/html/2401.00001v1",
        "https://arxiv.org/list/cs.CL/recent",  # a listing, not a paper: a URL like any other
        "https://hdl.handle.net/1721.1/12345",
        "https://hdl.handle.net/10419/123456",
    ],
)
def test_well_formed_resolver_links_pass(url):
    assert problem(url, allow_domains=("doi.org", "arxiv.org", "handle.net")) is None


def test_a_long_rubric_reusing_a_few_sources_is_not_flagged(long_answer):
    # 24 unrelated criteria over 5 sources: each source backs about five of them, as an
    # honest long answer's rubric must.
    topics = [
        "benchmark scores and fairness", "housing prices in rural towns",
        "teenage employment after wage rises", "broadband gaps between regions",
        "cable news and outrage", "vaccine uptake in older adults",
        "river pollution from farms", "tariffs on imported steel",
        "school meals and attendance", "ride-hailing and congestion",
        "solar subsidies in deserts", "sleep and exam results",
        "migration and remittances", "coral bleaching in warm years",
        "library closures in suburbs", "antibiotic use in livestock",
        "commuting time and wellbeing", "credit scores of renters",
        "language loss among migrants", "air quality near schools",
        "patent thickets in software", "wildfire smoke and asthma",
        "minimum parking requirements", "museum attendance after reopening",
    ]  # fmt: skip
    dois = [f"10.1000/source{n}" for n in range(5)]
    long_answer["rubric"] = [
        {
            "criterion": f"Explains {topic}.",
            "points": 2,
            "citation": dois[number % 5],
            "rationale": topic.capitalize() + ".",
        }
        for number, topic in enumerate(topics)
    ]
    findings = run_check(
        "citation_policy", CheckInput(definition=LONG_ANSWER, answer=long_answer), POLICY
    )
    assert "warn" not in {f.status for f in findings}
    # The same rubric with half its criteria on one source is flagged.
    for item in long_answer["rubric"][:12]:
        item["citation"] = dois[0]
    findings = run_check(
        "citation_policy", CheckInput(definition=LONG_ANSWER, answer=long_answer), POLICY
    )
    warning = next(f for f in findings if f.status == "warn")
    assert warning.code == "citation_policy.overused_source"
    assert warning.params["criteria"] == 24
    assert warning.params["claims"] >= 12
    assert "out of 24" in warning.message
