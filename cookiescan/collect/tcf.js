// cookiescan: read the IAB TCF v2 signal of this frame — __tcfapi('getTCData', 2, cb) when the frame has
// the API, else the __tcfapiCall message protocol towards the nearest ancestor holding a __tcfapiLocator
// frame. Resolves null at once when there is neither, and {timeout: true} when nothing answers in time.
// Only the getTCData fields cookiescan reads are copied out (the object is the website's).
(timeoutMs) => new Promise((resolve) => {
  const FIELDS = ["tcString", "gdprApplies", "cmpId", "cmpVersion", "tcfPolicyVersion", "eventStatus",
    "cmpStatus", "isServiceSpecific", "useNonStandardTexts", "useNonStandardStacks", "purposeOneTreatment",
    "publisherCC", "purpose", "vendor", "specialFeatureOptins", "publisher"];
  const MAX_JSON = 4000000;
  const pick = (data) => {
    if (!data || typeof data !== "object") return null;
    const out = {};
    for (const key of FIELDS) {
      try {
        const text = JSON.stringify(data[key]);
        if (text !== undefined && text.length < MAX_JSON) out[key] = JSON.parse(text);
      } catch (e) { /* a getter that throws, a cycle: left out */ }
    }
    return out;
  };
  let done = false;
  let timer = null;
  let cleanup = () => {};
  const finish = (value) => {
    if (done) return;
    done = true;
    if (timer !== null) clearTimeout(timer);
    cleanup();
    resolve(value);
  };
  if (typeof window.__tcfapi === "function") {
    timer = setTimeout(() => finish({via: "api", timeout: true}), timeoutMs);
    try {
      window.__tcfapi("getTCData", 2, (data, success) => finish({via: "api", ok: success === true, data: pick(data)}));
    } catch (e) {
      finish({via: "api", error: String(e).slice(0, 200)});
    }
    return;
  }
  let target = null;
  let w = window;
  for (let depth = 0; depth < 20 && w; depth++) {
    try {
      if (w.frames.__tcfapiLocator) { target = w; break; }
    } catch (e) { /* not reachable from here */ }
    if (w === w.parent) break;
    w = w.parent;
  }
  if (target === null) { finish(null); return; }
  const callId = "cookiescan-" + Math.random().toString(36).slice(2);
  const onMessage = (event) => {
    let msg = event.data;
    if (typeof msg === "string") {
      try { msg = JSON.parse(msg); } catch (e) { return; }
    }
    const ret = msg && typeof msg === "object" ? msg.__tcfapiReturn : null;
    if (!ret || ret.callId !== callId) return;
    finish({via: "locator", ok: ret.success === true, data: pick(ret.returnValue)});
  };
  cleanup = () => window.removeEventListener("message", onMessage);
  window.addEventListener("message", onMessage);
  timer = setTimeout(() => finish({via: "locator", timeout: true}), timeoutMs);
  try {
    target.postMessage({__tcfapiCall: {command: "getTCData", version: 2, callId: callId}}, "*");
  } catch (e) {
    finish({via: "locator", error: String(e).slice(0, 200)});
  }
})
