(e) => !e.isConnected || e.getClientRects().length === 0 ||
  (e.checkVisibility && !e.checkVisibility({opacityProperty: true, visibilityProperty: true}))
