// A minimal static file server for dist/ on 127.0.0.1 (an ephemeral port), for the browser tests.
// `server.fault` may be set to a function (path) → { status, body } | undefined, to break a file of
// the site on purpose (a missing or corrupt worker, say) and then mend it. `server.headers` may be set
// to headers sent with every response, as a host adds its own (a Content-Security-Policy, say).
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".wasm": "application/wasm",
  ".css": "text/css", ".png": "image/png", ".json": "application/json", ".md": "text/markdown",
  ".gz": "application/gzip", ".svg": "image/svg+xml",
};

export function serve(root) {
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
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
      res.end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}
