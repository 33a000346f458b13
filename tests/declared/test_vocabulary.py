"""Tests for cookiescan.declared.vocabulary: declared categories in six languages.

Pure tests: no browser, no network.
"""

from __future__ import annotations

import pytest

from cookiescan.declared import normalise_category

# --------------------------------------------------------------------------------------------
# normalise_category
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("nécessaire", "necessary"),
        ("Strictement nécessaires", "necessary"),
        ("Cookies nécessaires au fonctionnement du site", "necessary"),
        ("Strictly Necessary Cookies", "necessary"),
        ("essential", "necessary"),
        ("notwendig", "necessary"),
        ("Technisch erforderlich", "necessary"),
        ("strictly_necessary", "necessary"),
        ("fonctionnel", "functional"),
        ("Functional Cookies", "functional"),
        ("Präferenzen", "functional"),
        ("Personnalisation", "functional"),
        ("mesure d'audience", "analytics"),
        ("Mesure d’audience", "analytics"),
        ("statistiques", "analytics"),
        ("analytique", "analytics"),
        ("Statistik", "analytics"),
        ("Performance Cookies", "analytics"),
        ("publicité", "marketing"),
        ("marketing", "marketing"),
        ("ciblage", "marketing"),
        ("réseaux sociaux", "marketing"),
        ("Targeting Cookies", "marketing"),
        ("Werbung", "marketing"),
        ("Publicité et personnalisation", "marketing"),  # the most invasive wins
        ("Mesure d'audience, sans publicité", "analytics"),  # negated words do not count
        ("Cookies non essentiels", "unknown"),
        ("First Party", "unknown"),
        ("Autres", "unknown"),
    ],
)
def test_normalise_category(text: str, category: str) -> None:
    assert normalise_category(text) == category
