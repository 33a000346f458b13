"""Consent banners: find the banner, record what its first layer offers, and click accept or reject.

Three engines, in this order of authority:

1. **config** — CSS selectors from the scan config (``consent.accept/reject/settings``) override
   the others for the action they name (``settings`` opens the second layer).
2. **autoconsent** — DuckDuckGo's autoconsent rules (hundreds of consent managers), its content script
   driven from Python over its message protocol.
3. **heuristic** — visible buttons, links and ``[role=button]`` in the page, its frames and open
   shadow roots, read against a lexicon (FR EN DE ES IT NL), preferring controls inside something
   that looks like a consent banner.

The engines are tried in turn until the site confirms the choice (``verify``: the consent platform's API or
choice storage, else a new first-party cookie or storage key; the banner gone and staying away); each try is
kept in ``BannerResult.attempts``, and ``succeeded`` means a choice made *and confirmed* (``confirmed``,
``confirmation``). A rule of autoconsent that only hides a banner is never used to choose.

Whatever engine acts, the heuristic reading of the first layer gives ``accept_on_first_layer`` /
``reject_on_first_layer`` (in every state, ``before`` included), and a screenshot is taken before
any click. Site behaviour (a click that fails, a consent manager that throws, no banner at all) is
recorded in the :class:`~cookiescan.models.BannerResult`, never raised.

What is where (each module imports only the ones above it):

* ``lexicon`` — the word lists, :func:`normalise`, :func:`classify`, :func:`mentions_cookies`;
* ``page`` — reading the page (``scan.js``): :class:`Layer` of :class:`Control` / :class:`Toggle`,
  :func:`read_layer`, frames, config selectors matched;
* ``autoconsent`` — the binding, the :class:`~cookiescan.consent.autoconsent.Autoconsent` driver,
  :func:`rules_for`, :func:`autoconsent_config`;
* ``click`` — one consent step's clicks (:class:`~cookiescan.consent.click.Run`) and waiting for a
  control to go;
* ``engines`` — config, autoconsent and heuristic (first and second layer) accept / reject;
* ``verify`` — reading the page (``verify.js``) and judging whether the choice was recorded;
* ``choose`` — the engines in order, each :class:`~cookiescan.consent.choose.Attempt` verified;
* ``apply`` — :func:`apply_consent`, the step itself;
* ``withdraw`` — :func:`withdraw_consent`: the way back to the choice after an accept (``way_back.js``, the
  consent managers' reopen APIs in ``reopen.js``) and the refusal made there.

Every page-side script is a ``*.js`` file of this package, read through :mod:`cookiescan.resources`.
"""

from cookiescan.consent.apply import apply_consent
from cookiescan.consent.autoconsent import BINDING, autoconsent_config, rules_for
from cookiescan.consent.lexicon import LEXICON, classify, mentions_cookies, normalise
from cookiescan.consent.page import Control, Layer, Toggle, read_layer
from cookiescan.consent.withdraw import Withdrawal, withdraw_consent

__all__ = [
    "BINDING",
    "LEXICON",
    "Control",
    "Layer",
    "Toggle",
    "Withdrawal",
    "apply_consent",
    "autoconsent_config",
    "classify",
    "mentions_cookies",
    "normalise",
    "read_layer",
    "rules_for",
    "withdraw_consent",
]
