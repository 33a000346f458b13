() => {
  // Reopen the consent manager's dialog through its own JavaScript API (what its "change my choice" buttons
  // call). Returns the API used, or null when the page runs none of them.
  const tries = [
    ['OneTrust.ToggleInfoDisplay()', () => window.OneTrust.ToggleInfoDisplay()],
    ['Optanon.ToggleInfoDisplay()', () => window.Optanon.ToggleInfoDisplay()],
    ['Cookiebot.renew()', () => window.Cookiebot.renew()],
    ['Didomi.preferences.show()', () => window.Didomi.preferences.show()],
    ['UC_UI.showSecondLayer()', () => window.UC_UI.showSecondLayer()],
    ['axeptioSDK.openCookies()', () => window.axeptioSDK.openCookies()],
    ['openAxeptioCookies()', () => window.openAxeptioCookies()],
    ['tarteaucitron.userInterface.openPanel()', () => window.tarteaucitron.userInterface.openPanel()],
    ['klaro.show()', () => window.klaro.show()],
    ['CookieConsent.showPreferences()', () => window.CookieConsent.showPreferences()],
    ['__tcfapi displayConsentUi', () => window.__tcfapi('displayConsentUi', 2, () => {})],
  ];
  for (const [name, fn] of tries) {
    try { fn(); return name; } catch (e) { /* not this platform */ }
  }
  return null;
}
