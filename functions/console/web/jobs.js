// Jobs: the list (state filter, paging), a job's page with its events as
// they happen, submit from a folder or a tar, cancel, and downloads of the
// output and attestation.

import { query } from "./api.js";
import { h, setView, button, field, progressRow, when, bytes, notify, showError } from "./ui.js";
import { tarFiles } from "./tar.js";
import { md5Base64 } from "./md5.js";
import * as transfer from "./transfer.js";

const STATES = ["AWAITING_WORKSPACE", "QUEUED", "LOCKED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED"];
const FINAL = new Set(["SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED"]);
const PAGE_SIZE = 20;

function stateBadge(state) {
  return h("span", { class: `state state-${state.toLowerCase()}` }, state);
}

export async function jobsView(ctx) {
  const state = ctx.params.get("state") || "";
  const project = ctx.params.get("project") || "";
  const tokens = [""]; // page tokens of the pages seen, for Previous
  const select = h("select", { id: "state-filter" }, h("option", { value: "" }, "any state"),
    STATES.map((s) => h("option", { value: s, selected: s === state }, s)));
  select.addEventListener("change", () => {
    location.hash = `#/jobs${query({ state: select.value, project })}`;
  });
  const tbody = h("tbody");
  const pager = h("p", { class: "pager" });
  const table = h("table", { id: "jobs" },
    h("caption", {}, state ? `Jobs in state ${state}` : "Your jobs, newest first"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Job"), h("th", { scope: "col" }, "State"),
      h("th", { scope: "col" }, "Image"), h("th", { scope: "col" }, "Project"), h("th", { scope: "col" }, "Created"))),
    tbody);
  setView("Jobs", h("p", {}, h("a", { href: "#/submit", class: "action" }, "Submit a job")),
    field("State", select), table, pager);

  async function load(page) {
    const res = await ctx.api.get("jobs", `/jobs${query({ state, project, pageSize: PAGE_SIZE, pageToken: tokens[page] })}`);
    if (!ctx.live()) return;
    tbody.replaceChildren(...(res.jobs || []).map((j) => h("tr", {},
      h("td", {}, h("a", { href: `#/jobs/${encodeURIComponent(j.id)}` }, j.id)),
      h("td", {}, stateBadge(j.state)),
      h("td", {}, j.spec?.image || ""),
      h("td", {}, j.project || "personal"),
      h("td", {}, when(j.createdAt)))));
    if (!res.jobs?.length) tbody.replaceChildren(h("tr", {}, h("td", { colspan: 5 }, "No jobs yet. ", h("a", { href: "#/submit" }, "Submit one"), ".")));
    if (res.nextPageToken) tokens[page + 1] = res.nextPageToken;
    pager.replaceChildren(
      page > 0 ? button("Previous page", () => load(page - 1)) : "",
      ` Page ${page + 1} `,
      res.nextPageToken ? button("Next page", () => load(page + 1), { id: "next-page" }) : "");
  }
  await load(0);
}

export async function jobView(ctx, id) {
  const summary = h("dl", { class: "summary" });
  const events = h("ol", { id: "events", class: "events", "aria-live": "polite" });
  const actions = h("p", { class: "actions" });
  const transfers = h("div");
  setView(`Job ${id}`, summary, actions, transfers, h("h2", {}, "Events"), events);
  let seen = 0;
  let pageToken = "";

  function download(kind) {
    return button(`Download ${kind}`, async () => {
      const { url } = await ctx.api.get("jobs", `/jobs/${encodeURIComponent(id)}/${kind}`);
      const bar = progressRow(`Downloading ${kind}`);
      transfers.replaceChildren(bar.row);
      const blob = await transfer.get(url, bar.update);
      transfer.save(blob, `${id}.${kind === "output" ? "output.tar" : "attestation.json"}`);
      notify("info", `The ${kind} (${bytes(blob.size)}) is in your downloads.`);
    }, { id: `download-${kind}` });
  }

  function render(job) {
    summary.replaceChildren(
      h("dt", {}, "State"), h("dd", { id: "job-state" }, stateBadge(job.state)),
      job.message ? [h("dt", {}, "Message"), h("dd", {}, job.message)] : "",
      h("dt", {}, "Project"), h("dd", {}, job.project || "personal"),
      h("dt", {}, "Runs as"), h("dd", {}, `${job.runtimeUser} (${(job.runtimeScopes || []).join(", ")})`),
      h("dt", {}, "Spec"), h("dd", {}, h("code", {}, JSON.stringify(job.spec))),
      h("dt", {}, "Workspace"), h("dd", {}, bytes(job.workspace?.sizeBytes)),
      h("dt", {}, "Attempt"), h("dd", {}, `${job.attempt} of ${job.maxAttempts}`),
      h("dt", {}, "Created"), h("dd", {}, when(job.createdAt)),
      job.finishedAt ? [h("dt", {}, "Finished"), h("dd", {}, when(job.finishedAt))] : "");
    actions.replaceChildren(
      job.output?.present ? download("output") : "",
      job.attestation?.present ? download("attestation") : "",
      FINAL.has(job.state) ? "" : button("Cancel job", async () => {
        if (!confirm(`Cancel job ${id}? Its secrets are destroyed at once.`)) return;
        render(await ctx.api.post("jobs", `/jobs/${encodeURIComponent(id)}/cancel`));
      }, { id: "cancel", class: "danger" }));
  }

  async function poll() {
    const job = await ctx.api.get("jobs", `/jobs/${encodeURIComponent(id)}`);
    if (!ctx.live()) return false;
    render(job);
    for (;;) {
      const res = await ctx.api.get("jobs", `/jobs/${encodeURIComponent(id)}/events${query({ pageToken, pageSize: 100 })}`);
      if (!ctx.live()) return false;
      for (const e of res.events || []) {
        if (e.seq <= seen) continue;
        seen = e.seq;
        events.append(h("li", {}, h("time", { datetime: e.time }, when(e.time)), " ", h("strong", {}, e.type), e.message ? ` ${e.message}` : ""));
      }
      if (!res.nextPageToken) break;
      pageToken = res.nextPageToken;
    }
    return !FINAL.has(job.state);
  }

  let delay = 1000;
  while (await poll()) {
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 1.5, 5000);
    if (!ctx.live()) return;
  }
}

export async function submitView(ctx) {
  const spaces = await ctx.api.get("objects", "/spaces");
  if (!ctx.live()) return;
  const folder = h("input", { type: "file", id: "folder", webkitdirectory: true, multiple: true });
  const tarInput = h("input", { type: "file", id: "tarfile", accept: ".tar,application/x-tar" });
  const spec = h("textarea", { id: "spec", rows: 4, cols: 60, spellcheck: "false" }, '{"image": "example/build"}');
  const timeout = h("input", { id: "timeout", type: "number", min: 1, max: 86400, value: 3600 });
  const project = h("select", { id: "project" }, h("option", { value: "" }, "personal"),
    (spaces.spaces || []).filter((s) => s.kind === "project").map((s) => h("option", { value: s.id.replace(/^projects\//, "") }, s.id.replace(/^projects\//, ""))));
  const attest = h("input", { type: "checkbox", id: "attest" });
  const chosen = h("p", { id: "chosen", "aria-live": "polite" }, "Nothing chosen yet.");
  const progress = h("div");
  let workspace = null; // {blob, label}

  folder.addEventListener("change", () => {
    try {
      const { blob, files } = tarFiles([...folder.files]);
      workspace = { blob, label: `${files.length} files (${bytes(blob.size)} as a tar)` };
      tarInput.value = "";
      chosen.textContent = `Folder: ${workspace.label}`;
    } catch (err) {
      workspace = null;
      showError(err);
    }
  });
  tarInput.addEventListener("change", () => {
    const f = tarInput.files[0];
    if (!f) return;
    workspace = { blob: f, label: `${f.name} (${bytes(f.size)})` };
    folder.value = "";
    chosen.textContent = `Tar: ${workspace.label}`;
  });

  const submit = button("Submit job", async () => {
    if (!workspace) throw Object.assign(new Error("choose a folder or a tar first"), { next: "use one of the two file pickers above" });
    let parsed;
    try {
      parsed = JSON.parse(spec.value);
    } catch (e) {
      throw Object.assign(new Error(`the spec is not valid JSON: ${e.message}`), { next: "fix the spec; it is a JSON object such as {\"image\": \"example/build\"}" });
    }
    const hashing = progressRow("Computing MD5");
    progress.replaceChildren(hashing.row);
    const md5 = await md5Base64(workspace.blob, hashing.update);
    const body = {
      spec: parsed, timeoutSeconds: Number(timeout.value),
      workspace: { sizeBytes: workspace.blob.size, md5, contentType: "application/x-tar" },
      requireAttestation: attest.checked || undefined,
      project: project.value || undefined,
    };
    const created = await ctx.api.post("jobs", "/jobs", body);
    const uploading = progressRow("Uploading workspace");
    progress.append(uploading.row);
    await transfer.put(created.upload, workspace.blob, uploading.update);
    notify("info", `Job ${created.job.id} submitted; its workspace is uploaded.`);
    location.hash = `#/jobs/${encodeURIComponent(created.job.id)}`;
  }, { id: "submit", class: "primary" });

  setView("Submit a job",
    h("p", {}, "Choose the job's workspace: a folder (sent as a tar built in your browser) or a tar file. The bytes go straight from your browser to storage."),
    field("Folder", folder), field("or a tar file", tarInput), chosen,
    field("Spec (JSON)", spec), field("Timeout (seconds)", timeout), field("Project", project),
    field("Require an attestation", attest), submit, progress);
}
