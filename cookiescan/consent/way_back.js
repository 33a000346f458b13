() => {
  // The controls a visitor would use to change their cookie choice after making it: a footer link such as
  // "Gérer mes cookies" / "Cookie settings" / "Cookie-Einstellungen", or a consent manager's floating button.
  // Visible ones only, in the document and its open shadow roots; the elements stay in
  // window.__cookiescanWayBack so that Python can click one by its index.
  const WORDS = new RegExp([
    'g[ée]rer (mes|les|vos) (cookies|traceurs|pr[ée]f[ée]rences|consentements?|choix)',
    'param[èe]tr\\w* (les |des |mes )?(cookies|traceurs)', 'pr[ée]f[ée]rences (de |des |en mati[èe]re de )?cookies',
    'gestion des (cookies|traceurs|consentements)', 'modifier (mes |vos )?(choix|pr[ée]f[ée]rences|consentement)',
    'retirer (mon |votre )?consentement', 'panneau de gestion des cookies',
    'cookie[- ]?(settings|preferences|choices|consent|policy settings)', 'manage (my |your )?(cookies|consent|privacy)',
    'privacy (settings|preferences|choices)', 'consent (settings|preferences|choices)', 'your privacy choices',
    'change (my |your )?(cookie |privacy )?(settings|consent|preferences|choices)', 'withdraw (my |your )?consent',
    'cookie-?einstellungen', 'datenschutz-?einstellungen', 'privatsph[äa]re-?einstellungen',
    '(cookies|einwilligung|zustimmung) (verwalten|widerrufen|[äa]ndern)',
    'configuraci[óo]n de (las )?cookies', 'preferencias de (las )?cookies', 'gestionar (las )?cookies',
    'impostazioni (dei )?cookie', 'preferenze (dei )?cookie', 'gestisci (i )?cookie',
    'cookie-?instellingen', 'cookievoorkeuren', 'privacy-?instellingen',
  ].join('|'), 'i');
  const FLOATING = ['#ot-sdk-btn-floating', '.ot-floating-button__open', '.ot-sdk-show-settings', '.optanon-show-settings',
    '#CookiebotWidget .CookiebotWidget-logo', '#CookiebotWidget', '[onclick*="Cookiebot.renew"]', '[href*="Cookiebot.renew"]',
    '.didomi-floating-button', '[onclick*="Didomi.preferences.show"]', '[href*="Didomi.preferences.show"]',
    '#usercentrics-button', '[onclick*="UC_UI.show"]', '#axeptio_main_button', '.axeptio_widget',
    '[onclick*="openAxeptioCookies"]', '#tarteaucitronManager', '#tarteaucitronIcon', '[data-cc="show-preferencesModal"]',
    '[data-cc="c-settings"]', '[onclick*="klaro.show"]', '.qc-cmp2-persistent-link', '[onclick*="displayConsentUi"]',
    '[onclick*="loadPrivacyManagerModal"]', '.cky-btn-revisit-wrapper', '.cmplz-manage-consent', '.termly-display-preferences'];
  const roots = [document];
  for (let r = 0; r < roots.length && r < 200; r++) {
    for (const el of roots[r].querySelectorAll('*')) if (el.shadowRoot) roots.push(el.shadowRoot);
  }
  /* visible.js */
  const found = [], seen = new Set();
  const add = (el, kind) => {
    if (seen.has(el) || !shown(el)) return;
    seen.add(el);
    found.push({el, kind, text: label(el) || kind});
  };
  for (const root of roots) {
    for (const sel of FLOATING) {
      try { for (const el of root.querySelectorAll(sel)) add(el, 'floating button'); } catch (e) { /* selector */ }
    }
    for (const el of root.querySelectorAll('a, button, [role=button], [role=link], [onclick]')) {
      const text = label(el);
      if (text && text.length <= 80 && WORDS.test(text)) add(el, el.tagName === 'A' ? 'link' : 'button');
    }
  }
  window.__cookiescanWayBack = found.slice(0, 20).map(f => f.el);
  return found.slice(0, 20).map((f, i) => ({i, kind: f.kind, text: f.text}));
}
