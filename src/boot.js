// Until the app has mounted (and removed #boot), a script or WebAssembly that fails to load is
// said on the page instead of leaving it blank.
function batchlabBootFailed(why) {
  const boot = document.getElementById("boot");
  if (!boot) return;
  boot.dataset.failed = "1";
  boot.textContent = `BatchLab could not start: ${why}. Reload the page; if it keeps failing, this browser may not run WebAssembly.`;
}
addEventListener("error", (e) => {
  const t = e.target;
  if (t instanceof HTMLScriptElement || t instanceof HTMLLinkElement) batchlabBootFailed(`${t.src || t.href} did not load`);
  else batchlabBootFailed(e.message || "a script failed");
}, true);
addEventListener("unhandledrejection", (e) => batchlabBootFailed(String(e.reason)));
