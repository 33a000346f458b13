(binding) => {
  const ready = !!window.autoconsentReceiveMessage;
  window.autoconsentSendMessage = (message) => {
    try { window[binding](message); } catch (e) { /* binding gone with the frame */ }
  };
  return ready;
}
