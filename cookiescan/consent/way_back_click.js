(i) => {
  const el = (window.__cookiescanWayBack || [])[i];
  if (!el || !el.isConnected) return false;
  el.scrollIntoView({block: 'center'});
  el.click();
  return true;
}
