// Installed in every frame before any site script runs (context.add_init_script).
// 1. Reports every document.cookie write, with the script that made it (from the stack).
// 2. Tracks short pending setTimeout timers so the settle step can wait for "set after 2 s" cookies.
// 3. Tracks scripts the page added that have not run yet (fetched but not executed, or still loading): a
//    consent manager's loader is quiet on the network between its answer and its next step, for as long as
//    a busy CPU keeps it from running.
(() => {
  if (window.__cookiescanInstalled) return;
  Object.defineProperty(window, "__cookiescanInstalled", { value: true });
  const desc = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  const queue = [];
  const flush = () => {
    const send = window.__cookiescan_cookie;
    if (typeof send !== "function") return false;
    while (queue.length) {
      try { send(queue.shift()); } catch (e) { /* page is going away */ }
    }
    return true;
  };
  if (desc && desc.set && desc.get) {
    Object.defineProperty(Document.prototype, "cookie", {
      configurable: true,
      enumerable: desc.enumerable,
      get() { return desc.get.call(this); },
      set(value) {
        try {
          queue.push({ value: String(value), stack: String(new Error().stack || ""), url: location.href });
          if (!flush()) setTimeout(flush, 0);
        } catch (e) { /* never break the site */ }
        return desc.set.call(this, value);
      },
    });
  }
  const pending = new Map();
  const st = window.setTimeout, ct = window.clearTimeout;
  window.setTimeout = function (fn, delay, ...rest) {
    const d = Number(delay) || 0;
    if (typeof fn !== "function" || d < 100 || d > 5000) return st.call(this, fn, delay, ...rest);
    let handle;
    handle = st.call(this, function () { pending.delete(handle); return fn.apply(this, arguments); }, delay, ...rest);
    pending.set(handle, performance.now() + d);
    return handle;
  };
  window.clearTimeout = function (handle) { pending.delete(handle); return ct.call(this, handle); };
  // cookiescan's own scripts (autoconsent's detection loop) take the unhooked timers: their waits are not
  // the page's and must not keep it from looking idle
  Object.defineProperty(window, "__cookiescanNativeTimers", {value: Object.freeze({setTimeout: st, clearTimeout: ct})});
  const ran = new WeakSet(), seen = new WeakMap();
  const done = (e) => { if (e.target instanceof HTMLScriptElement) ran.add(e.target); };
  document.addEventListener("load", done, true);
  document.addEventListener("error", done, true);
  const JS = /^((text|application)\/(x-)?(java|ecma)script|module)$/;
  // scripts waited for at most this long (one inserted by innerHTML never runs, so never reports)
  const SCRIPT_PATIENCE = 3000;
  Object.defineProperty(window, "__cookiescanScriptsPending", {
    value: () => {
      const now = performance.now();
      let count = 0;
      for (const s of document.scripts) {
        if (!s.src || ran.has(s) || s.noModule) continue;
        const type = (s.getAttribute("type") || "").trim().toLowerCase();
        if (type && !JS.test(type)) continue;  // data blocks and scripts a consent manager holds back
        if (!seen.has(s)) seen.set(s, now);
        if (now - seen.get(s) < SCRIPT_PATIENCE) count++;
      }
      return count;
    },
  });
  Object.defineProperty(window, "__cookiescanTimersDue", {
    value: () => {
      const now = performance.now();
      let due = 0;
      for (const t of pending.values()) if (t > now) due = Math.max(due, t - now);
      return due;
    },
  });
})();
