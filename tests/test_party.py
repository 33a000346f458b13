"""Registrable domain and party (issue #2 item 6)."""

import pytest

from cookiescan.party import PartyResolver, site_of


@pytest.mark.parametrize(("host", "site"), [
    ("www.shop-fixture.com", "shop-fixture.com"),
    ("a.b.example.co.uk", "example.co.uk"),
    ("stats.g.doubleclick.net", "doubleclick.net"),
    (".tracker-fixture.net", "tracker-fixture.net"),
    ("localhost", "localhost"),  # no public suffix: the host itself
    ("127.0.0.1", "127.0.0.1"),
    ("staging.shop.test", "staging.shop.test"),
    ("foo.example", "foo.example"),
    ("[::1]", "[::1]"),
])
def test_site_of(host: str, site: str) -> None:
    assert site_of(host) == site


def test_first_party_domains() -> None:
    r = PartyResolver(["www.shop.com", "shop-cdn.net"])
    assert r.party_of_host("img.shop-cdn.net") == "first"
    assert r.party_of_url("https://shop.com/x") == "first"
    assert r.party_of_url("https://tracker.net/x") == "third"
    assert PartyResolver(["localhost"]).party_of_url("http://localhost:8000/") == "first"
