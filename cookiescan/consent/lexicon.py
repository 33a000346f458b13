"""The words of consent banners: which role a control's label names (save, reject, settings, accept), in
French, English, German, Spanish, Italian and Dutch. Pure text, no browser."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Whole labels (after normalising case, accents kept, apostrophes and spaces unified). A label also
# matches when it starts with a phrase followed by a separator ("Accepter et fermer").
# Categories are tried in the order of ORDER, so "Accept selected" is a save and "Accept only
# necessary" a reject, not an accept.
LEXICON: dict[str, tuple[str, ...]] = {
    "save": (
        # fr
        "enregistrer", "enregistrer mes choix", "enregistrer et fermer", "enregistrer mes préférences",
        "valider", "valider mes choix", "valider la sélection", "confirmer mes choix", "confirmer",
        "accepter la sélection", "accepter sélectionné", "sauvegarder",
        # en
        "save", "save preferences", "save settings", "save my choices", "save my preferences", "save and close",
        "save & exit", "save choices", "confirm my choices", "confirm choices", "confirm selection",
        "confirm", "accept selected", "accept selection", "allow selection",
        # de
        "speichern", "auswahl speichern", "einstellungen speichern", "auswahl bestätigen",
        "ausgewählte akzeptieren", "auswahl erlauben", "speichern und schließen",
        # es
        "guardar", "guardar preferencias", "guardar configuración", "guardar y salir", "confirmar",
        "confirmar selección", "aceptar selección",
        # it
        "salva", "salva le preferenze", "salva e chiudi", "salva impostazioni", "conferma le scelte",
        "accetta selezionati",
        # nl
        "opslaan", "voorkeuren opslaan", "keuze opslaan", "instellingen opslaan", "selectie toestaan",
    ),
    "reject": (
        # fr
        "tout refuser", "refuser", "refuser tout", "je refuse", "refuser et fermer", "refuser les cookies",
        "continuer sans accepter", "non merci", "refuser tous les cookies", "uniquement les cookies nécessaires",
        "cookies nécessaires uniquement", "accepter uniquement les cookies nécessaires",
        # en
        "reject", "reject all", "reject all cookies", "reject cookies", "decline", "decline all",
        "i decline", "deny", "deny all", "refuse", "refuse all", "no thanks", "no, thanks", "disagree",
        "necessary only", "only necessary", "strictly necessary only", "accept only necessary",
        "accept necessary", "accept necessary cookies", "use necessary cookies only", "allow necessary only",
        "continue without accepting", "essential cookies only", "only essential cookies",
        # de
        "alle ablehnen", "ablehnen", "ich lehne ab", "cookies ablehnen", "nur notwendige",
        "nur notwendige cookies", "nur essenzielle cookies", "nur erforderliche cookies",
        "weiter ohne einwilligung", "nicht einverstanden",
        # es
        "rechazar", "rechazar todo", "rechazar todas", "rechazar cookies", "no acepto", "denegar",
        "solo necesarias", "continuar sin aceptar",
        # it
        "rifiuta", "rifiuta tutto", "rifiuta tutti", "rifiuto", "continua senza accettare", "solo necessari",
        "nega",
        # nl
        "alles weigeren", "weigeren", "alle cookies weigeren", "afwijzen", "alles afwijzen",
        "alleen noodzakelijke", "alleen noodzakelijke cookies", "niet akkoord",
    ),
    "settings": (
        # fr
        "personnaliser", "paramétrer", "paramètres", "paramètres des cookies", "gérer mes choix",
        "gérer les cookies", "gérer mes préférences", "gérer les préférences", "préférences",
        "laissez-moi choisir", "je choisis", "plus d'options", "choisir",
        # en
        "manage options", "manage preferences", "manage cookies", "manage settings", "manage choices",
        "cookie settings", "cookies settings", "cookie preferences", "customize", "customise",
        "preferences", "settings", "more options", "let me choose", "options", "show purposes",
        # de
        "einstellungen", "cookie-einstellungen", "anpassen", "lassen sie mich wählen", "mehr optionen",
        "optionen verwalten", "individuelle einstellungen", "details anzeigen", "auswählen",
        # es
        "configurar", "configuración", "personalizar", "preferencias", "gestionar cookies",
        "más opciones", "configurar cookies",
        # it
        "personalizza", "gestisci", "gestisci preferenze", "impostazioni", "preferenze", "più opzioni",
        # nl
        "instellingen", "aanpassen", "voorkeuren", "cookie-instellingen", "meer opties",
    ),
    "accept": (
        # fr
        "tout accepter", "accepter tout", "accepter", "j'accepte", "accepter et fermer", "accepter & fermer",
        "accepter les cookies", "accepter tous les cookies", "ok pour moi", "c'est bon", "d'accord",
        "accepter et continuer", "oui",
        # en
        "accept", "accept all", "accept all cookies", "accept cookies", "allow all", "allow all cookies",
        "allow cookies", "allow", "i accept", "i agree", "agree", "agree and close", "agree & close",
        "got it", "ok", "okay", "that's ok", "yes", "accept and close", "accept & close",
        "accept and continue",
        # de
        "alle akzeptieren", "akzeptieren", "alle cookies akzeptieren", "cookies akzeptieren", "zustimmen",
        "alle zulassen", "alle erlauben", "einverstanden", "ich stimme zu", "das ist ok", "annehmen",
        "alle annehmen", "akzeptieren und schließen",
        # es
        "aceptar", "aceptar todo", "aceptar todas", "aceptar todas las cookies", "acepto", "aceptar cookies",
        "permitir todas", "de acuerdo", "aceptar y cerrar",
        # it
        "accetta", "accetta tutto", "accetta tutti", "accetto", "accetta tutti i cookie", "consenti tutti",
        "accetta e chiudi", "acconsento",
        # nl
        "alles accepteren", "accepteren", "akkoord", "alle cookies accepteren", "toestaan", "alles toestaan",
        "cookies accepteren", "ik ga akkoord",
    ),
}
ORDER = ("save", "reject", "settings", "accept")
_SEPARATORS = " &+-–—,:;(/|!."


def normalise(text: str) -> str:
    """Lower-case, unify apostrophes and spaces, drop symbols at both ends (✓, ×, emoji, »)."""
    t = unicodedata.normalize("NFC", text or "").replace("’", "'").replace("`", "'").replace("\u00a0", " ")
    t = re.sub(r"\s+", " ", t).strip().lower()
    return t.strip(" \t\n.!»«›‹>→✓✔×✕·•*\"'").strip()


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, tuple[str, ...]]:
    # longest phrases first so "accept all cookies" wins its own category before "accept"
    return {k: tuple(sorted({normalise(p) for p in v}, key=len, reverse=True)) for k, v in LEXICON.items()}


def classify(text: str) -> str | None:
    """The role of a control from its label: "save" | "reject" | "settings" | "accept" | None."""
    t = normalise(text)
    if not t or len(t) > 60:
        return None
    lexicon = _lexicon()
    for kind in ORDER:
        for phrase in lexicon[kind]:
            if t == phrase or (t.startswith(phrase) and t[len(phrase)] in _SEPARATORS):
                return kind
    return None


def mentions_cookies(text: str) -> bool:
    """Whether a label names cookies or trackers ("Accept cookies"): what a control outside a banner needs."""
    return bool(re.search(r"cookie|traceur|tracker", text, re.I))
