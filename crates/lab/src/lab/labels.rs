//! What tells a run apart from the first run on the page, or from its parent for a fork: the label of
//! the run list, the legends and the charts' tooltips.

use batchlab_trainer::settings::{setting, SETTINGS};
use batchlab_trainer::RunConfig;

use super::{Fork, Lab, RunId, RunKind};
use crate::view_state::fmt_lr;

/// The short name of a setting in a run's label.
fn short_name(key: &str) -> &str {
    match key {
        "bs" => "B",
        "lr" => "η",
        other => other,
    }
}

impl Lab {
    /// What tells run `id` apart from the first run on the page ("B 512, η 0.1"), or from its parent
    /// for a fork.
    pub fn label(&self, id: RunId) -> String {
        let Some(run) = self.run(id) else { return String::new() };
        if run.kind == RunKind::RangeTest {
            return format!("range test at B {}", run.config.batch_size);
        }
        let first = self.curves().next().filter(|f| f.id != id);
        let (base, prefix) = match &run.fork {
            Some(Fork { of, from }) => {
                let step = from.at_step;
                let prefix = match of.and_then(|p| self.run(p)) {
                    Some(parent) => format!("fork of #{} at step {step}: ", parent.id),
                    None => format!("fork at step {step}: "),
                };
                (Some(&from.parent), prefix)
            }
            None => (first.map(|f| &f.config), String::new()),
        };
        let params = |c: &RunConfig| c.to_params().into_iter().collect::<std::collections::BTreeMap<_, _>>();
        let mine = params(&run.config);
        let theirs = base.map(params);
        let mut parts: Vec<String> = Vec::new();
        // B and η first: they are what the page is about.
        let order = SETTINGS
            .iter()
            .filter(|s| matches!(s.key, "bs" | "lr"))
            .rev()
            .chain(SETTINGS.iter().filter(|s| !matches!(s.key, "bs" | "lr")));
        for s in order {
            let (a, b) = (mine.get(s.key), theirs.as_ref().and_then(|t| t.get(s.key)));
            let differs = theirs.is_some() && a != b;
            let always = matches!(s.key, "bs" | "lr") && run.fork.is_none();
            if differs || always {
                let value = a.cloned().or_else(|| setting(s.key).map(|s| s.default.to_owned())).unwrap_or_default();
                let value = match s.key {
                    "lr" => value.parse().map_or(value, fmt_lr),
                    // A CSV file goes by its name (its shape and digest are in the link).
                    "dataset" => {
                        run.config.dataset.table().and_then(|t| self.table(t)).map_or(value, |t| t.name.clone())
                    }
                    _ => value,
                };
                parts.push(format!("{} {value}", short_name(s.key)));
            }
        }
        format!("{prefix}{}", parts.join(", "))
    }
}
