() => {
  // The visible controls (buttons, links, role=button) and toggles of the document and its open shadow
  // roots, each with the banner-looking container it sits in (-1: none). The elements themselves stay in
  // window.__cookiescanScan so that Python can click one by its index (element.js).
  const BANNER_ATTR = new RegExp(['cookie|consent|gdpr|rgpd|dsgvo|\\bcmp\\b|cmp[-_]|banner|bandeau|privacy',
    'datenschutz|tarteaucitron|klaro|didomi|onetrust|cookiebot|usercentrics|traceur|tracker|\\bcc[-_]'].join('|'), 'i');
  const BANNER_TEXT = new RegExp(['cookie|consent|traceur|tracker|datenschutz|privacy|confidentialit|vie priv|gdpr',
    'rgpd|dsgvo|privacidad|riservatezza|einwilligung|zustimmung|consentimiento|toestemming|consenso'].join('|'), 'i');
  const CONTROL = 'button, a, [role=button], [role=link], input[type=button], input[type=submit]';
  const TOGGLE = 'input[type=checkbox], [role=switch], [role=checkbox]';
  const roots = [document];
  const all = [];
  for (let r = 0; r < roots.length && all.length < 30000; r++) {
    for (const el of roots[r].querySelectorAll('*')) {
      all.push(el);
      if (el.shadowRoot) roots.push(el.shadowRoot);
    }
  }
  const parentOf = (el) => {
    if (el.parentElement) return el.parentElement;
    const root = el.getRootNode && el.getRootNode();
    return root instanceof ShadowRoot ? root.host : null;
  };
  /* visible.js */
  const attrs = (el) => [el.id || '', el.getAttribute('class') || '', el.getAttribute('aria-label') || '',
                         el.tagName.toLowerCase()].join(' ');
  const bannerOf = (el) => {
    let e = parentOf(el), depth = 0, byText = null;
    while (e && depth < 15 && e !== document.body && e !== document.documentElement) {
      if (BANNER_ATTR.test(attrs(e))) return e;
      if (!byText) {
        const role = e.getAttribute('role');
        const t = e.innerText || '';
        const dialog = role === 'dialog' || role === 'alertdialog' || e.tagName === 'DIALOG';
        if ((t.length < 4000 || dialog) && BANNER_TEXT.test(t)) byText = e;
      }
      e = parentOf(e); depth++;
    }
    return byText;
  };
  const controls = [], toggles = [], banners = [];
  const info = [], tinfo = [];
  for (const el of all) {
    if (controls.length >= 400) break;
    if (!el.matches(CONTROL) || !shown(el)) continue;
    const text = label(el);
    if (!text) continue;
    const banner = bannerOf(el);
    let b = -1;
    if (banner) { b = banners.indexOf(banner); if (b < 0) { banners.push(banner); b = banners.length - 1; } }
    controls.push(el);
    info.push({i: controls.length - 1, text, tag: el.tagName.toLowerCase(), link: el.tagName === 'A', banner: b});
  }
  for (const el of all) {
    if (toggles.length >= 100) break;
    if (!el.matches(TOGGLE)) continue;
    const lab = (el.labels && el.labels[0]) || el.closest('label') || parentOf(el);
    if (!shown(el) && !(lab && shown(lab))) continue;
    const banner = bannerOf(el);
    if (!banner) continue;
    const checked = el.matches('input') ? el.checked : el.getAttribute('aria-checked') === 'true';
    const disabled = el.disabled || el.getAttribute('aria-disabled') === 'true'
      || el.getAttribute('aria-readonly') === 'true';
    toggles.push(el);
    tinfo.push({i: toggles.length - 1, text: lab ? label(lab) : '', checked, disabled});
  }
  window.__cookiescanScan = {controls, toggles};
  return {controls: info, toggles: tinfo, banners: banners.length};
}
