//! The sweep: batch sizes × a log grid of learning rates × seeds on the form's other settings, its
//! cells trained by the pool of workers with progress and time left, shown as a heatmap (diverged and
//! stalled cells marked, the best η per B joined, the linear and √ rules drawn) and as final loss
//! against η, one curve per B. A click on a cell opens it as a run. A `sweep.csv` from the CLI (or
//! a machine farm, merged) opens here too.

use leptos::html::Canvas;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use batchlab_chart::{draw_heatmap, fmt_tick, Frame, Heatmap, LineChart, Series, Theme};
use batchlab_trainer::data::DIGITS_TRAIN_ROWS;
use batchlab_trainer::outcome::Verdict;
use batchlab_trainer::sweep::{
    log_grid, merge, read_sweep_csv, CellSummary, Grid, Measure, Shard, SweepCsv, SweepTable, DEFAULT_TARGET,
    MAX_FILE_BYTES,
};
use batchlab_trainer::{BatchSize, RunConfig};
use plotters::prelude::IntoDrawingArea;

use super::charts::{paint, redraw_on_change};
use super::{now_ms, AppState};
use crate::view_state::fmt_lr;

/// The number typed in a field, if it lies in `range`; otherwise `message`.
fn within<T: std::str::FromStr + PartialOrd>(
    text: &str,
    range: std::ops::RangeInclusive<T>,
    message: &str,
) -> Result<T, String> {
    text.trim().parse().ok().filter(|v| range.contains(v)).ok_or_else(|| message.to_owned())
}

/// The grid the panel's fields describe, checked the way a setting is.
fn grid_of(
    form: &RunConfig,
    batch_sizes: &str,
    (from, to, count): (&str, &str, &str),
    seeds: &str,
    target: &str,
) -> Result<Grid, String> {
    let bs: Vec<BatchSize> = batch_sizes
        .split(',')
        .map(|b| {
            let mut c = form.clone();
            c.set("bs", b).map(|()| c.batch_size).map_err(|e| e.to_string())
        })
        .collect::<Result<_, _>>()?;
    let rate = |text: &str| {
        let mut c = form.clone();
        c.set("lr", text).map(|()| c.lr).map_err(|e| e.to_string())
    };
    let (from, to) = (rate(from)?, rate(to)?);
    let count: usize = within(count, 1..=20, "the number of learning rates must be from 1 to 20")?;
    let seeds: u32 = within(seeds, 1..=10, "the number of seeds must be from 1 to 10")?;
    let target: f64 = within(target, 0.0..=1.0, "the target accuracy must be from 0 to 1")?;
    let seeds: Vec<u32> = (0..seeds).map(|k| form.seed.wrapping_add(k)).collect();
    if let Some(b) = bs.iter().enumerate().find_map(|(i, b)| bs[..i].contains(b).then_some(b)) {
        return Err(format!("the batch sizes list {b} twice: each may appear once"));
    }
    let lrs = log_grid(from.min(to), to.max(from), count);
    if lrs.windows(2).any(|w| w[0] >= w[1]) {
        return Err("the learning rates repeat once rounded to two digits: widen the range from η from to η to, or ask for fewer rates".to_owned());
    }
    let grid = Grid::new(form, &bs, &lrs, &seeds, target);
    grid.check_page_size()?;
    Ok(grid)
}

/// Draws the heatmap on a canvas at the screen's pixel ratio; returns the grid's frame.
fn paint_heatmap(canvas: &web_sys::HtmlCanvasElement, map: &Heatmap) -> Option<Frame> {
    let ratio = window().device_pixel_ratio().max(1.0);
    let (w, h) = (canvas.client_width().max(1), canvas.client_height().max(1));
    canvas.set_width((f64::from(w) * ratio).round() as u32);
    canvas.set_height((f64::from(h) * ratio).round() as u32);
    let area = super::canvas::Canvas::on(canvas)?.into_drawing_area();
    let map = Heatmap { scale: ratio, ..map.clone() };
    let frame = draw_heatmap(&area, &map).ok()?;
    area.present().ok()?;
    Some(frame)
}

/// Final loss (or steps) against η, one curve per batch size: the best η's shift and the common cliff.
fn by_lr_chart(table: &SweepTable, ratio: f64, theme: Theme) -> LineChart {
    let series = table
        .batch_sizes
        .iter()
        .zip(&table.cells)
        .enumerate()
        .map(|(i, (b, row))| {
            let points = table
                .lrs
                .iter()
                .zip(row)
                .filter_map(|(&lr, c)| match *c {
                    CellSummary::Mean(v) => Some((lr, v)),
                    // A blow-up is pinned to the top edge; a stall has no figure to draw.
                    CellSummary::Diverged => Some((lr, f64::INFINITY)),
                    CellSummary::Stalled | CellSummary::Missing | CellSummary::Pending => None,
                })
                .collect();
            Series { label: format!("B {b}"), ..Series::of(theme.look(i), points) }
        })
        .collect();
    LineChart {
        x_label: "learning rate η (log scale)".to_owned(),
        y_label: table.measure.label().to_owned(),
        log_x: true,
        log_y: true,
        series,
        scale: ratio,
        theme,
        ..LineChart::default()
    }
}

/// The panel's fields (as typed) and the measure the cells are coloured by.
#[derive(Clone, Copy)]
struct Fields {
    batch_sizes: RwSignal<String>,
    lr_from: RwSignal<String>,
    lr_to: RwSignal<String>,
    lr_count: RwSignal<String>,
    seeds: RwSignal<String>,
    target: RwSignal<String>,
    measure: RwSignal<Measure>,
}

impl Fields {
    fn new() -> Self {
        let text = |s: &str| RwSignal::new(s.to_owned());
        Self {
            // Fine enough (×1.6 between rates) to tell the linear rule from the √B one over B ×64.
            batch_sizes: text("8,32,128,512"),
            lr_from: text("0.02"),
            lr_to: text("4"),
            lr_count: text("12"),
            seeds: text("1"),
            target: text(&DEFAULT_TARGET.to_string()),
            measure: RwSignal::new(Measure::FinalTrainLoss),
        }
    }

    fn grid(&self, form: &RunConfig) -> Result<Grid, String> {
        grid_of(
            form,
            &self.batch_sizes.get_untracked(),
            (&self.lr_from.get_untracked(), &self.lr_to.get_untracked(), &self.lr_count.get_untracked()),
            &self.seeds.get_untracked(),
            &self.target.get_untracked(),
        )
    }
}

/// The sweep's progress: (cells done, cells, a sentence, still running).
fn progress(state: AppState) -> Option<(usize, usize, String, bool)> {
    state.lab.with(|l| l.sweep.as_ref().map(|s| (s.done(), s.expected(), s.progress(now_ms()), s.is_running())))
}

/// What changes the sweep's results on screen: another sweep, a cell done, its end or cancellation.
/// Views of the results track this, not the lab, which changes with every message of every run.
fn results_key(state: AppState) -> Memo<Option<ResultsKey>> {
    Memo::new(move |_| {
        state.lab.with(|l| {
            l.sweep.as_ref().map(|s| ResultsKey {
                started_ms: s.started_ms.to_bits(),
                done: s.done(),
                running: s.is_running(),
                finished: s.is_finished(),
            })
        })
    })
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct ResultsKey {
    started_ms: u64,
    done: usize,
    running: bool,
    finished: bool,
}

/// Opens one `sweep.csv`, or a class's shards of one sweep together (joined by the CLI's merge);
/// every file is read and checked before the page changes.
fn open_files(state: AppState, ev: &leptos::ev::Event) {
    let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
    let Some(list) = input.files() else { return };
    let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
    input.set_value("");
    if let Some(big) = files.iter().find(|f| f.size() > MAX_FILE_BYTES as f64) {
        state.notify(format!("Not opened: {} is larger than a sweep.csv can be ({MAX_FILE_BYTES} bytes).", big.name()));
        return;
    }
    leptos::task::spawn_local(async move {
        let mut parts = Vec::new();
        let mut plain = Vec::new();
        for f in &files {
            let text = wasm_bindgen_futures::JsFuture::from(f.text()).await.ok().and_then(|v| v.as_string());
            match text.map(|t| read_sweep_csv(&t)) {
                Some(Ok(SweepCsv { part: Some((grid, shard)), rows, .. })) => parts.push((grid, shard, rows)),
                Some(Ok(SweepCsv { part: None, rows, unfinished })) => plain.push((f.name(), rows, unfinished)),
                Some(Err(e)) => return state.notify(format!("Not opened: {}: {e}.", f.name())),
                None => return state.notify(format!("Not opened: {} could not be read.", f.name())),
            }
        }
        match (parts.is_empty(), plain.len()) {
            (true, 1) => {
                let (name, rows, unfinished) = plain.remove(0);
                if rows.is_empty() {
                    return state.notify(format!("Not opened: {name} has no rows."));
                }
                let base = state.config.get_untracked();
                let mut opened = Ok(Vec::new());
                state.lab.update(|l| opened = l.import_sweep(rows, unfinished, &base, now_ms()));
                match opened {
                    Ok(commands) => state.execute(commands),
                    Err(e) => state.notify(format!("Not opened: {name}: {e}.")),
                }
            }
            // One shard's file alone: its part of the grid, as the page that ran it showed it.
            (false, 0) if parts.len() == 1 => {
                let (grid, shard, rows) = parts.remove(0);
                state.act(|l| l.show_kept(grid, shard, &rows, now_ms()));
            }
            (false, 0) => match merge(&parts) {
                Ok((grid, rows)) => state.act(|l| l.show_merged(grid, &rows, now_ms())),
                Err(e) => state.notify(format!("Not opened: these files are not the shards of one sweep: {e}.")),
            },
            _ => state.notify(
                "Not opened: only files the page wrote name their grid and shard, so only those can be joined; open a \
                 plain sweep.csv on its own.",
            ),
        }
    });
}

#[component]
pub fn SweepPanel() -> impl IntoView {
    let fields = Fields::new();
    // One key for the form's download link and the results.
    let key = results_key(expect_context::<AppState>());
    view! {
        <section class="panel sweep" aria-label="Sweep">
            <h2>"Sweep: batch size × learning rate"</h2>
            <p class="hint">"Trains every pair on the form's other settings, in the pool of workers. The best η per B shows which rule it follows, and where runs start to break caps it: diverged and stalled cells are marked."</p>
            <SweepForm fields key />
            <SweepResults measure=fields.measure key />
        </section>
    }
}

#[component]
fn SweepForm(fields: Fields, key: Memo<Option<ResultsKey>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    // A sweep with results on screen is replaced only on a second press, after a notice says so.
    let armed = RwSignal::new(false);
    let start = move |_| {
        let has_results =
            state.lab.with_untracked(|l| l.sweep.as_ref().is_some_and(|s| !s.is_running() && s.done() > 0));
        if has_results && !armed.get_untracked() {
            armed.set(true);
            state.notify(
                "A sweep's results are on screen: a new sweep replaces them. Download its sweep.csv to keep it, then \
                 press Start sweep again.",
            );
            return;
        }
        armed.set(false);
        let mut result = Ok(Vec::new());
        match fields.grid(&state.config.get_untracked()) {
            Ok(grid) => {
                state.lab.update(|l| result = l.start_sweep(grid, Shard::WHOLE, now_ms()));
            }
            Err(e) => result = Err(e),
        }
        match result {
            Ok(commands) => state.execute(commands),
            Err(e) => state.notify(format!("The sweep did not start: {e}.")),
        }
    };
    let running = move || progress(state).is_some_and(|p| p.3);
    let on_file = move |ev: leptos::ev::Event| open_files(state, &ev);
    let csv_href = Memo::new(move |_| {
        key.with(|_| ()); // read, not only tracked: a memo updates when read
        state.lab.with_untracked(|l| {
            l.sweep
                .as_ref()
                .and_then(crate::lab::Sweep::csv)
                .map(|csv| format!("data:text/csv;charset=utf-8,{}", js_sys::encode_uri_component(&csv)))
        })
    });
    let csv_name = move || {
        state.lab.with(|l| match l.sweep.as_ref().map(|s| s.shard) {
            Some(s) if s != Shard::WHOLE => format!("sweep-shard-{}-of-{}.csv", s.index, s.count),
            _ => "sweep.csv".to_owned(),
        })
    };
    let field = |label: &'static str, sig: RwSignal<String>, testid: &'static str, hint: &'static str| {
        view! {
            <label class="field short">
                <span class="label">{label}</span>
                <input type="text" spellcheck="false" data-testid=testid prop:value=move || sig.get()
                    on:change=move |ev| sig.set(event_target_value(&ev)) />
                <span class="hint">{hint}</span>
            </label>
        }
    };
    view! {
        <div class="fields">
            {field("Batch sizes", fields.batch_sizes, "sweep-bs", "comma-separated; full for the whole set")}
            {field("η from", fields.lr_from, "sweep-lr-from", "smallest learning rate")}
            {field("η to", fields.lr_to, "sweep-lr-to", "largest learning rate")}
            {field("Learning rates", fields.lr_count, "sweep-lr-count", "on a log grid, 1 to 20")}
            {field("Seeds", fields.seeds, "sweep-seeds", "per cell, from the form's seed")}
            {field("Target accuracy", fields.target, "sweep-target", "for “steps to target”")}
        </div>
        <label class="field">
            <span class="label">"Colour by"</span>
            <select data-testid="sweep-measure"
                on:change=move |ev| fields.measure.set(Measure::from_name(&event_target_value(&ev)).unwrap_or_default())>
                {Measure::ALL.iter().map(|m| view! { <option value=m.name()>{m.label()}</option> }).collect_view()}
            </select>
        </label>
        <div class="buttons-row">
            <button type="button" class="primary" data-testid="sweep-start" prop:disabled=running on:click=start>
                {move || if armed.get() { "Replace the sweep" } else { "Start sweep" }}
            </button>
            <button type="button" data-testid="sweep-cancel" prop:disabled=move || !running()
                on:click=move |_| state.act(crate::lab::Lab::cancel_sweep)>"Cancel"</button>
            <label class="file" title="Several at once: a class's shards of one sweep are joined into it">"Open sweep.csv "
                <input type="file" multiple accept=".csv,text/csv" data-testid="sweep-open" on:change=on_file />
            </label>
            <a class="nav-link" data-testid="sweep-download" download=csv_name href=move || csv_href.get() hidden=move || csv_href.with(Option::is_none)>"Download sweep.csv"</a>
        </div>
    }
}

#[component]
fn SweepResults(measure: RwSignal<Measure>, key: Memo<Option<ResultsKey>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    // The table, coloured by the chosen measure: computed once per change of the results.
    let table = Memo::new(move |_| {
        key.with(|_| ()); // read, not only tracked: a memo updates when read
        let m = measure.get();
        state.lab.with_untracked(|l| l.sweep.as_ref().map(|s| s.table(m)))
    });
    let train_len = Memo::new(move |_| {
        key.with(|_| ()); // read, not only tracked: a memo updates when read
        state.lab.with_untracked(|l| l.sweep.as_ref().and_then(|s| s.grid.base_config().ok()).map(|c| c.train_len()))
    });
    let best_json = move || {
        key.with(|k| k.is_some_and(|k| k.finished)).then_some(())?;
        table.with(|t| {
            let best: serde_json::Map<String, serde_json::Value> = t
                .as_ref()?
                .best_lr()
                .into_iter()
                .map(|(b, best)| (b.to_string(), best.map_or(serde_json::Value::Null, |(lr, _)| serde_json::json!(lr))))
                .collect();
            serde_json::to_string(&best).ok()
        })
    };
    let heatmap_ref = NodeRef::<Canvas>::new();
    let by_lr_ref = NodeRef::<Canvas>::new();
    let frame = RwSignal::new(None::<Frame>);
    // The cell the keyboard is on (column, row), outlined on the heatmap.
    let focus = RwSignal::new(None::<(usize, usize)>);
    let redraw = move || {
        let Some(t) = table.get_untracked() else { return };
        let theme = state.theme.get_untracked();
        let map = Heatmap {
            theme,
            focus: focus.get_untracked(),
            ..Heatmap::of(&t, t.measure.label(), train_len.get_untracked().unwrap_or(DIGITS_TRAIN_ROWS))
        };
        if let Some(c) = heatmap_ref.get_untracked() {
            frame.set(paint_heatmap(&c, &map));
        }
        if let Some(c) = by_lr_ref.get_untracked() {
            paint(&c, |ratio| by_lr_chart(&t, ratio, theme));
        }
    };
    redraw_on_change(
        move || {
            table.with(|_| ());
            state.theme.track();
            focus.track();
        },
        redraw,
    );
    // The opened cell's settings go in the form too, as "edit" does: the sidebar shows what runs.
    let open = move |row: usize, column: usize| {
        let mut opened = None;
        state.lab.update(|l| {
            opened = l
                .open_cell(row, column, now_ms())
                .map(|added| added.map(|(id, c)| (id, l.run(id).map(|r| r.config.clone()), c)));
        });
        let (id, config, commands) = match opened {
            Some(Ok(opened)) => opened,
            Some(Err(e)) => return state.notify(format!("The cell was not opened: {e}.")),
            None => {
                if state.lab.with_untracked(|l| l.sweep.as_ref().is_some_and(crate::lab::Sweep::is_imported)) {
                    state.notify(
                        "This sweep was opened from a sweep.csv, which does not record the settings its cells shared: \
                         its cells cannot be opened as runs. Run the sweep here, or with the CLI's sweep.json, to open them.",
                    );
                }
                return;
            }
        };
        if let Some(config) = config {
            state.config.set(config);
        }
        state.execute(commands);
        super::scroll_to_run(id);
    };
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let (Some(f), Some(t)) = (frame.get_untracked(), table.get_untracked()) else { return };
        let ratio = window().device_pixel_ratio().max(1.0);
        let (px, py) = (f64::from(ev.offset_x()) * ratio, f64::from(ev.offset_y()) * ratio);
        let Some(x) = f.x_at(px) else { return };
        let (top, bottom) = (f64::from(f.top), f64::from(f.bottom));
        if !(top..bottom).contains(&py) {
            return;
        }
        let row = ((bottom - py) / (bottom - top) * t.batch_sizes.len() as f64).floor() as usize;
        open(row.min(t.batch_sizes.len().saturating_sub(1)), (x.floor() as usize).min(t.lrs.len().saturating_sub(1)));
    };
    // The keyboard walks the cells: arrows move (up is a larger B), Enter or Space opens the cell,
    // Escape leaves the grid; the cell under the focus is said politely.
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let Some((columns, rows)) = table.with_untracked(|t| t.as_ref().map(|t| (t.lrs.len(), t.batch_sizes.len())))
        else {
            return;
        };
        if columns == 0 || rows == 0 {
            return;
        }
        let (c, r) = focus.get_untracked().unwrap_or((0, 0));
        let next = match ev.key().as_str() {
            "ArrowRight" => Some(((c + 1).min(columns - 1), r)),
            "ArrowLeft" => Some((c.saturating_sub(1), r)),
            "ArrowUp" => Some((c, (r + 1).min(rows - 1))),
            "ArrowDown" => Some((c, r.saturating_sub(1))),
            "Home" => Some((0, r)),
            "End" => Some((columns - 1, r)),
            "Enter" | " " => {
                ev.prevent_default();
                open(r, c);
                return;
            }
            "Escape" => None,
            _ => return,
        };
        ev.prevent_default();
        focus.set(next);
    };
    let on_focus = move |_| {
        if focus.get_untracked().is_none() {
            focus.set(Some((0, 0)));
        }
    };
    let focused = move || {
        let (c, r) = focus.get()?;
        table.with(|t| {
            let t = t.as_ref()?;
            let (b, lr, cell) = (t.batch_sizes.get(r)?, t.lrs.get(c)?, t.cells.get(r)?.get(c)?);
            let value = match cell {
                CellSummary::Mean(_) => format!("{} {}", t.measure.label(), cell_text(*cell)),
                _ => cell_text(*cell),
            };
            Some(format!("B {b}, η {}: {value}. Enter opens it as a run.", fmt_lr(*lr)))
        })
    };
    // What the best η per B shows, in one sentence computed from the table.
    let caption = move || table.with(|t| t.as_ref()?.scaling(train_len.get()?).map(|sc| sc.to_string()));
    // While cells finish, the heatmap and the status show the progress; the table of values (a
    // thousand buttons at the largest grid) is built once, when the sweep ends.
    let running = move || key.with(|k| k.is_some_and(|k| k.running));
    let legend = batchlab_chart::heatmap::KEY;
    let legend = format!("{}{}.", legend[..1].to_uppercase(), &legend[1..]);
    view! {
        <div hidden=move || progress(state).is_none()>
            <progress data-testid="sweep-progress" max=move || progress(state).map_or(1, |p| p.1)
                value=move || progress(state).map_or(0, |p| p.0)></progress>
            <span class="hint" data-testid="sweep-status">{move || progress(state).map(|p| p.2)}</span>
        </div>
        <div class="heatmap-wrap" hidden=move || table.with(Option::is_none)>
            <canvas node_ref=heatmap_ref class="plot heatmap" data-testid="sweep-heatmap" data-best-lr=best_json
                tabindex="0" role="img"
                aria-label="heatmap of the sweep; with the focus here, the arrow keys move between cells and Enter opens one; the table below has its values"
                on:click=on_click on:keydown=on_key on:focus=on_focus on:blur=move |_| focus.set(None)></canvas>
            <p class="sr-only" aria-live="polite" data-testid="sweep-focus">{focused}</p>
            <p class="caption" data-testid="sweep-caption">{caption}</p>
            <p class="hint">{legend}" Click a cell (or, on the focused heatmap, move with the arrow keys and press Enter) to open it as a run."</p>
            <canvas node_ref=by_lr_ref class="plot" data-testid="sweep-by-lr" aria-label="final loss against η, one curve per batch size"></canvas>
            <p class="hint">"Diverged cells sit on the top edge (▲); stalled ones, which learned nothing, are left out."</p>
            <p class="hint" hidden=move || !running()>"The table of values comes when the sweep ends."</p>
            <SweepTableView table=Signal::derive(move || if running() { None } else { table.get() }) open />
        </div>
    }
}

/// A cell's figure or what became of it, in the table and as the keyboard reads it.
fn cell_text(cell: CellSummary) -> String {
    match cell {
        CellSummary::Mean(v) => fmt_tick(v),
        CellSummary::Diverged => Verdict::Diverged.name().to_owned(),
        CellSummary::Stalled => Verdict::Stalled.name().to_owned(),
        CellSummary::Missing => "not reached".to_owned(),
        CellSummary::Pending => "not run yet".to_owned(),
    }
}

/// The heatmap as a table (its text alternative), each cell a button that opens its run.
#[component]
fn SweepTableView(
    table: Signal<Option<SweepTable>>,
    open: impl Fn(usize, usize) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        table.get().map(|t| {
            let lrs = t.lrs.clone();
            view! {
                <table class="sweep-table" data-testid="sweep-table">
                    <caption>{t.measure.label()}" per batch size (rows) and learning rate (columns)"</caption>
                    <thead><tr><th>"B \\ η"</th>{lrs.iter().map(|lr| view! { <th>{fmt_lr(*lr)}</th> }).collect_view()}</tr></thead>
                    <tbody>
                        {t.batch_sizes.iter().zip(&t.cells).enumerate().map(|(r, (b, row))| view! {
                            <tr>
                                <th>{b.to_string()}</th>
                                {row.iter().enumerate().map(|(c, cell)| {
                                    let text = cell_text(*cell);
                                    // Named by its place too: many cells read "diverged".
                                    let name = format!("B {b}, η {}: {text}", t.lrs.get(c).map_or_else(String::new, |lr| fmt_lr(*lr)));
                                    view! { <td><button type="button" class="cell" data-testid="sweep-cell" aria-label=name on:click=move |_| open(r, c)>{text}</button></td> }
                                }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }
        })
    }
}
