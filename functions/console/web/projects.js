// Projects: create one, see its members, and (owners) add, change and
// remove members or delete the project.

import { h, setView, button, field, when, notify } from "./ui.js";

const ROLES = ["viewer", "editor", "owner"];

export async function projectsView(ctx) {
  const res = await ctx.api.get("objects", "/spaces");
  if (!ctx.live()) return;
  const projects = (res.spaces || []).filter((s) => s.kind === "project");
  const id = h("input", { id: "project-id", size: 30, placeholder: "optional, e.g. my-project" });
  const display = h("input", { id: "project-name", size: 30, required: true });
  setView("Projects",
    h("ul", { id: "projects" }, projects.length ? projects.map((p) => {
      const pid = p.id.replace(/^projects\//, "");
      return h("li", {}, h("a", { href: `#/projects/${encodeURIComponent(pid)}` }, pid), ` (${p.role})`);
    }) : h("li", {}, "You are in no project yet.")),
    h("h2", {}, "New project"),
    field("Display name", display), field("Id", id),
    button("Create project", async () => {
      const p = await ctx.api.post("objects", "/projects", { id: id.value || undefined, displayName: display.value });
      notify("info", `Project ${p.id} created; you are its owner.`);
      location.hash = `#/projects/${encodeURIComponent(p.id)}`;
    }, { id: "create-project", class: "primary" }));
}

export async function projectView(ctx, pid) {
  const p = await ctx.api.get("objects", `/projects/${encodeURIComponent(pid)}`);
  if (!ctx.live()) return;
  const spaces = await ctx.api.get("objects", "/spaces");
  const mine = (spaces.spaces || []).find((s) => s.id === `projects/${pid}`);
  const myId = ((spaces.spaces || []).find((s) => s.kind === "user")?.id || "").replace(/^users\//, "");
  const owner = mine?.role === "owner";
  const path = (u) => `/projects/${encodeURIComponent(pid)}/members/${encodeURIComponent(u)}`;
  const reload = () => projectView(ctx, pid);

  const rows = p.members.map((m) => {
    const role = h("select", { "aria-label": `role of ${m.user}`, disabled: !owner }, ROLES.map((r) => h("option", { value: r, selected: r === m.role }, r)));
    return h("tr", {}, h("td", {}, m.user), h("td", {}, role), h("td", {}, `${m.addedBy}, ${when(m.addedAt)}`),
      h("td", {},
        owner ? button("Save role", async () => { await ctx.api.put("objects", path(m.user), { role: role.value }); notify("info", `${m.user} is now ${role.value}.`); await reload(); }, { "aria-label": `Save the role of ${m.user}` }) : "",
        owner || m.user === myId ? button("Remove", async () => {
          if (!confirm(`Remove ${m.user} from ${pid}?`)) return;
          await ctx.api.del("objects", path(m.user));
          await reload();
        }, { "aria-label": `Remove ${m.user}`, class: "danger" }) : ""));
  });
  const user = h("input", { id: "member-user", size: 30 });
  const role = h("select", { id: "member-role" }, ROLES.map((r) => h("option", { value: r }, r)));
  setView(`Project ${p.displayName || pid}`,
    h("p", {}, `Id ${p.id}; created by ${p.createdBy} on ${when(p.createdAt)}. `, h("a", { href: `#/spaces/projects/${encodeURIComponent(pid)}` }, "Its space"),
      " · ", h("a", { href: `#/jobs?project=${encodeURIComponent(pid)}` }, "Its jobs")),
    h("table", { id: "members" }, h("caption", {}, "Members"),
      h("thead", {}, h("tr", {}, ["User", "Role", "Added", "Actions"].map((c) => h("th", { scope: "col" }, c)))), h("tbody", {}, rows)),
    owner ? [h("h2", {}, "Add a member"), h("p", {}, "Use the user's valet id: the id of their personal space without users/ (they see it on their Spaces page)."),
      field("User id", user), field("Role", role),
      button("Add member", async () => { await ctx.api.put("objects", path(user.value), { role: role.value }); await reload(); }, { id: "add-member" }),
      h("h2", {}, "Delete the project"),
      button("Delete project and its objects", async () => {
        if (!confirm(`Delete ${pid} and every object in it? This cannot be undone.`)) return;
        await ctx.api.del("objects", `/projects/${encodeURIComponent(pid)}?force=true`);
        notify("info", `Project ${pid} is deleted.`);
        location.hash = "#/projects";
      }, { class: "danger" })] : "");
}
