(binding) => {
  // Report the label of every control that receives a click, whoever clicks it (autoconsent calls
  // element.click(); the capture listener on document sees it before the page's own handlers), through the
  // context's binding at once: a rule's click in a frame that the click itself removes is still counted.
  if (window.__cookiescanClicks) return true;
  window.__cookiescanClicks = true;
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
    try { window[binding]({type: 'cookiescanClick', text: t.slice(0, 100)}); } catch (err) { /* frame going away */ }
  }, true);
  return true;
}
