//! Deep links: the URL query sets the initial state (`?dataset=moons&bs=64&lr=0.3&autostart=1`).
//! A bad value is ignored with a notice; the rest of the link still applies.

use batchlab_trainer::RunConfig;

/// What a page URL asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct DeepLink {
    pub config: RunConfig,
    pub autostart: bool,
    /// `?bench` or `?bench=SECS`: show the benchmark page instead of the app, timing at least SECS
    /// (default 3) per measurement.
    pub bench: Option<f64>,
    /// One line per ignored setting (the page shows them together, as one notice).
    pub notices: Vec<String>,
}

/// Reads a query string (with or without the leading `?`).
pub fn parse(query: &str) -> DeepLink {
    let query = query.strip_prefix('?').unwrap_or(query);
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let mut autostart = false;
    let mut bench = None;
    let mut notices = Vec::new();
    let mut settings = Vec::new();
    for (k, v) in &pairs {
        if k == "bench" {
            bench = Some(v.parse().ok().filter(|s: &f64| s.is_finite() && *s > 0.0).unwrap_or(3.0));
        } else if k == "autostart" {
            match v.as_str() {
                "1" | "true" => autostart = true,
                "0" | "false" => autostart = false,
                _ => notices.push(format!("autostart = \"{v}\": expected 1 or 0")),
            }
        } else {
            settings.push((k.as_str(), v.as_str()));
        }
    }
    let mut config = RunConfig::default();
    notices.extend(config.set_all(settings).iter().map(ToString::to_string));
    DeepLink { config, autostart, bench, notices }
}

/// The query string (with `?`) that reproduces `config`.
pub fn to_query(config: &RunConfig) -> String {
    let mut s = form_urlencoded::Serializer::new(String::from("?"));
    for (k, v) in config.to_params() {
        s.append_pair(k, &v);
    }
    s.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_round_trips() {
        let link = parse("?dataset=moons&bs=64&lr=0.3&schedule=cosine&epochs=7&seed=3&hidden=16,8&autostart=1");
        assert!(link.notices.is_empty(), "{:?}", link.notices);
        assert!(link.autostart);
        assert_eq!(link.config.batch_size, 64);
        assert_eq!(parse(&to_query(&link.config)).config, link.config);
    }

    #[test]
    fn garbage_is_ignored_with_notices() {
        let link = parse("lr=banana&bs=-4&dataset=%%%&autostart=maybe&zzz=1&epochs=5");
        assert_eq!(link.notices.len(), 5, "{:?}", link.notices);
        assert_eq!(link.config, RunConfig { epochs: 5, ..RunConfig::default() });
        assert!(!link.autostart);
    }
}
