//! `batchlab lr-find`.

use std::path::PathBuf;

use batchlab_chart::{LineChart, Series};
use batchlab_trainer::lr_find::lr_range_test;
use clap::Args;
use plotters::prelude::{IntoDrawingArea, SVGBackend};

use crate::settings::Settings;

#[derive(Args)]
pub struct LrFindArgs {
    #[command(flatten)]
    settings: Settings,
    #[arg(long = "min-lr", default_value_t = 1e-4)]
    min_lr: f64,
    #[arg(long = "max-lr", default_value_t = 10.0)]
    max_lr: f64,
    /// Length of the ramp in updates
    #[arg(long = "ramp-steps", default_value_t = 300)]
    ramp_steps: usize,
    /// Draw loss against log10 η to this SVG file
    #[arg(long)]
    svg: Option<PathBuf>,
}

pub fn lr_find(args: &LrFindArgs) -> Result<(), String> {
    if !(args.min_lr > 0.0 && args.max_lr > args.min_lr && args.max_lr.is_finite()) {
        return Err(format!("need 0 < --min-lr < --max-lr (got {} and {})", args.min_lr, args.max_lr));
    }
    if !(2..=1_000_000).contains(&args.ramp_steps) {
        return Err(format!("--ramp-steps must be between 2 and 1000000 (got {})", args.ramp_steps));
    }
    let config = args.settings.config()?;
    let r = lr_range_test(&config, args.min_lr, args.max_lr, args.ramp_steps).map_err(|e| e.to_string())?;
    println!("lr,loss,smoothed_loss");
    for p in &r.points {
        println!("{},{},{}", p.lr, p.loss, p.smoothed);
    }
    eprintln!("suggested η: {:.4} (steepest descent), {:.4} (minimum / 10)", r.steepest_lr, r.min_over_10_lr);
    if let Some(path) = &args.svg {
        let series = |label: &str, color, y: fn(&batchlab_trainer::lr_find::LrFindPoint) -> f64| Series {
            label: label.to_owned(),
            color,
            points: r.points.iter().map(|p| (p.lr.log10(), y(p))).collect(),
            fill: false,
        };
        let chart = LineChart {
            x_label: "log10 η".to_owned(),
            y_label: "training loss".to_owned(),
            log_y: true,
            series: vec![
                series("minibatch loss", plotters::style::RGBColor(147, 197, 253), |p| p.loss),
                series("smoothed", batchlab_chart::run::TRAIN_COLOR, |p| p.smoothed),
            ],
            ..LineChart::default()
        };
        let area = SVGBackend::new(path, (800, 420)).into_drawing_area();
        batchlab_chart::draw(&area, &chart).map_err(|e| e.to_string())?;
        area.present().map_err(|e| format!("writing {}: {e:?}", path.display()))?;
    }
    Ok(())
}
