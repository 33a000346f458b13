(message) => { window.autoconsentReceiveMessage(message); return true; }
