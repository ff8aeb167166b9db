// The issuer sends the sign-in window here with ?code=…&state=… (or
// ?error=…). This page takes them out of the URL bar at once, hands them to
// the console's page over a same-origin BroadcastChannel (the page keeps
// the PKCE verifier in memory and redeems the code), and closes.
const params = new URLSearchParams(location.search);
history.replaceState(null, "", location.pathname);
const message = {
  code: params.get("code") || "",
  state: params.get("state") || "",
  error: params.get("error") || "",
  errorDescription: params.get("error_description") || "",
};
const channel = new BroadcastChannel("valet-signin");
channel.postMessage(message);
channel.close();
document.getElementById("status").textContent = message.error
  ? `Sign-in failed: ${message.errorDescription || message.error}. Close this window and try again.`
  : "Signed in. You can close this window.";
window.close();
