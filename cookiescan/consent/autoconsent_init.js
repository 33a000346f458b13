([message, rules]) => {
  message.rules = {autoconsent: JSON.parse(rules)};
  window.autoconsentReceiveMessage(message);
  return true;
}
