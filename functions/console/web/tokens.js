// API tokens: create (the value is shown once, with a copy button), list,
// revoke. The value lives only in the page until it is dismissed.

import { h, setView, button, field, when, notify } from "./ui.js";

const SCOPES = ["all", "jobs:read", "jobs:write", "objects:read", "objects:write"];

export async function tokensView(ctx) {
  const res = await ctx.api.get("tokens", "/tokens");
  if (!ctx.live()) return;
  const name = h("input", { id: "token-name", size: 30, required: true });
  const days = h("input", { id: "token-days", type: "number", min: 1, max: 90, value: 30 });
  const boxes = SCOPES.map((s) => h("input", { type: "checkbox", value: s, id: `scope-${s.replace(":", "-")}`, checked: s === "all" }));
  const shown = h("div", { id: "token-shown", "aria-live": "polite" });

  const list = h("tbody", {}, (res.tokens || []).map((t) => h("tr", {},
    h("td", {}, t.name), h("td", {}, (t.scopes || []).join(", ")), h("td", {}, when(t.createdAt)), h("td", {}, when(t.expiresAt)),
    h("td", {}, t.revoked ? "revoked" : button("Revoke", async () => {
      if (!confirm(`Revoke ${t.name}? Anything using it stops working at once.`)) return;
      await ctx.api.del("tokens", `/tokens/${encodeURIComponent(t.id)}`);
      notify("info", `${t.name} is revoked.`);
      await tokensView(ctx);
    }, { "aria-label": `Revoke ${t.name}`, class: "danger" })))));

  const create = button("Create token", async () => {
    const scopes = boxes.filter((b) => b.checked).map((b) => b.value);
    const t = await ctx.api.post("tokens", "/tokens", { name: name.value, scopes, expiresInSeconds: Number(days.value) * 86400 });
    const value = h("input", { id: "token-value", readonly: true, size: 60, value: t.token, "aria-label": "the new token" });
    shown.replaceChildren(h("p", { class: "once" }, `Your new token ${t.name}. Copy it now: it is shown once and valet keeps only its hash.`),
      value, " ",
      button("Copy", async () => {
        await navigator.clipboard.writeText(t.token);
        notify("info", "Copied to the clipboard.");
      }, { id: "copy-token" }), " ",
      button("Done", async () => { await tokensView(ctx); }, { id: "token-done" }));
    value.select();
  }, { id: "create-token", class: "primary" });

  setView("API tokens",
    h("p", {}, "API tokens let scripts and the CLI act as you, narrowed to their scopes."),
    h("table", { id: "tokens" }, h("caption", {}, "Your tokens (values are never shown again)"),
      h("thead", {}, h("tr", {}, ["Name", "Scopes", "Created", "Expires", ""].map((c) => h("th", { scope: "col" }, c)))), list),
    h("h2", {}, "New token"),
    field("Name", name), field("Expires in (days)", days),
    h("fieldset", {}, h("legend", {}, "Scopes"), boxes.map((b) => h("label", { for: b.id, class: "check" }, b, ` ${b.value}`))),
    create, shown);
}
