() => {
  const out = [];
  for (const kind of ["localStorage", "sessionStorage"]) {
    try {
      const s = window[kind];
      for (let i = 0; i < s.length && i < 2000; i++) {
        const k = s.key(i);
        out.push([kind, k, (s.getItem(k) || "").length]);
      }
    } catch (e) { /* storage blocked in this frame */ }
  }
  return {origin: location.origin, items: out};
}
