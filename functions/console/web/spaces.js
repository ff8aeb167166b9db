// Spaces and objects: the caller's personal and project spaces with their
// usage against quota; a space's objects with upload, download, copy,
// revoke and delete.

import { query } from "./api.js";
import { h, setView, button, field, progressRow, when, bytes, notify } from "./ui.js";
import { md5Base64 } from "./md5.js";
import * as transfer from "./transfer.js";

function usage(u) {
  if (!u) return "";
  const used = (u.usedBytes || 0) + (u.reservedBytes || 0);
  return h("span", { class: "usage" },
    h("meter", { min: 0, max: u.quotaBytes, value: used, high: u.quotaBytes * 0.9, "aria-label": "quota used" }),
    ` ${bytes(u.usedBytes)} used`, u.reservedBytes ? `, ${bytes(u.reservedBytes)} uploading` : "",
    ` of ${bytes(u.quotaBytes)} (${u.objects} objects)`);
}

function spaceLink(s) {
  return h("a", { href: `#/spaces/${s.id}` }, s.kind === "user" ? `Personal space (${s.id})` : s.id);
}

export async function spacesView(ctx) {
  const res = await ctx.api.get("objects", "/spaces");
  if (!ctx.live()) return;
  setView("Spaces",
    h("table", { id: "spaces" },
      h("caption", {}, "Your personal space and your projects' spaces"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Space"), h("th", { scope: "col" }, "Your role"), h("th", { scope: "col" }, "Usage"))),
      h("tbody", {}, (res.spaces || []).map((s) => h("tr", {}, h("td", {}, spaceLink(s)), h("td", {}, s.role), h("td", {}, usage(s.usage)))))));
}

export async function spaceView(ctx, kind, owner) {
  const space = `${kind}/${owner}`;
  const all = await ctx.api.get("objects", "/spaces");
  if (!ctx.live()) return;
  const me = (all.spaces || []).find((s) => s.id === space);
  const writable = me && me.role !== "viewer";
  const usageLine = h("p", { id: "usage" }, me ? usage(me.usage) : "");
  const tbody = h("tbody");
  const more = h("p");
  const progress = h("div");

  const file = h("input", { type: "file", id: "object-file" });
  const name = h("input", { id: "object-name", size: 40, placeholder: "defaults to the file's name" });
  const upload = button("Upload", async () => {
    const f = file.files[0];
    if (!f) throw Object.assign(new Error("choose a file first"), { next: "use the file picker" });
    const hashing = progressRow("Computing MD5");
    progress.replaceChildren(hashing.row);
    const md5 = await md5Base64(f, hashing.update);
    const created = await ctx.api.post("objects", `/spaces/${space}/objects`,
      { name: name.value || f.name, contentType: f.type || "application/octet-stream", sizeBytes: f.size, md5 });
    const bar = progressRow(`Uploading ${created.object.name}`);
    progress.append(bar.row);
    await transfer.put(created.upload, f, bar.update);
    notify("info", `Uploaded ${created.object.name}; it is READY once storage confirms it.`);
    file.value = "";
    name.value = "";
    await reload();
  }, { id: "upload", class: "primary" });

  function row(o) {
    const target = h("select", { "aria-label": `copy ${o.name} to` },
      (all.spaces || []).filter((s) => s.role !== "viewer").map((s) => h("option", { value: s.id }, s.kind === "user" ? "personal space" : s.id)));
    const id = encodeURIComponent(o.id);
    return h("tr", { "data-object": o.name },
      h("td", {}, o.name), h("td", {}, bytes(o.sizeBytes)), h("td", { class: "object-state" }, o.state), h("td", {}, when(o.createdAt)),
      h("td", { class: "actions" },
        o.state === "READY" ? [
          button("Download", async () => {
            const { url } = await ctx.api.get("objects", `/objects/${id}/download`);
            const bar = progressRow(`Downloading ${o.name}`);
            progress.replaceChildren(bar.row);
            transfer.save(await transfer.get(url, bar.update), o.name.split("/").pop());
          }, { "aria-label": `Download ${o.name}`, class: "download" }),
          target, button("Copy", async () => {
            const copy = await ctx.api.post("objects", `/objects/${id}/copy`, { space: target.value });
            notify("info", `Copied ${o.name} to ${copy.space}.`);
            await reload();
          }, { "aria-label": `Copy ${o.name}` }),
          writable ? button("Revoke links", async () => {
            await ctx.api.post("objects", `/objects/${id}/revoke`);
            notify("info", `Every download link of ${o.name} handed out before now has stopped working.`);
          }, { "aria-label": `Revoke the download links of ${o.name}` }) : "",
        ] : "",
        writable ? button("Delete", async () => {
          if (!confirm(`Delete ${o.name}?`)) return;
          await ctx.api.del("objects", `/objects/${id}`);
          await reload();
        }, { "aria-label": `Delete ${o.name}`, class: "danger" }) : ""));
  }

  async function load(pageToken) {
    const res = await ctx.api.get("objects", `/spaces/${space}/objects${query({ pageToken, pageSize: 50 })}`);
    if (!ctx.live()) return;
    tbody.append(...(res.objects || []).map(row));
    more.replaceChildren(res.nextPageToken ? button("More objects", () => load(res.nextPageToken)) : "");
  }

  async function reload() {
    const fresh = await ctx.api.get("objects", "/spaces");
    const s = (fresh.spaces || []).find((x) => x.id === space);
    if (s) usageLine.replaceChildren(usage(s.usage));
    tbody.replaceChildren();
    await load("");
  }

  setView(kind === "users" ? "Personal space" : `Space ${space}`,
    usageLine,
    writable ? h("section", { "aria-labelledby": "upload-h" }, h("h2", { id: "upload-h" }, "Upload"),
      field("File", file), field("Name", name), upload, progress) : h("p", {}, "You may read this space."),
    h("p", {}, button("Refresh", reload, { id: "refresh" })),
    h("table", { id: "objects" }, h("caption", {}, "Objects"),
      h("thead", {}, h("tr", {}, ["Name", "Size", "State", "Created", "Actions"].map((c) => h("th", { scope: "col" }, c)))), tbody),
    more);
  await load("");
}
