//! The CSV files' tables the page has read: kept once each, for the runs and the sweep that name them
//! by their shape, and forgotten when none does.

use std::sync::Arc;

use batchlab_trainer::data::{Table, TableShape};
use batchlab_trainer::RunConfig;

use super::Lab;

impl Lab {
    /// Keeps a CSV file's table for the runs that name it (once, however often it is read).
    pub fn add_table(&mut self, table: Table) -> Arc<Table> {
        if let Some(t) = self.table(table.shape) {
            return t;
        }
        let t = Arc::new(table);
        self.tables.push(Arc::clone(&t));
        t
    }

    /// The table of that shape, if this page has read it.
    pub fn table(&self, shape: TableShape) -> Option<Arc<Table>> {
        self.tables.iter().find(|t| t.shape == shape).cloned()
    }

    /// Whether a run or the sweep trains on the table of that shape.
    fn uses(&self, shape: TableShape) -> bool {
        self.runs.iter().any(|r| r.config.dataset.table() == Some(shape))
            || self
                .sweep
                .as_ref()
                .and_then(|s| s.grid.base_config().ok())
                .is_some_and(|c| c.dataset.table() == Some(shape))
    }

    /// Forgets a table that no run and no sweep trains on (an edit the person went past).
    pub fn forget_table(&mut self, shape: TableShape) {
        if !self.uses(shape) {
            self.tables.retain(|t| t.shape != shape);
        }
    }

    /// The tables this page has read, in the order it read them.
    pub fn tables(&self) -> &[Arc<Table>] {
        &self.tables
    }

    /// The tables the runs, the sweep and the `form` train on (what a kept session keeps).
    pub fn tables_in_use(&self, form: &RunConfig) -> Vec<Arc<Table>> {
        self.tables.iter().filter(|t| form.dataset.table() == Some(t.shape) || self.uses(t.shape)).cloned().collect()
    }

    /// Why runs on these configs cannot train here: a CSV file's table this page has not read.
    pub fn missing_table<'a>(&self, configs: impl IntoIterator<Item = &'a RunConfig>) -> Option<String> {
        let missing = configs.into_iter().filter_map(|c| c.dataset.table()).find(|t| self.table(*t).is_none())?;
        Some(format!(
            "it trains on a CSV file (dataset=csv:{missing}) that this page has not read: open that file with \
             Load CSV, then this again"
        ))
    }
}
