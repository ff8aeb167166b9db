// The console's page: configuration, session, and a hash router over the
// views. Routes (the hash holds only ids, never a token or a URL):
//   #/jobs[?state=S]  #/jobs/<id>  #/submit  #/spaces  #/spaces/<kind>/<id>
//   #/projects  #/projects/<id>  #/tokens

import { API } from "./api.js";
import { signIn } from "./auth.js";
import { h, setView, notify, clearNotice, showError, button } from "./ui.js";
import { jobsView, jobView, submitView } from "./jobs.js";
import { spacesView, spaceView } from "./spaces.js";
import { projectsView, projectView } from "./projects.js";
import { tokensView } from "./tokens.js";

const session = { token: "", claims: null }; // memory only

let config;
let api;
let generation = 0; // bumped on every navigation; views stop polling when it moves on

const routes = [
  [/^#\/jobs\/([^/?]+)$/, jobView],
  [/^#\/jobs(?:\?.*)?$/, jobsView],
  [/^#\/submit$/, submitView],
  [/^#\/spaces\/(users|projects)\/([^/?]+)$/, spaceView],
  [/^#\/spaces$/, spacesView],
  [/^#\/projects\/([^/?]+)$/, projectView],
  [/^#\/projects$/, projectsView],
  [/^#\/tokens$/, tokensView],
];

function signedIn() {
  return session.token !== "";
}

function signOut(message = "") {
  session.token = "";
  session.claims = null;
  renderHeader();
  route();
  if (message) notify("info", message);
}

function renderHeader() {
  document.getElementById("who").textContent = signedIn() ? `Signed in as ${session.claims.email || session.claims.sub}` : "";
  document.getElementById("signin").hidden = signedIn();
  document.getElementById("signout").hidden = !signedIn();
  const current = (location.hash.match(/^#\/(\w+)/) || [])[1] || "jobs";
  for (const a of document.querySelectorAll("nav a")) {
    if (a.dataset.nav === current) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

async function doSignIn() {
  clearNotice();
  try {
    const s = await signIn(config);
    session.token = s.idToken;
    session.claims = s.claims;
    renderHeader();
    route();
  } catch (err) {
    showError(err);
  }
}

function welcome() {
  setView("Sign in",
    h("p", {}, "valet runs your jobs and keeps your files. Sign in to see your jobs, spaces, projects and API tokens."),
    button("Sign in", doSignIn, { id: "signin-main" }));
}

async function route() {
  const gen = ++generation;
  renderHeader();
  if (!signedIn()) {
    welcome();
    return;
  }
  const hash = location.hash || "#/jobs";
  for (const [re, view] of routes) {
    const m = re.exec(hash);
    if (!m) continue;
    const ctx = {
      api, session, config,
      params: new URLSearchParams(hash.split("?")[1] || ""),
      live: () => gen === generation, // false once the user has navigated away
    };
    try {
      await view(ctx, ...m.slice(1).map(decodeURIComponent));
    } catch (err) {
      if (gen === generation) showError(err);
    }
    return;
  }
  setView("Not found", h("p", {}, "There is no such page. "), h("a", { href: "#/jobs" }, "Go to your jobs"));
}

async function start() {
  document.getElementById("signin").addEventListener("click", doSignIn);
  document.getElementById("signout").addEventListener("click", () => signOut("Signed out: the console has forgotten your sign-in."));
  try {
    const res = await fetch("config.json", { cache: "no-store" });
    if (!res.ok) throw new Error(`the console's configuration could not be read (${res.status})`);
    config = await res.json();
  } catch (err) {
    setView("Console unavailable", h("p", {}, String(err.message || err)), h("p", {}, "What to do: retry in a moment; operators: see the console function's logs."));
    return;
  }
  api = new API(config, () => session.token, () => signOut("Your sign-in has expired or was refused: sign in again."));
  window.addEventListener("hashchange", () => { clearNotice(); route(); });
  route();
}

start();
