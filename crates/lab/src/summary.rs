//! The charts in words: a sentence for the loss chart and one for the accuracy chart (how many runs,
//! which is lowest or highest and how it got there, where a run diverged), the text alternative a
//! screen reader reads beside the charts' data table. Written from what the charts draw (each visible
//! run's trace and mark), so the words and the curves cannot disagree.

use batchlab_trainer::outcome::{fmt_loss, Mark};

use crate::lab::Lab;

/// One visible run as the summaries see it.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// "#2 B 32, η 0.1": the run list's name.
    pub name: String,
    /// Its training loss at its first point.
    pub start_loss: Option<f64>,
    /// Its latest point: step, training loss, validation accuracy.
    pub latest: Option<Latest>,
    /// Where it diverged or blew up.
    pub mark: Option<Mark>,
    /// Still training or waiting: its figures are "so far".
    pub active: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Latest {
    pub step: usize,
    pub train_loss: f64,
    pub val_acc: f64,
}

/// The visible runs of the charts, in the run list's order.
pub fn lines(lab: &Lab) -> Vec<Line> {
    lab.curves()
        .filter(|r| r.visible)
        .map(|r| Line {
            name: format!("#{} {}", r.id, lab.label(r.id)),
            start_loss: r.view.trace.buckets().first().map(|b| b.last.train_loss),
            latest: r.view.latest().map(|p| Latest { step: p.step, train_loss: p.train_loss, val_acc: p.val_acc }),
            mark: r.view.mark(),
            active: r.view.status.is_active(),
        })
        .collect()
}

fn count(lines: &[Line]) -> String {
    let active = lines.iter().filter(|l| l.active).count();
    let runs = if lines.len() == 1 { "1 run".to_owned() } else { format!("{} runs", lines.len()) };
    match active {
        0 => format!("{runs}."),
        n if n == lines.len() => format!("{runs}, training."),
        n => format!("{runs}, {n} still training."),
    }
}

fn so_far(lines: &[Line]) -> &'static str {
    if lines.iter().any(|l| l.active) {
        " so far"
    } else {
        ""
    }
}

/// The loss chart in words.
pub fn loss(lines: &[Line]) -> String {
    if lines.is_empty() {
        return "No runs yet: each run's training and validation loss is drawn here as it trains.".to_owned();
    }
    let mut out = vec![count(lines)];
    // Runs that did not go wrong, at a finite loss: the ones "lowest" and "highest" can name.
    let mut sound: Vec<(&Line, Latest)> = lines
        .iter()
        .filter(|l| l.mark.is_none())
        .filter_map(|l| Some((l, l.latest?)))
        .filter(|(_, p)| p.train_loss.is_finite())
        .collect();
    sound.sort_by(|a, b| a.1.train_loss.total_cmp(&b.1.train_loss));
    if let Some(&(l, p)) = sound.first() {
        let trend = match l.start_loss.filter(|s| s.is_finite()) {
            Some(s) if s > p.train_loss => format!(", down from {} at its start", fmt_loss(s)),
            Some(s) if s < p.train_loss => format!(", up from {} at its start", fmt_loss(s)),
            _ => String::new(),
        };
        out.push(format!(
            "Lowest training loss{}: {} at {} (step {}){trend}.",
            so_far(lines),
            l.name,
            fmt_loss(p.train_loss),
            p.step
        ));
    }
    if let (true, Some(&(l, p))) = (sound.len() > 1, sound.last()) {
        out.push(format!("Highest: {} at {} (step {}).", l.name, fmt_loss(p.train_loss), p.step));
    }
    for l in lines {
        if let Some(m) = l.mark {
            out.push(format!("{} {} at step {}.", l.name, m.what, m.step));
        }
    }
    out.join(" ")
}

/// The accuracy chart in words; `classes` sets the chance level drawn on it.
pub fn accuracy(lines: &[Line], classes: usize) -> String {
    if lines.is_empty() {
        return "No runs yet: each run's validation accuracy is drawn here as it trains.".to_owned();
    }
    let mut out = vec![count(lines)];
    let mut measured: Vec<(&Line, Latest)> =
        lines.iter().filter_map(|l| Some((l, l.latest?))).filter(|(_, p)| p.val_acc.is_finite()).collect();
    measured.sort_by(|a, b| b.1.val_acc.total_cmp(&a.1.val_acc));
    let pct = |p: Latest| format!("{:.1} %", 100.0 * p.val_acc);
    if let Some(&(l, p)) = measured.first() {
        out.push(format!("Highest validation accuracy{}: {} at {} (step {}).", so_far(lines), l.name, pct(p), p.step));
    }
    if let (true, Some(&(l, p))) = (measured.len() > 1, measured.last()) {
        out.push(format!("Lowest: {} at {}.", l.name, pct(p)));
    }
    out.push(format!("Chance is {:.0} %.", 100.0 / classes.max(1) as f64));
    out.join(" ")
}

// Natively only: proptest is a native dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn number() -> impl Strategy<Value = f64> {
        prop_oneof![4 => 0.0..10.0f64, 1 => Just(f64::NAN), 1 => Just(f64::INFINITY), 1 => 1e10..1e300f64]
    }

    fn line(i: usize) -> impl Strategy<Value = Line> {
        let latest = prop::option::of((0usize..10_000, number(), 0.0..=1.0f64))
            .prop_map(|p| p.map(|(step, train_loss, val_acc)| Latest { step, train_loss, val_acc }));
        let mark = prop::option::of((0usize..10_000, prop::bool::ANY)).prop_map(|m| {
            m.map(|(step, blew)| Mark { step, epoch: 0.0, what: if blew { "blew up" } else { "diverged" } })
        });
        (prop::option::of(number()), latest, mark, prop::bool::ANY).prop_map(
            move |(start_loss, latest, mark, active)| Line {
                // Names that are not prefixes of one another: "#1 run" and "#10 run".
                name: format!("#{} run", i + 1),
                start_loss,
                latest,
                mark,
                active,
            },
        )
    }

    fn lines() -> impl Strategy<Value = Vec<Line>> {
        (0usize..9).prop_flat_map(|n| (0..n).map(line).collect::<Vec<_>>())
    }

    /// The line named right after `lead` in `text`.
    fn named<'a>(text: &str, lead: &str, lines: &'a [Line]) -> Option<&'a Line> {
        let rest = &text[text.find(lead)? + lead.len()..];
        lines.iter().find(|l| rest.starts_with(&format!("{} ", l.name)))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The loss sentence names as lowest a run that did not go wrong, whose loss no other such
        /// run's undercuts, and names every run that went wrong with its step.
        #[test]
        fn the_loss_sentence_is_true(lines in lines()) {
            let text = loss(&lines);
            let sound: Vec<&Line> = lines.iter()
                .filter(|l| l.mark.is_none() && l.latest.is_some_and(|p| p.train_loss.is_finite()))
                .collect();
            let lead = if lines.iter().any(|l| l.active) { "Lowest training loss so far: " } else { "Lowest training loss: " };
            match named(&text, lead, &lines) {
                None => prop_assert!(sound.is_empty() && !text.contains("Lowest"), "{text}"),
                Some(low) => {
                    prop_assert!(low.mark.is_none());
                    let at = low.latest.unwrap().train_loss;
                    prop_assert!(sound.iter().all(|l| l.latest.unwrap().train_loss >= at), "{text}");
                    let said = format!("{} at {}", low.name, fmt_loss(at));
                    prop_assert!(text.contains(&said), "{text}");
                }
            }
            if let Some(high) = named(&text, "Highest: ", &lines) {
                let at = high.latest.unwrap().train_loss;
                prop_assert!(sound.len() > 1 && sound.iter().all(|l| l.latest.unwrap().train_loss <= at), "{text}");
            }
            for l in &lines {
                if let Some(m) = l.mark {
                    let said = format!("{} {} at step {}.", l.name, m.what, m.step);
                    prop_assert!(text.contains(&said), "{text}");
                }
            }
            prop_assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
        }

        /// The accuracy sentence names as highest a run no other run beats, and states chance.
        #[test]
        fn the_accuracy_sentence_is_true(lines in lines(), classes in 2usize..50) {
            let text = accuracy(&lines, classes);
            let lead = if lines.iter().any(|l| l.active) { "Highest validation accuracy so far: " } else { "Highest validation accuracy: " };
            let measured: Vec<f64> = lines.iter().filter_map(|l| l.latest).map(|p| p.val_acc).collect();
            match named(&text, lead, &lines) {
                None => prop_assert!(measured.is_empty(), "{text}"),
                Some(best) => {
                    let at = best.latest.unwrap().val_acc;
                    prop_assert!(measured.iter().all(|&a| a <= at), "{text}");
                }
            }
            if !lines.is_empty() {
                let chance = format!("Chance is {:.0} %.", 100.0 / classes as f64);
                prop_assert!(text.ends_with(&chance), "{text}");
            }
        }
    }

    #[test]
    fn a_finished_pair_reads_plainly() {
        let run = |i: usize, loss: f64, acc: f64, mark: Option<Mark>| Line {
            name: format!("#{i} B 32, η {i}"),
            start_loss: Some(2.3),
            latest: Some(Latest { step: 450, train_loss: loss, val_acc: acc }),
            mark,
            active: false,
        };
        let lines =
            [run(1, 0.12, 0.93, None), run(2, f64::NAN, 0.1, Some(Mark { step: 140, epoch: 0.3, what: "diverged" }))];
        assert_eq!(
            loss(&lines),
            "2 runs. Lowest training loss: #1 B 32, η 1 at 0.1200 (step 450), down from 2.3000 at its start. \
             #2 B 32, η 2 diverged at step 140."
        );
        assert_eq!(
            accuracy(&lines, 10),
            "2 runs. Highest validation accuracy: #1 B 32, η 1 at 93.0 % (step 450). Lowest: #2 B 32, η 2 at 10.0 %. Chance is 10 %."
        );
    }
}
