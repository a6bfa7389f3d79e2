// A minimal static file server for dist/ on 127.0.0.1 (an ephemeral port), for the browser tests.
// `server.fault` may be set to a function (path) → { status, body } | undefined, to break a file of
// the site on purpose (a missing or corrupt worker, say) and then mend it. `server.headers` may be set
// to headers sent with every response, as a host adds its own (a Content-Security-Policy, say).
// `serve(root, { gzip: true })` gzips text, scripts, styles and wasm (level 9, each file once) for a
// client that accepts it, as a static host does.
import { createServer } from "node:http";
import { gzipSync } from "node:zlib";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".wasm": "application/wasm",
  ".css": "text/css", ".png": "image/png", ".json": "application/json", ".md": "text/markdown",
  ".gz": "application/gzip", ".svg": "image/svg+xml",
};

const COMPRESSIBLE = /^(text\/|application\/(javascript|json|wasm)|image\/svg)/;

export function serve(root, { gzip = false } = {}) {
  const gzipped = new Map(); // file → its gzip bytes
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    const file = join(root, path.endsWith("/") ? path + "index.html" : path);
    const fault = server.fault?.(path);
    for (const [name, value] of Object.entries(server.headers ?? {})) res.setHeader(name, value);
    if (fault) {
      res.writeHead(fault.status ?? 200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(fault.body ?? "");
      return;
    }
    try {
      const body = await readFile(file);
      const type = TYPES[extname(file)] ?? "application/octet-stream";
      const headers = { "content-type": type, "cache-control": "no-store" };
      if (gzip && COMPRESSIBLE.test(type) && /\bgzip\b/.test(req.headers["accept-encoding"] ?? "")) {
        if (!gzipped.has(file)) gzipped.set(file, gzipSync(body, { level: 9 }));
        res.writeHead(200, { ...headers, "content-encoding": "gzip", vary: "accept-encoding" });
        res.end(gzipped.get(file));
        return;
      }
      res.writeHead(200, headers);
      res.end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}
