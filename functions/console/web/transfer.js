// Bytes between the browser and Cloud Storage, through signed URLs only.
// A signed URL is held in a local variable for one request: it never goes
// to the URL bar, to storage, or to a link on the page, and
// Referrer-Policy: no-referrer keeps it out of Referer headers.

import { ApiError } from "./api.js";

function storageError(xhr, what) {
  const text = xhr.responseText || "";
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] || "";
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] || text.slice(0, 200);
  if (xhr.status === 0) {
    return new ApiError(0, "network", `${what} could not reach storage`, "check your connection; if it persists, the storage bucket may not allow this console's origin (CORS)");
  }
  const next = {
    403: "the signed URL may have expired (they last an hour): start again to get a new one",
    412: "it was already uploaded: signed upload URLs create once",
    400: "the file changed while it was sent, or does not match what was declared: choose it again",
  }[xhr.status] || "retry in a moment";
  return new ApiError(xhr.status, code || "storage", `${what} failed: ${xhr.status} ${code} ${message}`.trim(), next);
}

// put sends blob with exactly the headers the signed URL binds.
export function put(upload, blob, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(upload.method || "PUT", upload.url);
    for (const [k, v] of Object.entries(upload.headers || {})) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : blob.size);
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? (onProgress(blob.size, blob.size), resolve()) : reject(storageError(xhr, "the upload")));
    xhr.onerror = () => reject(storageError(xhr, "the upload"));
    xhr.send(blob);
  });
}

// get downloads a signed URL into a Blob.
export function get(url, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("GET", url);
    xhr.responseType = "blob";
    xhr.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(xhr.response.size, xhr.response.size);
        resolve(xhr.response);
        return;
      }
      xhr.response.text().then((t) => reject(storageError({ status: xhr.status, responseText: t }, "the download")));
    };
    xhr.onerror = () => reject(storageError(xhr, "the download"));
    xhr.send();
  });
}

// save hands a Blob to the browser's downloads under filename.
export function save(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
