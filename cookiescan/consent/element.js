([kind, i]) => (window.__cookiescanScan && window.__cookiescanScan[kind][i]) || null
