// MD5 (RFC 1321), incremental, for the Content-MD5 a signed upload URL
// binds: the browser hashes the bytes it is about to send. MD5 is what
// Cloud Storage checks; it is not used for anything security-relevant.

const S = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
  5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21];
const K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);

export class MD5 {
  constructor() {
    this.h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
    this.buf = new Uint8Array(64);
    this.used = 0;
    this.length = 0; // bytes
  }

  update(bytes) {
    let i = 0;
    this.length += bytes.length;
    if (this.used > 0) {
      const n = Math.min(64 - this.used, bytes.length);
      this.buf.set(bytes.subarray(0, n), this.used);
      this.used += n;
      i = n;
      if (this.used < 64) return this;
      this.block(this.buf, 0);
      this.used = 0;
    }
    for (; i + 64 <= bytes.length; i += 64) this.block(bytes, i);
    if (i < bytes.length) {
      this.buf.set(bytes.subarray(i), 0);
      this.used = bytes.length - i;
    }
    return this;
  }

  block(b, off) {
    const m = new Array(16);
    for (let j = 0; j < 16; j++) {
      const o = off + j * 4;
      m[j] = (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
    }
    let [a, bb, c, d] = this.h;
    for (let j = 0; j < 64; j++) {
      let f;
      let g;
      if (j < 16) { f = (bb & c) | (~bb & d); g = j; }
      else if (j < 32) { f = (d & bb) | (~d & c); g = (5 * j + 1) % 16; }
      else if (j < 48) { f = bb ^ c ^ d; g = (3 * j + 5) % 16; }
      else { f = c ^ (bb | ~d); g = (7 * j) % 16; }
      const t = d;
      d = c;
      c = bb;
      const x = (a + f + K[j] + m[g]) >>> 0;
      bb = (bb + ((x << S[j]) | (x >>> (32 - S[j])))) >>> 0;
      a = t;
    }
    this.h = [(this.h[0] + a) >>> 0, (this.h[1] + bb) >>> 0, (this.h[2] + c) >>> 0, (this.h[3] + d) >>> 0];
  }

  // digest returns the 16-byte hash; the object is spent after.
  digest() {
    const bits = this.length * 8;
    const pad = new Uint8Array(((this.used < 56 ? 56 : 120) - this.used));
    pad[0] = 0x80;
    const len = new Uint8Array(8);
    let lo = bits >>> 0;
    let hi = Math.floor(bits / 2 ** 32) >>> 0;
    for (let i = 0; i < 4; i++) { len[i] = lo & 0xff; lo >>>= 8; len[4 + i] = hi & 0xff; hi >>>= 8; }
    const saved = this.length;
    this.update(pad);
    this.update(len);
    this.length = saved;
    const out = new Uint8Array(16);
    this.h.forEach((w, i) => { for (let k = 0; k < 4; k++) out[i * 4 + k] = (w >>> (8 * k)) & 0xff; });
    return out;
  }
}

export function base64(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// md5Base64 hashes a Blob in 4 MiB slices, reporting progress.
export async function md5Base64(blob, onProgress = () => {}) {
  const m = new MD5();
  const step = 4 << 20;
  for (let off = 0; off < blob.size; off += step) {
    m.update(new Uint8Array(await blob.slice(off, off + step).arrayBuffer()));
    onProgress(Math.min(off + step, blob.size), blob.size);
  }
  onProgress(blob.size, blob.size);
  return base64(m.digest());
}
