//! `batchlab lr-find`: the LR range test, which is a run with the ramp schedule — by default η rises
//! from 1e-4 to 10 over 300 steps; `--lr`, `--end-lr` and `--steps` change that, with the same limits
//! as everywhere else.

use std::path::PathBuf;

use batchlab_chart::{LineChart, Series};
use batchlab_trainer::lr_find::LrFindPoint;
use batchlab_trainer::RunConfig;
use clap::Args;

use crate::settings::Settings;

/// The range test's ramp unless the command line says otherwise.
const RAMP: [(&str, &str); 4] = [("schedule", "ramp"), ("lr", "1e-4"), ("end_lr", "10"), ("steps", "300")];

#[derive(Args)]
pub struct LrFindArgs {
    #[command(flatten)]
    settings: Settings,
    /// Draw the loss against η (log scale) to this SVG file
    #[arg(long)]
    svg: Option<PathBuf>,
}

pub fn lr_find(args: &LrFindArgs) -> Result<(), String> {
    let (settings, table) = args.settings.with_table()?;
    let mut base = RunConfig::default();
    let preset: Vec<(&str, &str)> = RAMP.into_iter().filter(|(k, _)| settings.get(k).is_none()).collect();
    if let Some(e) = base.set_all(preset).first() {
        return Err(e.to_string());
    }
    let config = settings.apply_to(base)?;
    crate::check_outputs(None, &[("--svg", args.svg.as_deref())])?;
    let mut trainer = config.init_on(table.as_ref()).map_err(|e| e.to_string())?;
    trainer.run(&mut ());
    let test = trainer.range_test().ok_or("the LR range test needs --schedule ramp")?;
    crate::outln!("lr,loss,smoothed_loss")?;
    for p in test.points() {
        crate::outln!("{},{},{}", p.lr, p.loss, p.smoothed)?;
    }
    let r = test.result();
    let reached = test.points().last().map_or(config.schedule.end_lr, |p| p.lr);
    let edge = trainer.stability_limit().map(|l| l.lr);
    eprintln!("suggested η: {}", batchlab_trainer::outcome::fmt_lr(r.suggested_lr));
    eprintln!("{}", r.explain(config.lr, reached, edge));
    if let Some(path) = &args.svg {
        let series = |label: &str, color, y: fn(&LrFindPoint) -> f64| Series {
            label: label.to_owned(),
            color,
            points: test.points().iter().map(|p| (p.lr, y(p))).collect(),
            ..Series::default()
        };
        let chart = LineChart {
            x_label: "learning rate η".to_owned(),
            log_x: true,
            y_label: "training loss".to_owned(),
            log_y: true,
            series: vec![
                series("minibatch loss", plotters::style::RGBColor(147, 197, 253), |p| p.loss),
                series("smoothed", batchlab_chart::run::TRAIN_COLOR, |p| p.smoothed),
            ],
            ..LineChart::default()
        };
        crate::write_svg(path, (800, 420), |area| batchlab_chart::draw(area, &chart))?;
    }
    Ok(())
}
