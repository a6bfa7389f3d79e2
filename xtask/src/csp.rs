//! The site's Content-Security-Policy, written into `dist/index.html` after Trunk's build: scripts
//! and everything else from the site itself only, WebAssembly allowed, and of inline scripts only the
//! one Trunk writes (its module loader), allowed by its hash. The page's own scripts are files.

use std::path::Path;

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Styles come from the site's stylesheet only: the page sets an element's style (a swatch's colour,
/// a tooltip's position) property by property through the CSSOM, which a policy does not block, never
/// as a `style` attribute, which it does.
const POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {hashes}; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; worker-src 'self'; \
                      object-src 'none'; base-uri 'none'; form-action 'none'";

/// The inline scripts of `html`: the text between each `<script…>` without `src` and its `</script>`.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let Some(open_end) = rest[start..].find('>').map(|i| start + i + 1) else { break };
        let Some(close) = rest[open_end..].find("</script>").map(|i| open_end + i) else { break };
        if !rest[start..open_end].contains("src=") {
            found.push(&rest[open_end..close]);
        }
        rest = &rest[close + "</script>".len()..];
    }
    found
}

/// Adds the policy to `index.html` (once), with the hashes of its inline scripts.
pub fn add(index: &Path) -> Result<(), String> {
    let html = std::fs::read_to_string(index).map_err(|e| format!("reading {}: {e}", index.display()))?;
    if html.contains("Content-Security-Policy") {
        return Ok(());
    }
    let hashes: Vec<String> = inline_scripts(&html)
        .iter()
        .map(|s| format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes()))))
        .collect();
    let meta = format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\" />",
        POLICY.replace("{hashes}", &hashes.join(" "))
    );
    let Some(at) = html.find("<meta charset=\"utf-8\" />").map(|i| i + "<meta charset=\"utf-8\" />".len()) else {
        return Err(format!("{} has no <meta charset> to put the policy after", index.display()));
    };
    let html = format!("{}\n    {meta}{}", &html[..at], &html[at..]);
    std::fs::write(index, html).map_err(|e| format!("writing {}: {e}", index.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inline_scripts_are_hashed() {
        let html = "<script src=\"a.js\"></script><script type=\"module\">go()</script><script>x</script>";
        assert_eq!(inline_scripts(html), ["go()", "x"]);
    }
}
