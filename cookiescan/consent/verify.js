async () => {
  // What the page says about the visitor's consent choice, read the way each platform publishes it: its
  // JavaScript API, its own choice cookie or storage, and IAB TCF's __tcfapi. Plus the names of this
  // frame's localStorage / sessionStorage keys (a home-made banner's choice is a new key or cookie), each with
  // a short digest of its value (a choice made again, e.g. withdrawn, rewrites the same key).
  // Values are reduced to the facts verify.py judges (flags, counts, digests): nothing identifying leaves the page.
  const out = {platforms: {}, storage: [], digests: {}};
  const digest = (text) => { let h = 0; for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0; return (h >>> 0).toString(36) + ':' + text.length; };
  const cookie = (name) => {
    const m = document.cookie.match(new RegExp('(?:^|; )' + name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&') + '=([^;]*)'));
    if (!m) return null;
    try { return decodeURIComponent(m[1]); } catch (e) { return m[1]; }
  };
  const guard = (name, fn) => { try { const v = fn(); if (v) out.platforms[name] = v; } catch (e) { /* the site's */ } };
  for (const area of ['localStorage', 'sessionStorage']) {
    try {
      for (const k of Object.keys(window[area])) {
        const name = area + ':' + k.slice(0, 100);
        out.storage.push(name);
        out.digests[name] = digest(String(window[area].getItem(k) || ''));
      }
    } catch (e) { }
  }
  out.storage = out.storage.slice(0, 300);

  guard('cookiebot', () => {
    const cb = window.Cookiebot;
    if (!cb || typeof cb !== 'object' || !('hasResponse' in cb)) return null;
    const c = cb.consent || {};
    return {recorded: !!cb.hasResponse, preferences: !!c.preferences, statistics: !!c.statistics,
            marketing: !!c.marketing};
  });
  guard('onetrust', () => {
    const raw = cookie('OptanonConsent');
    const active = typeof window.OnetrustActiveGroups === 'string' ? window.OnetrustActiveGroups : null;
    if (!raw && active === null && !window.OneTrust) return null;
    const params = new URLSearchParams(raw || '');
    const groups = {};
    for (const pair of (params.get('groups') || '').split(',')) {
      const [id, on] = pair.split(':');
      if (id && (on === '0' || on === '1')) groups[id.slice(0, 40)] = on === '1';
    }
    return {recorded: !!cookie('OptanonAlertBoxClosed') || Number(params.get('interactionCount') || 0) > 0,
            groups, active: active === null ? null : active.split(',').filter(Boolean).map(s => s.slice(0, 40))};
  });
  guard('didomi', () => {
    const d = window.Didomi;
    if (!d || typeof d.getUserStatus !== 'function') return null;
    const st = d.getUserStatus() || {};
    const p = (st.purposes && st.purposes.global) || {}, v = (st.vendors && st.vendors.global) || {};
    const recorded = typeof d.shouldConsentBeCollected === 'function' ? !d.shouldConsentBeCollected()
      : !!cookie('didomi_token');
    return {recorded, purposes_enabled: (p.enabled || []).length, purposes_disabled: (p.disabled || []).length,
            vendors_enabled: (v.enabled || []).length, vendors_disabled: (v.disabled || []).length};
  });
  guard('usercentrics', () => {
    const uc = window.UC_UI;
    if (!uc || typeof uc.areAllConsentsAccepted !== 'function') return null;
    let optional = null, granted = null;
    if (typeof uc.getServicesBaseInfo === 'function') {
      const services = (uc.getServicesBaseInfo() || []).filter(s => s && !s.isEssential);
      optional = services.length;
      granted = services.filter(s => s.consent && s.consent.status === true).length;
    }
    let interaction = null;
    try { interaction = localStorage.getItem('uc_user_interaction'); } catch (e) { }
    return {recorded: interaction === 'true', all_accepted: !!uc.areAllConsentsAccepted(), optional, granted};
  });
  guard('axeptio', () => {
    const raw = cookie('axeptio_cookies');
    if (!raw && !window.axeptioSDK) return null;
    let record = {};
    try { record = JSON.parse(raw || '{}') || {}; } catch (e) { record = {}; }
    const keys = Object.keys(record).filter(k => !k.startsWith('$$'));
    return {recorded: record.$$completed === true, optional: keys.length,
            granted: keys.filter(k => record[k] === true).length};
  });
  if (typeof window.__tcfapi === 'function') {
    // the stub queues calls until the CMP has loaded: an unanswered call is no evidence either way
    const tc = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), 800);
      try {
        window.__tcfapi('getTCData', 2, (d, ok) => { clearTimeout(timer); resolve(ok && d ? d : null); });
      } catch (e) { clearTimeout(timer); resolve(null); }
    });
    if (tc) {
      const consents = (tc.purpose && tc.purpose.consents) || {};
      const granted = [];
      for (let p = 1; p <= 11; p++) if (consents[p] === true || consents[String(p)] === true) granted.push(p);
      out.platforms.tcf = {eventStatus: String(tc.eventStatus || ''), cmpStatus: String(tc.cmpStatus || ''),
                           cmpId: Number(tc.cmpId) || null, has_string: !!tc.tcString, purposes: granted};
    }
  }
  return out;
}
