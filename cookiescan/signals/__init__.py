"""What a site tells ad tech, read from data the scanner collected (pure functions, no browser).

* :mod:`cookiescan.signals.tcf` — IAB TCF v2.2 TC strings and ``__tcfapi('getTCData')`` results;
* :mod:`cookiescan.signals.consent_mode` — Google Consent Mode v2 (``gcs`` / ``gcd`` on Google tag requests);
* :mod:`cookiescan.signals.gtm` — Google Tag Manager / gtag container ids and loading chains.
"""
