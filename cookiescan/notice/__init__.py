"""Read a written cookie notice: what it names, promises and lists, each fact with its sentence.

Many sites declare their cookies not in a table but in prose: "Google Analytics helps us measure…",
"the processors used for statistics are Hotjar and New Relic", "never stored longer than 13 months",
"a refusal cookie is installed". :func:`read_notice` turns such a text into a :class:`Notice` (vendors
named, lifetime promises, the promise of a refusal cookie, purposes listed). Plain functions of data: no
browser. Holding the site to the notice is the job of the notice rules (:mod:`cookiescan.rules.notice`),
run by :func:`cookiescan.rules.evaluate` when it is given a notice.

What is where:

* :mod:`~cookiescan.notice.records` — :class:`Notice`, :class:`VendorMention`, :class:`LifetimePromise`,
  :class:`Evidence`, and the ``NO_VENDORS`` note.
* :mod:`~cookiescan.notice.text` — HTML to text, sentences, the position-keeping fold, the language.
* :mod:`~cookiescan.notice.vendors` — vendor names and aliases matched in the sentences.
* :mod:`~cookiescan.notice.promises` — lifetime promises and their scope; the refusal-cookie sentence.
* :mod:`~cookiescan.notice.reader` — :func:`read_notice` (with the purposes listed), :func:`load_notice`.

Example::

    from cookiescan import known, notice, rules

    n = notice.load_notice("cookies.html")
    findings = rules.evaluate(result, None, rules.RuleOptions(), known=known.load(), notice=n)

Heuristics worth knowing (the report should say them in plain words):

* **Vendors** are matched against known_trackers' vendor names and aliases, on word boundaries and
  ignoring case, but a hit must look like a name (an upper-case letter or a digit in it): "here", "test"
  or "segment" in lower case never count. Aliases that are common words ("Signal", "Clarity", "Heap")
  must be written exactly as the vendor spells it and not as the first word of a sentence. "X" counts as
  Twitter only as "X (Twitter)", "X (ex-Twitter)", "X Corp", "X, formerly Twitter"… A company that owns
  several vendors and is not a vendor itself ("Google", "Microsoft", "Amazon") is a company mention: it
  covers every vendor that company owns. "Google/YouTube" names both. URLs are ignored (an opt-out link
  to google.com does not name Google). A vendor named only in a sentence that says the site does *not*
  use it ("nous n'utilisons pas Hotjar") is not counted as named, and a note says so.
* **Lifetime promises** are durations with a limiting cue ("no longer than", "maximum", "au plus",
  "pas plus de", "au-delà de", "jusqu'à", "13 mois maximum") or a period cue ("pendant", "for",
  "conservés", "durée de vie"). Their scope is the subject of the clause: the first of cookies / data /
  consent / refusal words in it (walking back through earlier clauses, then the previous sentence,
  when a clause has none): "Les données … 25 mois" is data retention, not a cookie lifetime; "le cookie
  de refus … 6 mois" is the refusal choice. A cookie promise whose clause names a vendor or a cookie
  ("le cookie _gid … 24 heures") gets scope ``"specific"``: it is about that cookie, not a ceiling for
  all. A data promise whose subject is data collected via cookies ("Personal data collected via cookies
  are never stored longer than 13 months", "les informations déposées par ces cookies…") gets scope
  ``"cookie-data"``: a cookie keeping its identifier on the device longer breaks it too. Only
  ``"cookies"`` (medium) and ``"cookie-data"`` (low) promises judge the site's cookies.
* **Refusal cookie**: "cookie de refus", "refusal cookie", "a cookie recording your refusal", "we store
  your choice", "votre choix est conservé"…
* **Categories** are counted in sentences about cookies or in headings: mesure d'audience /
  statistiques → analytics; publicité / ciblage / réseaux sociaux → marketing; fonctionnels →
  functional; nécessaires / essentiels / techniques → necessary.
"""

from __future__ import annotations

from cookiescan.notice.reader import load_notice, read_notice
from cookiescan.notice.records import NO_VENDORS, Evidence, LifetimePromise, Notice, VendorMention

__all__ = [
    "NO_VENDORS",
    "Evidence",
    "LifetimePromise",
    "Notice",
    "VendorMention",
    "load_notice",
    "read_notice",
]
