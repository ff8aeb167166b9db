// Small DOM helpers. Text always goes in as text nodes, never as HTML, so
// nothing the API returns can inject markup.

// h builds an element: attributes (on* keys become listeners, boolean
// values toggle the attribute) and children (strings become text).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// setView replaces the main area, sets the page title and moves focus
// there so keyboard and screen-reader users land on the new page.
export function setView(title, ...children) {
  document.title = `${title} — valet console`;
  const main = document.getElementById("view");
  main.replaceChildren(h("h1", {}, title), ...children);
  main.focus();
}

// notify shows a message in the alert area; kind is "error" or "info".
export function notify(kind, message, next = "") {
  const box = document.getElementById("notice");
  box.className = kind;
  box.replaceChildren(
    h("p", {}, h("strong", {}, kind === "error" ? "Error: " : ""), message),
    next ? h("p", { class: "next" }, "What to do: ", next) : "",
    h("button", { type: "button", onclick: () => clearNotice() }, "Dismiss"),
  );
  box.hidden = false;
}

export function clearNotice() {
  const box = document.getElementById("notice");
  box.hidden = true;
  box.replaceChildren();
}

// showError puts an API or transfer error in the alert area.
export function showError(err) {
  console.error(err);
  notify("error", err.message || String(err), err.next || "");
}

// bytes formats a byte count for people.
export function bytes(n) {
  if (n === undefined || n === null) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = Number(n);
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

// when formats an RFC 3339 time as local time, "" for none.
export function when(t) {
  if (!t || t.startsWith("0001-")) return "";
  return new Date(t).toLocaleString();
}

// progressRow is a labelled <progress> bar and its update function.
export function progressRow(label) {
  const bar = h("progress", { max: 100, value: 0, "aria-label": label });
  const text = h("span", { class: "progress-text" }, "");
  const row = h("p", { class: "progress" }, h("span", {}, label, " "), bar, " ", text);
  return {
    row,
    update(done, total) {
      const pct = total > 0 ? Math.floor((done * 100) / total) : 100;
      bar.value = pct;
      text.textContent = `${bytes(done)} / ${bytes(total)} (${pct}%)`;
    },
  };
}

// button is a type=button with a click handler that reports errors and
// stays disabled while its action runs.
export function button(label, action, attrs = {}) {
  const b = h("button", { type: "button", ...attrs }, label);
  b.addEventListener("click", async () => {
    b.disabled = true;
    try {
      await action();
    } catch (err) {
      showError(err);
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

// field is a labelled form control.
export function field(label, control) {
  if (!control.id) control.id = `f-${Math.random().toString(36).slice(2, 10)}`;
  return h("p", { class: "field" }, h("label", { for: control.id }, label), " ", control);
}
