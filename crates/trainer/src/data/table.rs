//! Your own data: a CSV file read into a [`Table`] (numeric features and a label column) within
//! stated limits, and the [`TableShape`] a config names it by (`dataset=csv:150x4x3:…`).
//!
//! A table is split 80/20 by a shuffle seeded from its digest, so every run on the same file trains
//! and validates on the same rows whatever its seed, and its features are standardised with the
//! training rows' mean and standard deviation.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use ndarray::Array2;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::cells::{self, Format, Number, Records};
use super::{toy, Dataset};

/// The largest file read, in bytes (8 MiB): a CSV data set here, and a `sweep.csv` too
/// ([`crate::sweep::MAX_FILE_BYTES`]).
pub const MAX_FILE_BYTES: usize = 8 << 20;
/// Rows (training and validation together).
pub const MIN_ROWS: usize = 10;
pub const MAX_ROWS: usize = 20_000;
pub const MAX_FEATURES: usize = 256;
/// Rows × features: the table's numbers, 4 MB as `f32`.
pub const MAX_CELLS: usize = 1_000_000;
pub const MAX_CLASSES: usize = 50;
/// Columns of a file (features, the label, and columns left out).
pub const MAX_COLUMNS: usize = 1000;
/// Reading a file of n bytes into its table holds at most this many times n bytes at once (plus
/// [`READ_BYTES_SLACK`]): its cells, where each ends, each row's line, the table's numbers. Every
/// limit is checked as the file is read, before what it bounds is kept; `tests/inputs.rs` measures
/// the bound on files at the limits and on random ones.
pub const READ_BYTES_PER_FILE_BYTE: usize = 12;
pub const READ_BYTES_SLACK: usize = 1 << 20;

/// What a config knows of a table without its numbers: enough to plan the run (its schedule, its
/// memory) and to recognise the file again (the digest of its numbers and labels). Serialised as its
/// word (`150x4x3:9d1c…`), as in links: a 64-bit digest is not a JavaScript number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct TableShape {
    pub rows: usize,
    pub features: usize,
    pub classes: usize,
    pub digest: u64,
}

impl TableShape {
    /// Training rows: 80 %, as the toy sets.
    pub fn train_len(&self) -> usize {
        toy::train_len(self.rows)
    }

    /// Checks the shape against the limits (a link can name any shape).
    pub fn check(&self) -> Result<(), String> {
        if !(MIN_ROWS..=MAX_ROWS).contains(&self.rows) {
            return Err(format!("a table has {MIN_ROWS} to {MAX_ROWS} rows"));
        }
        if !(1..=MAX_FEATURES).contains(&self.features) || self.rows * self.features > MAX_CELLS {
            return Err(format!("a table has 1 to {MAX_FEATURES} features and at most {MAX_CELLS} numbers"));
        }
        if !(2..=MAX_CLASSES).contains(&self.classes) {
            return Err(format!("a table has 2 to {MAX_CLASSES} classes"));
        }
        Ok(())
    }
}

/// `ROWSxFEATURESxCLASSES:DIGEST`, the digest in 16 hex digits: `150x4x3:9d1c…`.
impl fmt::Display for TableShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}x{}:{:016x}", self.rows, self.features, self.classes, self.digest)
    }
}

impl From<TableShape> for String {
    fn from(shape: TableShape) -> String {
        shape.to_string()
    }
}

impl TryFrom<String> for TableShape {
    type Error = String;

    fn try_from(word: String) -> Result<Self, String> {
        word.parse()
    }
}

impl FromStr for TableShape {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("“{s}” is not ROWSxFEATURESxCLASSES:DIGEST");
        let (dims, digest) = s.split_once(':').ok_or_else(bad)?;
        let dims: Vec<usize> = dims.split('x').map(str::parse).collect::<Result<_, _>>().map_err(|_| bad())?;
        let [rows, features, classes] = dims[..] else { return Err(bad()) };
        if digest.len() != 16 {
            return Err(bad());
        }
        let digest = u64::from_str_radix(digest, 16).map_err(|_| bad())?;
        let shape = TableShape { rows, features, classes, digest };
        shape.check()?;
        Ok(shape)
    }
}

/// Why a file or a table was refused; the message names the line (1-based, as an editor shows it).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum TableError {
    #[error("the file is more than {MAX_FILE_BYTES} bytes, the most that is read")]
    TooBig,
    #[error("{0}")]
    Encoding(String),
    #[error("the file has no rows")]
    Empty,
    #[error("line {line}: {problem}")]
    Line { line: u64, problem: String },
    #[error("{0}")]
    Shape(String),
    #[error("the table is damaged: {0}")]
    Damaged(String),
}

/// Which of a file's columns make its table: the label, the columns left out (a comment, an id),
/// and every other column a feature.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub label: usize,
    pub left_out: Vec<usize>,
}

/// Column `label` as the label and every other column a feature.
impl From<usize> for Choice {
    fn from(label: usize) -> Self {
        Choice { label, left_out: Vec::new() }
    }
}

/// A CSV file as read: how it writes its cells, its column names (from its header, or "column 1",
/// …) and its rows' cells, each row with its line. Every line of the file is a row, the header, or
/// refused by name (only blank lines at the end are let go); nothing is interpreted until a label
/// column is chosen.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvFile {
    pub name: String,
    pub columns: Vec<String>,
    pub has_header: bool,
    pub format: Format,
    /// The line each row starts on.
    lines: Vec<u64>,
    /// Every row's cells, one after another, and where each ends in `cells`: at most the file's
    /// bytes and 4 bytes a cell (a cell takes at least its separator), never a `String` a cell.
    cells: String,
    ends: Vec<u32>,
}

/// A cell a person's spreadsheet would run as a formula starts with one of these (OWASP's CSV
/// injection advice): a writer puts `'` before such a text cell, and the reader takes it off.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn finite(cell: &str) -> bool {
    matches!(cells::number(cell, false), Number::Finite(_))
}

/// A text cell to write into a CSV file that a spreadsheet may open: with `'` before it when it
/// would start a formula. A number (`-1.5`) is not text and is written as it is.
pub fn inert(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) && !finite(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A text cell as written: without the `'` that [`inert`] (or a spreadsheet) put before it.
fn unmarked(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) && !finite(rest) => rest,
        _ => cell,
    }
}

/// Characters of a name (a column's, a class's, a file's) shown in a message; a longer one is cut.
pub const SHOWN_NAME_CHARS: usize = 60;
/// Characters of a cell's text shown in a message.
const SHOWN_CELL_CHARS: usize = 20;

/// `text` cut to `max` characters with an ellipsis: a message stays readable whatever a file holds.
pub fn shortened(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        Some((at, _)) => Cow::Owned(format!("{}…", &text[..at])),
        None => Cow::Borrowed(text),
    }
}

fn name(text: &str) -> Cow<'_, str> {
    shortened(text, SHOWN_NAME_CHARS)
}

impl CsvFile {
    /// Reads a file's bytes: UTF-8 text (see [`cells::decode`]) of CSV.
    pub fn read(name: &str, bytes: &[u8]) -> Result<Self, TableError> {
        if bytes.len() > MAX_FILE_BYTES {
            return Err(TableError::TooBig);
        }
        Self::parse(name, cells::decode(bytes)?)
    }

    /// Reads the cells of a CSV file: its separator detected, the first row a header when every
    /// cell is a name (the first may be empty, as pandas writes an index), each other line a row.
    /// A line that is no row is refused by its number: a blank or empty one (blank lines at the end
    /// excepted), one of another width, one beyond [`MAX_ROWS`].
    pub fn parse(name: &str, text: &str) -> Result<Self, TableError> {
        if text.len() > MAX_FILE_BYTES {
            return Err(TableError::TooBig);
        }
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let format = Format { separator: cells::detect_separator(text), decimal_comma: false };
        let mut file = CsvFile {
            name: name.to_owned(),
            columns: Vec::new(),
            has_header: false,
            format,
            lines: Vec::new(),
            cells: String::new(),
            ends: Vec::new(),
        };
        let comment = if text.starts_with('#') {
            "; line 1 starts with “#”, and no line is skipped as a comment: delete it"
        } else {
            ""
        };
        let mut records = Records::new(text, format.separator);
        let (mut width, mut blank) = (0, None);
        loop {
            let (ends_from, cells_from) = (file.ends.len(), file.cells.len());
            let cap = if width == 0 { MAX_COLUMNS } else { width };
            let (mut filled, mut kept) = (0, 0);
            let record = records.next(|c| {
                filled += usize::from(!c.is_empty());
                if kept < cap {
                    kept += 1;
                    file.cells.push_str(c);
                    file.ends.push(file.cells.len() as u32);
                }
            });
            let Some(record) = record else { break };
            let (line, n) = record?;
            let problem = |problem: String| Err(TableError::Line { line, problem });
            if n == 1 && filled == 0 {
                blank.get_or_insert(line);
                file.ends.truncate(ends_from);
                file.cells.truncate(cells_from);
                continue;
            }
            if let Some(line) = blank {
                let problem = "a blank line inside the table: delete it (only blank lines at the end are let go)";
                return Err(TableError::Line { line, problem: problem.to_owned() });
            }
            if filled == 0 {
                return problem("only empty cells: delete the row, or fill in its values".to_owned());
            }
            if width == 0 {
                if n > MAX_COLUMNS {
                    return problem(format!("{n} cells; a file has at most {MAX_COLUMNS} columns"));
                }
                if n < 2 {
                    return Err(TableError::Shape(format!(
                        "a table needs at least two columns, features and a label, but no `,`, `;` or tab separates \
                         the cells of line {line}{comment}"
                    )));
                }
                width = n;
                let first: Vec<&str> = file.cells_from(0).take(n).collect();
                let has_header = first.iter().enumerate().all(|(j, c)| cells::is_name(c) || (j == 0 && c.is_empty()));
                let header = |j: usize| if has_header { unmarked(first[j]) } else { "" };
                let columns = (0..n).map(|j| column_name(j, header(j))).collect();
                (file.has_header, file.columns) = (has_header, columns);
                if has_header {
                    file.ends.clear();
                    file.cells.clear();
                    continue;
                }
            } else if n != width {
                let read_as = format.separator_name();
                return problem(format!(
                    "{}, but line 1 has {width} (the file is read as {read_as}-separated{comment})",
                    cells::count(n, "cell")
                ));
            }
            if file.lines.len() == MAX_ROWS {
                return problem(format!("the file has more than {MAX_ROWS} rows, the most a table has"));
            }
            file.lines.push(line);
        }
        if width == 0 {
            return Err(TableError::Empty);
        }
        if format.separator != b',' {
            let marked = |mark: char, comma: bool| {
                file.cells_from(0)
                    .filter(|c| c.contains(mark) && matches!(cells::number(c, comma), Number::Finite(_)))
                    .count()
            };
            file.format.decimal_comma = marked(',', true) > marked('.', false);
        }
        Ok(file)
    }

    /// The `k`-th cell, counted row after row.
    fn cell(&self, k: usize) -> &str {
        let start = if k == 0 { 0 } else { self.ends[k - 1] as usize };
        &self.cells[start..self.ends[k] as usize]
    }

    /// The cells from the `k`-th on, row after row.
    fn cells_from(&self, k: usize) -> impl Iterator<Item = &str> + '_ {
        (k..self.ends.len()).map(move |k| self.cell(k))
    }

    /// Column `j`'s cells, row after row. The range is stepped before a cell is made: a mapped
    /// iterator's `step_by` would make every cell it skips, each column then costing the whole file.
    fn column(&self, j: usize) -> impl Iterator<Item = &str> + '_ {
        (j..self.ends.len()).step_by(self.columns.len()).map(move |k| self.cell(k))
    }

    /// Rows read (the header is not one).
    pub fn rows(&self) -> usize {
        self.lines.len()
    }

    fn number(&self, cell: &str) -> Number {
        cells::number(cell, self.format.decimal_comma)
    }

    /// Whether column `j` holds no number at all (words, or nothing): it cannot be a feature.
    fn is_text(&self, j: usize) -> bool {
        self.column(j).all(|c| !matches!(self.number(c), Number::Finite(_)))
    }

    /// The columns a person most likely means: the label is a column of words with no cell missing
    /// and 2 to [`MAX_CLASSES`] distinct values, each on two rows or more if one column has that
    /// (a comment column has blanks and one-off remarks), the last of them; without one, the last
    /// column of numbers. Every other column of words is left out, since it cannot be a feature.
    /// `label`, when given, is the label.
    pub fn choice(&self, label: Option<usize>) -> Choice {
        let width = self.columns.len();
        let text: Vec<usize> = (0..width).filter(|&j| self.is_text(j)).collect();
        let label = label.unwrap_or_else(|| {
            let classes = |j: usize| {
                let mut counts: HashMap<&str, usize> = HashMap::new();
                for c in self.column(j) {
                    *counts.entry(c).or_default() += 1;
                    if c.is_empty() || counts.len() > MAX_CLASSES {
                        return None;
                    }
                }
                (counts.len() >= 2).then(|| counts.values().all(|&n| n >= 2))
            };
            let words = text.iter().filter_map(|&j| classes(j).map(|repeated| (repeated, j))).max();
            let numbers = (0..width).rev().find(|j| !text.contains(j));
            words.map(|(_, j)| j).or(numbers).unwrap_or(width.saturating_sub(1))
        });
        Choice { label, left_out: text.into_iter().filter(|&j| j != label).collect() }
    }

    /// How the file was read, in a sentence: its separator and decimal mark, its header, and the
    /// columns `choice` leaves out.
    pub fn reading(&self, choice: &Choice) -> String {
        let header = if self.has_header { "a header row" } else { "no header row (the columns are numbered)" };
        let left_out: Vec<Cow<str>> =
            choice.left_out.iter().filter_map(|&j| self.columns.get(j)).map(|c| name(c)).collect();
        let left_out = if left_out.is_empty() { String::new() } else { format!("; left out: {}", left_out.join(", ")) };
        format!("Read as {} and {header}{left_out}.", self.format)
    }

    /// The table of `choice`: its label column's distinct values are the classes (compared as
    /// numbers when all are numbers: `1` and `1.0` are one class), every column neither the label
    /// nor left out a feature. A missing or non-numeric feature is refused naming its line and
    /// column, and the likely cause.
    pub fn table(&self, choice: &Choice) -> Result<Table, TableError> {
        let shape = |what: String| Err(TableError::Shape(what));
        let width = self.columns.len();
        let Choice { label, left_out } = choice;
        if let Some(j) = left_out.iter().chain([label]).find(|&&j| j >= width) {
            return shape(format!("the file has {width} columns; there is no column {}", j + 1));
        }
        if left_out.contains(label) {
            return shape(format!("the label column {} cannot be left out", name(&self.columns[*label])));
        }
        let used: Vec<usize> = (0..width).filter(|j| j != label && !left_out.contains(j)).collect();
        let (rows, features) = (self.rows(), used.len());
        if rows < MIN_ROWS {
            return shape(format!("the file has {rows} rows; a table needs at least {MIN_ROWS}"));
        }
        if features == 0 {
            return shape("every column but the label is left out; a table needs a feature".to_owned());
        }
        if features > MAX_FEATURES || rows * features > MAX_CELLS {
            return shape(format!(
                "{rows} rows × {features} features is too many: at most {MAX_FEATURES} features and {MAX_CELLS} numbers"
            ));
        }
        let labels: Vec<&str> = self.column(*label).collect();
        if let Some(row) = labels.iter().position(|l| l.is_empty()) {
            let problem = format!("the label ({}) is missing", name(&self.columns[*label]));
            return Err(TableError::Line { line: self.lines[row], problem });
        }
        let (classes, y) = self.classes(&labels);
        if !(2..=MAX_CLASSES).contains(&classes.len()) {
            return shape(format!(
                "the label column {} has {} distinct values; a table has 2 to {MAX_CLASSES} classes",
                name(&self.columns[*label]),
                classes.len()
            ));
        }
        let mut x = Vec::with_capacity(rows * features);
        for (row, &line) in self.lines.iter().enumerate() {
            let cells: Vec<&str> = self.cells_from(row * width).take(width).collect();
            for &j in &used {
                match self.number(cells[j]) {
                    Number::Finite(v) => x.push(v),
                    why => return Err(TableError::Line { line, problem: self.not_a_number(row, &cells, j, why) }),
                }
            }
        }
        let features = used.iter().map(|&j| self.columns[j].clone()).collect();
        let table = Table::new(&self.name, features, self.columns[*label].clone(), classes, x, y);
        table.shape.check().map_err(TableError::Shape)?;
        Ok(table)
    }

    /// The classes of these labels, in order (numbers by value, else words by their text), and each
    /// row's class. Labels are numbers when all read as numbers with the file's decimal mark, or all
    /// with a point: `3.5e38` in a decimal-comma file is a number still, as it is once the table is
    /// written back with points ([`Table::to_csv`]), so a table reads back as the same classes.
    fn classes(&self, labels: &[&str]) -> (Vec<String>, Vec<u16>) {
        let numbers = |decimal_comma: bool| -> Option<Vec<f64>> {
            labels.iter().map(|l| cells::number64(l, decimal_comma).map(|v| v + 0.0)).collect()
        };
        if let Some(values) = numbers(self.format.decimal_comma).or_else(|| numbers(false)) {
            let mut distinct = values.clone();
            distinct.sort_by(f64::total_cmp);
            distinct.dedup();
            let y = values.iter().map(|v| distinct.partition_point(|d| d < v) as u16).collect();
            return (distinct.iter().map(f64::to_string).collect(), y);
        }
        let names: Vec<&str> = labels.iter().map(|l| unmarked(l)).collect();
        let mut distinct = names.clone();
        distinct.sort_unstable();
        distinct.dedup();
        let y = names.iter().map(|n| distinct.binary_search(n).unwrap_or_else(|i| i) as u16).collect();
        (distinct.into_iter().map(str::to_owned).collect(), y)
    }

    /// Why cell `j` of a row (`row`, with these `cells`) is no feature, and the likely cause.
    fn not_a_number(&self, row: usize, cells: &[&str], j: usize, why: Number) -> String {
        let (column, cell) = (name(&self.columns[j]), shortened(cells[j], SHOWN_CELL_CHARS));
        let problem = match why {
            Number::Missing => format!("{column} is missing"),
            Number::MissingWord => format!("{column} is “{cell}”, a missing value"),
            Number::Infinite => format!("{column} is “{cell}”, not a finite number"),
            Number::TooLarge => format!("{column} is “{cell}”, too large for a 32-bit number (at most ±3.4e38)"),
            Number::OtherMark => format!("{column} is “{cell}”, not a number: the file is read as {}", self.format),
            Number::Finite(_) | Number::Text => format!("{column} is “{cell}”, not a number"),
        };
        let own = self.format.separator_name();
        let other = [(';', "`;`"), ('\t', "tab")].iter().find(|(c, _)| cells[j].contains(*c)).map(|o| o.1);
        let separator = match other {
            Some(other) if why == Number::Text && other != own => {
                format!(" (is the file {other}-separated? It reads best as {own}-separated)")
            }
            _ => String::new(),
        };
        let header = if row == 0 && !self.has_header && cells::is_name(cells[j]) {
            "; line 1 is read as data, since a header row holds only names"
        } else {
            ""
        };
        format!("{problem}{separator}{header}")
    }
}

/// A header cell's name: its text, or "column 3" when it has none.
fn column_name(j: usize, header: &str) -> String {
    if header.is_empty() {
        format!("column {}", j + 1)
    } else {
        header.to_owned()
    }
}

/// Your own data: raw features (row-major), class indices, and their names.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// The file it came from.
    pub name: String,
    pub features: Vec<String>,
    /// The label column's name.
    pub label: String,
    pub classes: Vec<String>,
    /// `rows × features` numbers, row after row, as in the file. Serialised as base64 of their
    /// little-endian bits: exact, a quarter of the JSON's size, and one string across the worker
    /// boundary instead of up to a million numbers.
    #[serde(with = "f32_base64")]
    pub x: Vec<f32>,
    pub y: Vec<u16>,
    pub shape: TableShape,
}

mod f32_base64 {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(x: &[f32], s: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = x.iter().flat_map(|v| v.to_le_bytes()).collect();
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
        let text = String::deserialize(d)?;
        let bytes = STANDARD.decode(text).map_err(serde::de::Error::custom)?;
        if bytes.len() % 4 != 0 {
            return Err(serde::de::Error::custom("the numbers are not whole 4-byte floats"));
        }
        Ok(bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

fn fnv(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, &b| (h ^ u64::from(b)).wrapping_mul(FNV_PRIME))
}

/// Stream of the split's shuffle (the digest is its seed).
const SPLIT_STREAM: u64 = 5;

impl Table {
    /// A table of `x` (`y.len()` rows) with its shape and digest.
    pub fn new(
        name: &str,
        features: Vec<String>,
        label: String,
        classes: Vec<String>,
        x: Vec<f32>,
        y: Vec<u16>,
    ) -> Self {
        let shape = TableShape { rows: y.len(), features: features.len(), classes: classes.len(), digest: 0 };
        let mut table = Table { name: name.to_owned(), features, label, classes, x, y, shape };
        table.shape.digest = table.digest();
        table
    }

    /// FNV-1a over the shape, the numbers' bits and the labels: what training depends on (not the
    /// file's or the columns' names).
    fn digest(&self) -> u64 {
        let s = &self.shape;
        let mut h = FNV_OFFSET;
        for n in [s.rows, s.features, s.classes] {
            h = fnv(h, &(n as u64).to_le_bytes());
        }
        for v in &self.x {
            h = fnv(h, &v.to_bits().to_le_bytes());
        }
        for y in &self.y {
            h = fnv(h, &y.to_le_bytes());
        }
        h
    }

    /// Checks a table that did not come from [`CsvFile::table`] (a kept session, a worker message):
    /// limits, lengths, finite numbers, labels in range, and its digest.
    pub fn check(&self) -> Result<(), TableError> {
        let s = self.shape;
        s.check().map_err(TableError::Shape)?;
        let damaged = |what: &str| Err(TableError::Damaged(what.to_owned()));
        if self.y.len() != s.rows || self.x.len() != s.rows * s.features {
            return damaged("its numbers do not fill its rows");
        }
        if self.features.len() != s.features || self.classes.len() != s.classes {
            return damaged("its names do not match its shape");
        }
        if !self.x.iter().all(|v| v.is_finite()) || !self.y.iter().all(|&y| usize::from(y) < s.classes) {
            return damaged("it holds a number that is not finite or a label out of range");
        }
        if self.digest() != s.digest {
            return damaged("its digest does not match its numbers");
        }
        Ok(())
    }

    /// This 2-D table with a point of `class` added at (`x`, `y`).
    pub fn with_point(&self, x: f32, y: f32, class: usize) -> Result<Table, TableError> {
        self.check_plane()?;
        if class >= self.shape.classes || !(x.is_finite() && y.is_finite()) {
            return Err(TableError::Shape(format!("there is no class {class} here")));
        }
        if self.shape.rows >= MAX_ROWS {
            return Err(TableError::Shape(format!("a table has at most {MAX_ROWS} rows")));
        }
        let (mut xs, mut ys) = (self.x.clone(), self.y.clone());
        xs.extend([x, y]);
        ys.push(class as u16);
        Ok(self.edited(xs, ys))
    }

    /// This 2-D table without its point nearest to (`x`, `y`), if one lies within `radius` (in the
    /// units of x and y, each scaled by `scale`: the plane drawn is rarely square).
    pub fn without_point(&self, x: f32, y: f32, radius: f32, scale: (f32, f32)) -> Result<Table, TableError> {
        self.check_plane()?;
        let distance = |i: usize| {
            let (dx, dy) = ((self.x[2 * i] - x) / scale.0, (self.x[2 * i + 1] - y) / scale.1);
            dx * dx + dy * dy
        };
        let nearest = (0..self.shape.rows).min_by(|&a, &b| distance(a).total_cmp(&distance(b)));
        let Some(i) = nearest.filter(|&i| distance(i) <= radius * radius) else {
            return Err(TableError::Shape("there is no point there to remove".to_owned()));
        };
        if self.shape.rows <= MIN_ROWS {
            return Err(TableError::Shape(format!("a table keeps at least {MIN_ROWS} rows")));
        }
        let (mut xs, mut ys) = (self.x.clone(), self.y.clone());
        xs.drain(2 * i..2 * i + 2);
        ys.remove(i);
        Ok(self.edited(xs, ys))
    }

    fn check_plane(&self) -> Result<(), TableError> {
        if self.shape.features == 2 {
            Ok(())
        } else {
            Err(TableError::Shape(format!(
                "only a table of 2 features is drawn as points; this has {}",
                self.shape.features
            )))
        }
    }

    /// A table of these numbers with this one's names, marked as edited.
    fn edited(&self, x: Vec<f32>, y: Vec<u16>) -> Table {
        let name = if self.name.ends_with(", edited") { self.name.clone() } else { format!("{}, edited", self.name) };
        Table::new(&name, self.features.clone(), self.label.clone(), self.classes.clone(), x, y)
    }

    /// The table as a CSV file (features, then the label), which [`CsvFile`] reads back into this
    /// very table: numbers are written in their shortest form that reads back to the same bits,
    /// and a name that a spreadsheet would run as a formula is made [`inert`].
    pub fn to_csv(&self) -> String {
        let cell = |s: &str| {
            let s = inert(s);
            if s.contains([',', ';', '"', '\t', '\n', '\r']) || s.trim() != s || s.is_empty() {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.into_owned()
            }
        };
        let mut out: String = self.features.iter().chain([&self.label]).map(|c| cell(c)).collect::<Vec<_>>().join(",");
        out.push('\n');
        let f = self.shape.features;
        for (row, &y) in self.x.chunks(f.max(1)).zip(&self.y) {
            for v in row {
                out.push_str(&v.to_string());
                out.push(',');
            }
            out.push_str(&cell(&self.classes[usize::from(y)]));
            out.push('\n');
        }
        out
    }

    /// Rows of each class, in class order.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes.len()];
        for &y in &self.y {
            counts[usize::from(y)] += 1;
        }
        counts
    }

    /// One sentence for people: what was read and how it will be used (names cut to
    /// [`SHOWN_NAME_CHARS`]).
    pub fn summary(&self) -> String {
        let s = self.shape;
        let counts = self.class_counts();
        let classes: Vec<String> = self.classes.iter().zip(&counts).map(|(c, n)| format!("{} {n}", name(c))).collect();
        format!(
            "{}: {} rows, {} features, {} classes of {} ({}). Features standardised on the {} training rows; {} rows validate.",
            name(&self.name),
            s.rows,
            s.features,
            s.classes,
            name(&self.label),
            classes.join(", "),
            s.train_len(),
            s.rows - s.train_len()
        )
    }

    /// The data set a run trains on: a fixed split (shuffled by the digest), features standardised
    /// with the training rows' statistics (a constant feature is only centred).
    pub fn dataset(&self) -> Dataset {
        let (n, f) = (self.shape.rows, self.shape.features);
        let mut order: Vec<usize> = (0..n).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(self.shape.digest);
        rng.set_stream(SPLIT_STREAM);
        order.shuffle(&mut rng);
        let n_train = self.shape.train_len();
        let row = |i: usize| &self.x[i * f..(i + 1) * f];
        let (mut mean, mut var) = (vec![0.0f64; f], vec![0.0f64; f]);
        for &i in &order[..n_train] {
            for (m, &v) in mean.iter_mut().zip(row(i)) {
                *m += f64::from(v);
            }
        }
        for m in &mut mean {
            *m /= n_train as f64;
        }
        for &i in &order[..n_train] {
            for ((s, &v), m) in var.iter_mut().zip(row(i)).zip(&mean) {
                *s += (f64::from(v) - m).powi(2);
            }
        }
        let sd: Vec<f64> =
            var.iter().map(|s| (s / n_train as f64).sqrt()).map(|s| if s > 0.0 { s } else { 1.0 }).collect();
        let split = |rows: &[usize]| {
            Array2::from_shape_fn((rows.len(), f), |(r, j)| ((f64::from(row(rows[r])[j]) - mean[j]) / sd[j]) as f32)
        };
        let labels = |rows: &[usize]| rows.iter().map(|&i| usize::from(self.y[i])).collect();
        Dataset {
            name: self.name.clone(),
            x_train: split(&order[..n_train]),
            y_train: labels(&order[..n_train]),
            x_val: split(&order[n_train..]),
            y_val: labels(&order[n_train..]),
            classes: self.shape.classes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IRIS_LIKE: &str = "sepal,petal,species\n5.1,1.4,setosa\n4.9,1.4,setosa\n6.3,4.9,versicolor\n\
        5.8,4.0,versicolor\n7.1,5.9,virginica\n6.5,5.2,virginica\n5.0,1.5,setosa\n6.1,4.7,versicolor\n\
        6.9,5.4,virginica\n5.4,1.7,setosa\n";

    #[test]
    fn a_csv_with_a_header_becomes_a_table_named_by_its_numbers() {
        let file = CsvFile::parse("iris.csv", IRIS_LIKE).unwrap();
        assert!(file.has_header);
        assert_eq!(file.columns, ["sepal", "petal", "species"]);
        let t = file.table(&file.choice(None)).unwrap();
        let words_first = CsvFile::parse("x.csv", "kind,x\na,1\nb,2\n").unwrap();
        assert_eq!((file.choice(None).label, words_first.choice(None).label), (2, 0), "the column of words");
        assert_eq!(CsvFile::parse("x.csv", "1,2,3\n4,5,6\n").unwrap().choice(None).label, 2, "else the last");
        assert_eq!((t.shape.rows, t.shape.features, t.shape.classes), (10, 2, 3));
        assert_eq!(t.classes, ["setosa", "versicolor", "virginica"]);
        assert_eq!(t.class_counts(), [4, 3, 3]);
        assert_eq!(t.check(), Ok(()));
        let again = CsvFile::parse("iris.csv", &t.to_csv()).unwrap().table(&2.into()).unwrap();
        assert_eq!(again, t, "written and read back, the same table");
        // The digest is of the numbers: another name, the same digest; another number, another.
        let renamed = CsvFile::parse("other.csv", IRIS_LIKE).unwrap().table(&2.into()).unwrap();
        assert_eq!(renamed.shape, t.shape);
        let changed = CsvFile::parse("iris.csv", &IRIS_LIKE.replace("6.9", "6.8")).unwrap().table(&2.into()).unwrap();
        assert_ne!(changed.shape.digest, t.shape.digest);
        assert_eq!(t.shape.to_string().parse::<TableShape>(), Ok(t.shape));
        assert_eq!(serde_json::to_string(&t.shape).unwrap(), format!("\"{}\"", t.shape));
        assert_eq!(serde_json::from_str::<Table>(&serde_json::to_string(&t).unwrap()).unwrap(), t);
        assert!(t
            .summary()
            .starts_with("iris.csv: 10 rows, 2 features, 3 classes of species (setosa 4, versicolor 3, virginica 3)"));
    }

    /// Found by `cargo xtask fuzz`: a decimal-comma file whose labels are numbers written with a
    /// point read them as words, and the table written back (with points) read them as numbers.
    #[test]
    fn point_numbers_as_labels_of_a_decimal_comma_file_are_numbers_and_read_back_the_same() {
        let text = "7e3;1\r\n-3;1\r\n3.5e38;1\r\n7e3;0,125\r\n1;1\r\n".repeat(2);
        let table = CsvFile::parse("c.csv", &text).unwrap().table(&0.into()).unwrap();
        assert_eq!(table.classes, ["-3", "1", "7000", "350000000000000000000000000000000000000"]);
        let again = CsvFile::parse("c.csv", &table.to_csv()).unwrap();
        assert_eq!(again.table(&1.into()), Ok(table));
    }

    #[test]
    fn a_headerless_file_with_word_labels_keeps_its_first_row_and_numeric_labels_sort_as_numbers() {
        let text = IRIS_LIKE.split_once('\n').unwrap().1;
        let file = CsvFile::parse("x.csv", text).unwrap();
        assert!(!file.has_header);
        assert_eq!(file.table(&2.into()).unwrap().shape.rows, 10);
        let numeric = (0..12).map(|i| format!("{i}.5,{}\n", [10, 2, 1][i % 3])).collect::<Vec<_>>().concat();
        assert_eq!(CsvFile::parse("n.csv", &numeric).unwrap().table(&1.into()).unwrap().classes, ["1", "2", "10"]);
    }

    #[test]
    fn a_bad_cell_is_refused_naming_its_line_and_column() {
        let missing = IRIS_LIKE.replace("6.3,4.9", "6.3,");
        let e = CsvFile::parse("x.csv", &missing).unwrap().table(&2.into()).unwrap_err();
        assert_eq!(e.to_string(), "line 4: petal is missing");
        let word = IRIS_LIKE.replace("7.1", "seven");
        let e = CsvFile::parse("x.csv", &word).unwrap().table(&2.into()).unwrap_err();
        assert_eq!(e.to_string(), "line 6: sepal is “seven”, not a number");
        let inf = IRIS_LIKE.replace("7.1", "inf");
        assert_eq!(refusal(&inf), "line 6: sepal is “inf”, not a finite number");
        let ragged = IRIS_LIKE.replace("5.8,4.0,versicolor", "5.8,versicolor");
        assert_eq!(
            CsvFile::parse("x.csv", &ragged).unwrap_err().to_string(),
            "line 5: 2 cells, but line 1 has 3 (the file is read as `,`-separated)"
        );
        // Too few rows, one class, one column, nothing: refused, each with its reason.
        assert!(CsvFile::parse("x.csv", "a,b\n1,2\n").unwrap().table(&1.into()).is_err());
        let one_class = (0..12).map(|i| format!("{i},a\n")).collect::<Vec<_>>().concat();
        assert!(CsvFile::parse("x.csv", &one_class)
            .unwrap()
            .table(&1.into())
            .unwrap_err()
            .to_string()
            .contains("2 to 50 classes"));
        assert!(CsvFile::parse("x.csv", "1\n2\n").is_err());
        assert_eq!(CsvFile::parse("x.csv", "\n\n"), Err(TableError::Empty));
    }

    /// IRIS_LIKE without its header.
    fn headerless() -> &'static str {
        IRIS_LIKE.split_once('\n').unwrap().1
    }

    fn refusal(text: &str) -> String {
        match CsvFile::parse("x.csv", text) {
            Ok(file) => file.table(&file.choice(None)).map_or_else(|e| e.to_string(), |t| t.summary()),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_first_row_with_a_number_is_data_and_a_bad_cell_in_it_is_refused_by_its_line() {
        let cases = [
            ("5.1,,setosa", "line 1: column 2 is missing"),
            ("NaN,1.4,setosa", "line 1: column 1 is “NaN”, a missing value"),
            (
                "x,1.4,setosa",
                "line 1: column 1 is “x”, not a number; line 1 is read as data, since a header row holds only names",
            ),
        ];
        for (first, refused) in cases {
            let text = headerless().replacen("5.1,1.4,setosa", first, 1);
            assert!(!CsvFile::parse("x.csv", &text).unwrap().has_header, "{first}");
            assert_eq!(refusal(&text), refused);
        }
        // A header holds only names; the first may be empty (pandas writes its index so).
        let indexed = format!(
            ",sepal,petal,species\n{}",
            headerless().lines().enumerate().map(|(i, l)| format!("{i},{l}\n")).collect::<Vec<_>>().concat()
        );
        let file = CsvFile::parse("x.csv", &indexed).unwrap();
        assert_eq!((file.has_header, file.columns[0].as_str(), file.rows()), (true, "column 1", 10));
    }

    #[test]
    fn every_line_is_a_row_or_refused_by_its_number() {
        // No comment syntax: a cell starting with # is a value like any other.
        assert_eq!(refusal(&IRIS_LIKE.replace("7.1,5.9", "#-1.23,5.9")), "line 6: sepal is “#-1.23”, not a number");
        let hashed = IRIS_LIKE.replace(",setosa", ",#a").replace(",versicolor", ",#b").replace(",virginica", ",#c");
        assert!(refusal(&hashed).contains("10 rows, 2 features, 3 classes of species (#a 4, #b 3, #c 3)"));
        assert_eq!(
            refusal(&format!("# measured in May\n{IRIS_LIKE}")),
            "a table needs at least two columns, features and a label, but no `,`, `;` or tab separates the cells of \
             line 1; line 1 starts with “#”, and no line is skipped as a comment: delete it"
        );
        assert_eq!(
            refusal(&format!("# May, June\n{IRIS_LIKE}")),
            "line 2: 3 cells, but line 1 has 2 (the file is read as `,`-separated; line 1 starts with “#”, and no line \
             is skipped as a comment: delete it)"
        );
        // Empty rows, blank lines inside, a line of a million commas: refused by line.
        assert_eq!(
            refusal(&IRIS_LIKE.replace("\n4.9", "\n,,\n4.9")),
            "line 3: only empty cells: delete the row, or fill in its values"
        );
        assert_eq!(
            refusal(&IRIS_LIKE.replace("\n4.9", "\n\n4.9")),
            "line 3: a blank line inside the table: delete it (only blank lines at the end are let go)"
        );
        let commas = |first: &str| IRIS_LIKE.replace("\n4.9", &format!("\n{first}{}\n4.9", ",".repeat(1_000_000)));
        assert!(refusal(&commas("")).starts_with("line 3: only empty cells"));
        assert!(refusal(&commas("1")).starts_with("line 3: 1000001 cells, but line 1 has 3"));
        assert!(
            refusal(&format!("{IRIS_LIKE}\n  \n\n")).starts_with("x.csv: 10 rows"),
            "blank lines at the end are let go"
        );
        // A quote that never closes names the line it opened on.
        assert_eq!(
            refusal(&IRIS_LIKE.replace("6.3,", "\"6.3,")),
            "line 4: a quote opened on this line is never closed"
        );
    }

    #[test]
    fn line_numbers_are_an_editors_whatever_the_line_ends() {
        let missing = IRIS_LIKE.replace("6.3,4.9", "6.3,");
        for end in ["\n", "\r\n", "\r"] {
            assert_eq!(refusal(&missing.replace('\n', end)), "line 4: petal is missing", "{end:?}");
        }
    }

    #[test]
    fn numbers_are_read_as_numbers_and_refused_with_the_reason() {
        let labels =
            (0..12).map(|i| format!("{i}.5,{}\n", ["1", "1.0", "2", "-0", "0"][i % 5])).collect::<Vec<_>>().concat();
        let t = CsvFile::parse("n.csv", &labels).unwrap().table(&1.into()).unwrap();
        assert_eq!(t.classes, ["0", "1", "2"], "1 and 1.0 are one class, -0 and 0 another");
        assert_eq!(t.class_counts(), [4, 6, 2]);
        assert_eq!(
            refusal(&IRIS_LIKE.replace("7.1", "3.5e38")),
            "line 6: sepal is “3.5e38”, too large for a 32-bit number (at most ±3.4e38)"
        );
        assert_eq!(refusal(&IRIS_LIKE.replace("7.1", "-inf")), "line 6: sepal is “-inf”, not a finite number");
        let semicolons = IRIS_LIKE.replace(',', ";").replace("7.1", "7,1");
        assert_eq!(
            refusal(&semicolons),
            "line 6: sepal is “7,1”, not a number: the file is read as `;`-separated values with decimal points"
        );
    }

    #[test]
    fn a_file_of_more_than_the_rows_a_table_holds_is_refused_by_the_reader() {
        let rows = (0..=MAX_ROWS).map(|i| format!("{i},{}\n", i % 3)).collect::<Vec<_>>().concat();
        assert_eq!(
            CsvFile::parse("x.csv", &rows).unwrap_err().to_string(),
            "line 20001: the file has more than 20000 rows, the most a table has"
        );
        let wide = format!("{}\n", ["1"; MAX_COLUMNS + 1].join(","));
        assert_eq!(
            CsvFile::parse("x.csv", &wide).unwrap_err().to_string(),
            "line 1: 1001 cells; a file has at most 1000 columns"
        );
        assert_eq!(CsvFile::read("x.csv", &vec![b'1'; MAX_FILE_BYTES + 1]), Err(TableError::TooBig));
    }

    #[test]
    fn the_likely_label_is_a_column_of_few_words_and_other_columns_of_words_are_left_out() {
        let remarks = ["ok", "", "torn", "ok", "", "re-check", "", "ok", "", "ok"];
        let text: String = IRIS_LIKE
            .lines()
            .enumerate()
            .map(|(i, l)| format!("{l},{}\n", if i == 0 { "comment" } else { remarks[i - 1] }))
            .collect::<Vec<_>>()
            .concat();
        let file = CsvFile::parse("x.csv", &text).unwrap();
        let choice = file.choice(None);
        assert_eq!(choice, Choice { label: 2, left_out: vec![3] });
        assert_eq!(
            file.reading(&choice),
            "Read as `,`-separated values with decimal points and a header row; left out: comment."
        );
        assert_eq!(file.table(&choice).unwrap().shape.features, 2);
        assert_eq!(file.table(&2.into()).unwrap_err().to_string(), "line 2: comment is “ok”, not a number");
        // Another label: the words are left out too; leaving out the label or every feature is refused.
        assert_eq!(file.choice(Some(1)), Choice { label: 1, left_out: vec![2, 3] });
        let refused = |label, left_out: &[usize]| {
            file.table(&Choice { label, left_out: left_out.to_vec() }).unwrap_err().to_string()
        };
        assert_eq!(refused(2, &[2, 3]), "the label column species cannot be left out");
        assert_eq!(refused(2, &[0, 1, 3]), "every column but the label is left out; a table needs a feature");
        assert_eq!(refused(2, &[4]), "the file has 4 columns; there is no column 5");
    }

    #[test]
    fn a_name_a_spreadsheet_would_run_is_written_inert_and_read_back_as_it_was() {
        let hostile = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-a", "@SUM(A1)"];
        let text: String = (0..12)
            .map(|i| format!("{i}.5,-{i},\"{}\"\n", hostile[i % 4].replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .concat();
        let t = CsvFile::parse("x.csv", &format!("x,=y,label\n{text}")).unwrap().table(&2.into()).unwrap();
        assert_eq!(t.features, ["x", "=y"]);
        let written = t.to_csv();
        assert!(written.starts_with("x,'=y,label\n0.5,-0,\"'=HYPERLINK(\"\"http"), "{written}");
        assert!(
            written.contains(",'+1+1\n") && written.contains(",'-a\n") && written.contains(",'@SUM(A1)\n"),
            "{written}"
        );
        assert_eq!(CsvFile::parse("x.csv", &written).unwrap().table(&2.into()), Ok(t), "read back, the same table");
        assert_eq!(
            (inert("-1.5"), inert("'-a"), inert("-")),
            ("-1.5".into(), "'-a".into(), "'-".into()),
            "a number is no formula"
        );
    }

    #[test]
    fn limits_are_stated_and_held() {
        let big = "1,0\n".repeat(MAX_ROWS + 2);
        assert!(CsvFile::parse("x.csv", &big).unwrap_err().to_string().contains("more than 20000 rows"));
        let too_big = " ".repeat(MAX_FILE_BYTES + 1);
        assert_eq!(CsvFile::parse("x.csv", &too_big), Err(TableError::TooBig));
        for bad in
            ["5x2x3:0", "5x2x3:0000000000000001", "100x2x1:0000000000000001", "100x0x2:0000000000000001", "1x2x3x4:00"]
        {
            assert!(bad.parse::<TableShape>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_split_is_fixed_by_the_file_and_the_features_are_standardised() {
        let t = CsvFile::parse("iris.csv", IRIS_LIKE).unwrap().table(&2.into()).unwrap();
        let (a, b) = (t.dataset(), t.dataset());
        assert_eq!((a.x_train.clone(), a.y_val.clone()), (b.x_train, b.y_val));
        assert_eq!((a.train_len(), a.y_val.len()), (8, 2));
        for j in 0..2 {
            let col = a.x_train.column(j);
            let mean = col.iter().map(|&v| f64::from(v)).sum::<f64>() / 8.0;
            let var = col.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / 8.0;
            assert!(mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-5, "column {j}: mean {mean}, variance {var}");
        }
        // Every row lands in one split, with its label.
        let mut seen: Vec<(u32, usize)> = a
            .x_train
            .rows()
            .into_iter()
            .zip(&a.y_train)
            .chain(a.x_val.rows().into_iter().zip(&a.y_val))
            .map(|(r, &y)| (r[0].to_bits(), y))
            .collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 10);
    }

    #[test]
    fn a_damaged_table_is_refused() {
        let t = CsvFile::parse("iris.csv", IRIS_LIKE).unwrap().table(&2.into()).unwrap();
        let mut moved = t.clone();
        moved.x[0] += 1.0;
        assert!(moved.check().unwrap_err().to_string().contains("digest"));
        let mut short = t.clone();
        short.y.pop();
        assert!(short.check().is_err());
        let mut label = t;
        label.y[0] = 9;
        assert!(label.check().is_err());
    }

    #[test]
    fn a_config_names_its_table_and_trains_only_on_that_table() {
        use crate::RunConfig;
        let t = CsvFile::parse("iris.csv", IRIS_LIKE).unwrap().table(&2.into()).unwrap();
        let word = format!("csv:{}", t.shape);
        let mut c = RunConfig::default();
        assert_eq!(c.set_all([("dataset", word.as_str()), ("hidden", "8"), ("epochs", "2")]), []);
        assert_eq!(c.dataset.table(), Some(t.shape));
        assert!(c.to_params().contains(&("dataset", word.clone())));
        assert_eq!((c.dataset.features(), c.dataset.classes(), c.train_len()), (2, 3, 8));
        // Bare `csv`, a toy set's settings, and the run without its table are refused with a reason.
        let mut bare = RunConfig::default();
        assert!(bare.set("dataset", "csv").unwrap_err().to_string().contains("csv:ROWSxFEATURESxCLASSES:DIGEST"));
        assert!(c.clone().set("n", "200").unwrap_err().to_string().contains("dataset is csv"));
        assert!(c.init().is_err_and(|e| e.to_string().contains("was not given to it")));
        let other = CsvFile::parse("x.csv", &IRIS_LIKE.replace("6.9", "6.8")).unwrap().table(&2.into()).unwrap();
        assert!(c.init_on(Some(&other)).is_err_and(|e| e.to_string().contains("is not the one this run names")));
        let run = || {
            let mut trainer = c.init_on(Some(&t)).unwrap();
            trainer.run(&mut ());
            trainer.summary().unwrap().clone()
        };
        let (a, b) = (run(), run());
        assert!(a.final_val_loss.is_finite());
        assert_eq!(a, b);
    }

    #[test]
    fn a_toy_set_is_edited_point_by_point_into_a_new_table() {
        use crate::{DataSource, DatasetKind, RunConfig};
        let mut c = RunConfig::default();
        assert_eq!(c.set_all([("dataset", "moons"), ("n", "40"), ("noise", "0.1")]), []);
        let t = c.dataset.toy_table(c.seed).unwrap();
        assert_eq!((t.shape.rows, t.shape.features, t.shape.classes, t.check()), (40, 2, 2, Ok(())));
        // Its numbers are the toy set's: the same points, training ones first.
        let d = crate::Dataset::load(&c.dataset, c.seed, None).unwrap();
        assert_eq!(&t.x[..2], d.x_train.row(0).as_slice().unwrap());
        let added = t.with_point(5.0, -5.0, 1).unwrap();
        assert_eq!((added.shape.rows, added.class_counts()), (41, vec![20, 21]));
        assert_ne!(added.shape.digest, t.shape.digest);
        assert!(
            added.name.ends_with(", edited")
                && !added.with_point(0.0, 0.0, 0).unwrap().name.ends_with("edited, edited")
        );
        // Saved as a CSV file and loaded again, it is the same table (the same digest, the same runs).
        let file = CsvFile::parse("points.csv", &added.to_csv()).unwrap();
        let again = file.table(&file.choice(None)).unwrap();
        assert_eq!((again.shape, &again.x, &again.classes), (added.shape, &added.x, &added.classes));
        let back = added.without_point(5.1, -5.0, 0.5, (1.0, 1.0)).unwrap();
        assert_eq!((back.x, back.y), (t.x.clone(), t.y.clone()), "removing it gives the set back");
        assert!(added.without_point(50.0, 50.0, 0.5, (1.0, 1.0)).is_err(), "nothing near");
        assert!(t.with_point(0.0, 0.0, 2).is_err(), "no class 2 in moons");
        let digits = RunConfig::default();
        assert_eq!(digits.dataset.source, DataSource::Named(DatasetKind::Digits));
        assert!(digits.dataset.toy_table(1).is_none());
        let mut big = c.clone();
        big.dataset.points = MAX_ROWS + 1;
        assert!(big.dataset.toy_table(1).is_none(), "too large to edit");
        let iris = CsvFile::parse("iris.csv", IRIS_LIKE).unwrap().table(&2.into()).unwrap();
        assert!(iris.with_point(0.0, 0.0, 0).is_ok());
        let wide = CsvFile::parse(
            "w.csv",
            &IRIS_LIKE
                .replace(",species", ",z,species")
                .replace(",setosa", ",1,setosa")
                .replace(",versicolor", ",1,versicolor")
                .replace(",virginica", ",1,virginica"),
        )
        .unwrap()
        .table(&3.into())
        .unwrap();
        assert!(wide.with_point(0.0, 0.0, 0).unwrap_err().to_string().contains("2 features"));
    }
}
