//! The site's Content-Security-Policy, written into `dist/index.html` after Trunk's build. The page
//! has no inline script: Trunk's one (its module loader) is moved into a file of the site,
//! `loader-HASH.js`, so the page also starts under a host's own policy (`script-src 'self'`), which
//! the browser enforces beside the page's and which no hash in the page can loosen.

use std::path::Path;

use sha2::{Digest, Sha256};

/// Scripts, and everything else, from the site itself only, WebAssembly allowed. Styles come from the
/// site's stylesheet only: the page sets an element's style (a swatch's colour, a tooltip's position)
/// property by property through the CSSOM, which a policy does not block, never as a `style`
/// attribute, which it does.
const POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; \
                      worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

/// `html` with each inline script's text moved into a file: the new page, and each file's name and
/// text. A file is named by its text's hash, so a new loader is a new name and the service worker
/// drops the old one with the other hashed files.
fn out_of_line(html: &str) -> (String, Vec<(String, String)>) {
    let (mut page, mut files, mut rest) = (String::new(), Vec::new(), html);
    while let Some(start) = rest.find("<script") {
        let Some(open_end) = rest[start..].find('>').map(|i| start + i) else { break };
        let Some(close) = rest[open_end..].find("</script>").map(|i| open_end + i) else { break };
        let (open, text) = (&rest[start..open_end], &rest[open_end + 1..close]);
        page.push_str(&rest[..start]);
        if open.contains("src=") {
            page.push_str(&rest[start..close]);
        } else {
            let digest = Sha256::digest(text.as_bytes());
            let hash = u64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 digest has 32 bytes"));
            let name = format!("loader-{hash:016x}.js");
            page.extend([open, " src=\"./", &name, "\">"]);
            files.push((name, text.to_owned()));
        }
        rest = &rest[close..];
    }
    page.push_str(rest);
    (page, files)
}

/// Moves `dist/index.html`'s inline scripts into files beside it and adds the policy (once).
pub fn add(dist: &Path) -> Result<(), String> {
    let index = dist.join("index.html");
    let html = std::fs::read_to_string(&index).map_err(|e| format!("reading {}: {e}", index.display()))?;
    if html.contains("Content-Security-Policy") {
        return Ok(());
    }
    let (html, files) = out_of_line(&html);
    for (name, text) in files {
        std::fs::write(dist.join(&name), text).map_err(|e| format!("writing {name}: {e}"))?;
    }
    let meta = format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{POLICY}\" />");
    let Some(at) = html.find("<meta charset=\"utf-8\" />").map(|i| i + "<meta charset=\"utf-8\" />".len()) else {
        return Err(format!("{} has no <meta charset> to put the policy after", index.display()));
    };
    let html = format!("{}\n    {meta}{}", &html[..at], &html[at..]);
    std::fs::write(&index, html).map_err(|e| format!("writing {}: {e}", index.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_become_files_and_others_stay() {
        let html = "<script src=\"a.js\"></script><p>x</p><script type=\"module\">go()</script>!";
        let (page, files) = out_of_line(html);
        assert_eq!(files.len(), 1);
        let (name, text) = &files[0];
        assert_eq!(text, "go()");
        assert!(name.starts_with("loader-") && name.len() == "loader-.js".len() + 16, "{name}");
        assert_eq!(
            page,
            format!("<script src=\"a.js\"></script><p>x</p><script type=\"module\" src=\"./{name}\"></script>!")
        );
    }
}
