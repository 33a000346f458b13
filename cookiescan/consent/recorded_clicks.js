() => window.__cookiescanClicks || []
