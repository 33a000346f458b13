() => {
  // Record the label of every control that receives a click, whoever clicks it (autoconsent calls
  // element.click(); the capture listener on document sees it before the page's own handlers).
  // recorded_clicks.js reads them back.
  if (window.__cookiescanClicks) return true;
  window.__cookiescanClicks = [];
  document.addEventListener('click', (e) => {
    const path = e.composedPath ? e.composedPath() : [e.target];
    const CONTROL = 'button, a, [role=button], [role=switch], [role=checkbox], input, label';
    const el = path.find(n => n instanceof Element && n.matches(CONTROL)) || e.target;
    let t = '';
    if (el instanceof Element) {
      t = (el.innerText || el.value || el.getAttribute('aria-label') || '').replace(/\s+/g, ' ').trim();
      const lab = el.labels && el.labels[0];
      if ((!t || el.matches('input')) && lab) t = lab.innerText.replace(/\s+/g, ' ').trim();
    }
    window.__cookiescanClicks.push(t.slice(0, 100));
  }, true);
  return true;
}
