//! Installing the pinned build and test tools when they are missing.

use std::path::Path;
use std::process::Command;

use crate::{cargo, output, root, run, Result};

pub const TRUNK_VERSION: &str = "0.21.14";
/// Must equal the `wasm-bindgen` crate version pinned in Cargo.toml.
pub const WASM_BINDGEN_VERSION: &str = "0.2.130";

fn version_of(tool: &str) -> Option<String> {
    Command::new(tool)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
}

/// Installs the wasm32 target, Trunk, wasm-bindgen-cli and wasm-opt as needed; returns the PATH
/// under which Trunk finds the pinned versions.
pub fn ensure_build_tools() -> Result<String> {
    let targets = output(Command::new("rustup").args(["target", "list", "--installed"]))?;
    if !targets.lines().any(|t| t.trim() == "wasm32-unknown-unknown") {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    if !version_of("trunk").is_some_and(|v| v.contains(TRUNK_VERSION)) {
        run(install_tool().args(["trunk", "--version", TRUNK_VERSION, "--locked"]))?;
    }
    if !version_of("wasm-bindgen").is_some_and(|v| v.contains(WASM_BINDGEN_VERSION)) {
        // Not --locked: its lock file names a webpki-roots version the registry no longer has.
        run(install_tool().args(["wasm-bindgen-cli", "--version", WASM_BINDGEN_VERSION]))?;
    }
    // wasm-opt comes from npm's binaryen package (pinned in package.json): Debian's is too old.
    let e2e = root().join("tests/e2e");
    npm_install(&e2e)?;
    let bin = e2e.join("node_modules/.bin");
    Ok(format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default()))
}

/// `cargo install` for a build tool, compiled to be built fast rather than to run fast: without the
/// default features (Trunk's update check and both tools' TLS, which an offline build never uses),
/// without link-time optimisation (Trunk asks for fat LTO in one codegen unit) and at opt-level 1.
/// Measured on 2 cores with the crates downloaded: Trunk 277 s and wasm-bindgen-cli 111 s, against
/// about 10 and 5 minutes as their own release profiles build them; wasm-bindgen took the same
/// 0.28 s on the app either way, and Trunk's own work is small beside the cargo build it runs.
fn install_tool() -> Command {
    let mut c = cargo();
    c.args(["install", "--no-default-features"])
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false");
    c
}

/// `npm ci` in `dir` unless its node_modules is already installed from the same lock file.
pub fn npm_install(dir: &Path) -> Result {
    let lock = dir.join("package-lock.json");
    let stamp = dir.join("node_modules/.package-lock.json");
    let fresh = match (std::fs::read(&lock), std::fs::read(&stamp)) {
        (Ok(_), Ok(_)) => {
            std::fs::metadata(&stamp).and_then(|s| s.modified()).ok()
                >= std::fs::metadata(&lock).and_then(|l| l.modified()).ok()
        }
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(dir))
}

/// Chromium and chromedriver from the system packages, and Python 3 (the plain CSV reader the browser
/// tests open exports with), installed when running as root.
pub fn ensure_browser() -> Result {
    let missing: Vec<&str> = [("chromium", "chromium"), ("chromedriver", "chromium-driver"), ("python3", "python3")]
        .into_iter()
        .filter(|(tool, _)| version_of(tool).is_none())
        .map(|(_, package)| package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let is_root = output(Command::new("id").arg("-u")).is_ok_and(|u| u.trim() == "0");
    if !is_root {
        return Err(format!("the browser tests need `sudo apt-get install {}`", missing.join(" ")));
    }
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get").args(["install", "-y"]).args(&missing).env("DEBIAN_FRONTEND", "noninteractive"))
}
