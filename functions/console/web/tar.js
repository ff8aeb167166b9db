// A deterministic ustar archive of files chosen in the browser, built as a
// Blob (the files' bytes are not copied into memory): entries in lexical
// order, every parent directory listed, zero times, owner 0, modes
// 0644/0755, as the CLI writes workspaces.

const enc = new TextEncoder();

function octal(n, width) {
  return n.toString(8).padStart(width - 1, "0") + "\0";
}

function put(block, offset, width, text) {
  const b = enc.encode(text);
  if (b.length > width) throw new Error(`tar: ${text} does not fit`);
  block.set(b, offset);
}

// splitName fits a path into ustar's name (100) and prefix (155) fields.
function splitName(path) {
  const bytes = enc.encode(path).length;
  if (bytes <= 100) return ["", path];
  for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (enc.encode(prefix).length <= 155 && enc.encode(name).length <= 100 && name) return [prefix, name];
  }
  throw new Error(`the path ${path} is too long for a tar archive (at most 255 bytes)`);
}

function header(path, size, dir) {
  const block = new Uint8Array(512);
  const [prefix, name] = splitName(path);
  put(block, 0, 100, name);
  put(block, 100, 8, dir ? "0000755\0" : "0000644\0");
  put(block, 108, 8, "0000000\0");
  put(block, 116, 8, "0000000\0");
  put(block, 124, 12, octal(size, 12));
  put(block, 136, 12, octal(0, 12));
  block.fill(0x20, 148, 156); // checksum counted as spaces
  block[156] = dir ? 0x35 : 0x30; // '5' or '0'
  put(block, 257, 6, "ustar\0");
  put(block, 263, 2, "00");
  put(block, 345, 155, prefix);
  let sum = 0;
  for (const b of block) sum += b;
  put(block, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return block;
}

// relativePath is a file's path inside the chosen folder: the folder's own
// name (the first segment of webkitRelativePath) is dropped.
export function relativePath(file) {
  const p = file.webkitRelativePath || file.name;
  const i = p.indexOf("/");
  return i >= 0 ? p.slice(i + 1) : p;
}

// tarFiles returns {blob, files} for files chosen with a folder picker.
export function tarFiles(files) {
  const entries = new Map();
  for (const f of files) {
    const path = relativePath(f);
    if (!path || path.split("/").some((s) => s === "" || s === "." || s === "..")) {
      throw new Error(`the file ${path || f.name} has a name the workspace cannot hold`);
    }
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) entries.set(parts.slice(0, i).join("/") + "/", null);
    entries.set(path, f);
  }
  const names = [...entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const parts = [];
  for (const name of names) {
    const f = entries.get(name);
    if (f === null) {
      parts.push(header(name, 0, true));
      continue;
    }
    parts.push(header(name, f.size, false), f);
    const pad = (512 - (f.size % 512)) % 512;
    if (pad) parts.push(new Uint8Array(pad));
  }
  parts.push(new Uint8Array(1024));
  return { blob: new Blob(parts, { type: "application/x-tar" }), files: names.filter((n) => entries.get(n) !== null) };
}
