async (url) => {
  const r = await fetch(url, {credentials: "omit"});
  if (!r.ok) return null;
  const a = new Uint8Array(await r.arrayBuffer());
  let s = "";
  for (let i = 0; i < a.length; i += 32768) s += String.fromCharCode.apply(null, a.subarray(i, i + 32768));
  return btoa(s);
}
