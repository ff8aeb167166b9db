// Sign-in with the OpenID Connect authorization-code flow with PKCE
// (RFC 7636, S256), as a public client. The code verifier, state and nonce
// stay in this page's memory: the issuer's page opens in a separate window
// whose callback page (callback.html) passes the code back over a
// same-origin BroadcastChannel, so this page never navigates away and
// nothing is written to storage. The ID token is kept in memory only; a
// reload or Sign out forgets it.

function b64url(bytes) {
  let s = "";
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function random(n = 32) {
  return b64url(crypto.getRandomValues(new Uint8Array(n)));
}

// claims decodes a JWT's payload (the API verifies the signature; the
// console checks who the token is for).
export function claims(jwt) {
  const part = jwt.split(".")[1] || "";
  const json = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
}

export function redirectURI() {
  return new URL("callback.html", location.href.split("#")[0].split("?")[0]).href;
}

// signIn runs the flow and resolves to {idToken, claims}.
export async function signIn(config) {
  const verifier = random(32);
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const state = random(16);
  const nonce = random(16);
  const url = new URL(config.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: "code", client_id: config.clientId, redirect_uri: redirectURI(), scope: "openid email",
    state, nonce, code_challenge: challenge, code_challenge_method: "S256",
  }).toString();

  const channel = new BroadcastChannel("valet-signin");
  const answer = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("sign-in was not finished within 10 minutes")), 600_000);
    channel.onmessage = (e) => {
      if (e.data?.state !== state) return; // another tab's sign-in
      clearTimeout(timer);
      resolve(e.data);
    };
  });
  const win = window.open(url.href, "valet-signin", "popup,width=520,height=680");
  if (!win) {
    channel.close();
    throw Object.assign(new Error("the sign-in window was blocked"), { next: "allow pop-ups for this console and press Sign in again" });
  }
  let msg;
  try {
    msg = await answer;
  } finally {
    channel.close();
  }
  if (msg.error) {
    throw Object.assign(new Error(`sign-in failed: ${msg.errorDescription || msg.error}`), { next: "press Sign in to try again" });
  }
  const res = await fetch(config.tokenEndpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code", code: msg.code, redirect_uri: redirectURI(),
      client_id: config.clientId, code_verifier: verifier,
    }),
    credentials: "omit",
    cache: "no-store",
  }).catch(() => {
    throw Object.assign(new Error("could not reach the sign-in service's token endpoint"), { next: "check your connection and press Sign in again" });
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok || !body.id_token) {
    throw Object.assign(new Error(`sign-in failed: ${body.error_description || body.error || res.status}`), { next: "press Sign in to try again" });
  }
  const c = claims(body.id_token);
  const aud = Array.isArray(c.aud) ? c.aud : [c.aud];
  if (c.iss !== config.issuer || !aud.includes(config.clientId) || c.nonce !== nonce || c.exp * 1000 < Date.now()) {
    throw Object.assign(new Error("sign-in failed: the ID token is not for this console"), { next: "press Sign in to try again" });
  }
  return { idToken: body.id_token, claims: c };
}
