//! Your own data: a CSV file read into a [`Table`] (numeric features and a label column) within
//! stated limits, and the [`TableShape`] a config names it by (`dataset=csv:150x4x3:…`).
//!
//! A table is split 80/20 by a shuffle seeded from its digest, so every run on the same file trains
//! and validates on the same rows whatever its seed, and its features are standardised with the
//! training rows' mean and standard deviation.

use std::fmt;
use std::str::FromStr;

use ndarray::Array2;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{toy, Dataset};

/// The largest file read, in bytes.
pub const MAX_FILE_BYTES: usize = 8 << 20;
/// Rows (training and validation together).
pub const MIN_ROWS: usize = 10;
pub const MAX_ROWS: usize = 20_000;
pub const MAX_FEATURES: usize = 256;
/// Rows × features: the table's numbers, 4 MB as `f32`.
pub const MAX_CELLS: usize = 1_000_000;
pub const MAX_CLASSES: usize = 50;

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
    #[error("the file is {bytes} bytes; at most {MAX_FILE_BYTES} are read")]
    TooBig { bytes: usize },
    #[error("the file has no rows")]
    Empty,
    #[error("line {line}: {problem}")]
    Line { line: u64, problem: String },
    #[error("{0}")]
    Shape(String),
    #[error("the table is damaged: {0}")]
    Damaged(String),
}

/// A CSV file as read: its column names (from its header, or "column 1", …) and its cells, each
/// row with its line number. Nothing is interpreted until a label column is picked.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvFile {
    pub name: String,
    pub columns: Vec<String>,
    pub has_header: bool,
    rows: Vec<(u64, Vec<String>)>,
}

fn is_number(cell: &str) -> bool {
    cell.parse::<f64>().is_ok_and(f64::is_finite)
}

impl CsvFile {
    /// Reads the cells of a CSV file. The first row is a header when it is all words, or has a word
    /// where the second row has a number.
    pub fn parse(name: &str, text: &str) -> Result<Self, TableError> {
        if text.len() > MAX_FILE_BYTES {
            return Err(TableError::TooBig { bytes: text.len() });
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .comment(Some(b'#'))
            .from_reader(text.as_bytes());
        let mut rows: Vec<(u64, Vec<String>)> = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| TableError::Line {
                line: e.position().map_or(0, csv::Position::line),
                problem: e.to_string(),
            })?;
            let line = record.position().map_or(0, csv::Position::line);
            if record.iter().all(str::is_empty) {
                continue;
            }
            if rows.len() > MAX_ROWS {
                return Err(TableError::Shape(format!("the file has more than {MAX_ROWS} rows")));
            }
            rows.push((line, record.iter().map(str::to_owned).collect()));
        }
        let Some((first_line, first)) = rows.first().cloned() else { return Err(TableError::Empty) };
        let width = first.len();
        if let Some((line, row)) = rows.iter().find(|(_, r)| r.len() != width) {
            return Err(TableError::Line {
                line: *line,
                problem: format!("{} fields, but line {first_line} has {width}", row.len()),
            });
        }
        if width < 2 {
            return Err(TableError::Shape("a table needs at least two columns: features and a label".to_owned()));
        }
        let second = rows.get(1).map(|(_, r)| r.as_slice());
        let has_header = first.iter().all(|c| !is_number(c))
            || second.is_some_and(|s| first.iter().zip(s).any(|(a, b)| !is_number(a) && is_number(b)));
        let columns = if has_header {
            rows.remove(0);
            first
                .iter()
                .enumerate()
                .map(|(i, c)| if c.is_empty() { format!("column {}", i + 1) } else { c.clone() })
                .collect()
        } else {
            (1..=width).map(|i| format!("column {i}")).collect()
        };
        Ok(CsvFile { name: name.to_owned(), columns, has_header, rows })
    }

    /// The label column a person most likely means: the last column of words alone (only a label
    /// can be words; a stray word in a column of numbers is a mistake to report), else the last.
    pub fn default_label(&self) -> usize {
        (0..self.columns.len())
            .rev()
            .find(|&j| self.rows.iter().all(|(_, r)| !is_number(&r[j])))
            .unwrap_or(self.columns.len() - 1)
    }

    /// The table with column `label` as the classes and every other column a feature. A missing or
    /// non-numeric feature is refused with its line; classes are the label column's distinct values.
    pub fn table(&self, label: usize) -> Result<Table, TableError> {
        let width = self.columns.len();
        if label >= width {
            return Err(TableError::Shape(format!("the file has {width} columns; there is no column {}", label + 1)));
        }
        let features = width - 1;
        let shape_error = |what: String| TableError::Shape(what);
        if self.rows.len() < MIN_ROWS {
            return Err(shape_error(format!(
                "the file has {} rows; a table needs at least {MIN_ROWS}",
                self.rows.len()
            )));
        }
        if features > MAX_FEATURES || self.rows.len() * features > MAX_CELLS {
            return Err(shape_error(format!(
                "{} rows × {features} features is too many: at most {MAX_FEATURES} features and {MAX_CELLS} numbers",
                self.rows.len()
            )));
        }
        let mut names: Vec<&str> = self.rows.iter().map(|(_, r)| r[label].as_str()).collect();
        if let Some((line, _)) = self.rows.iter().find(|(_, r)| r[label].is_empty()) {
            return Err(TableError::Line {
                line: *line,
                problem: format!("the label ({}) is missing", self.columns[label]),
            });
        }
        names.sort_unstable();
        names.dedup();
        if names.iter().all(|n| is_number(n)) {
            names.sort_by(|a, b| a.parse::<f64>().unwrap_or(0.0).total_cmp(&b.parse::<f64>().unwrap_or(0.0)));
        }
        let index: std::collections::HashMap<&str, u16> =
            names.iter().enumerate().map(|(i, n)| (*n, i as u16)).collect();
        if !(2..=MAX_CLASSES).contains(&names.len()) {
            return Err(shape_error(format!(
                "the label column {} has {} distinct values; a table has 2 to {MAX_CLASSES} classes",
                self.columns[label],
                names.len()
            )));
        }
        let mut x = Vec::with_capacity(self.rows.len() * features);
        let mut y = Vec::with_capacity(self.rows.len());
        for (line, row) in &self.rows {
            for (j, cell) in row.iter().enumerate().filter(|&(j, _)| j != label) {
                let problem = if cell.is_empty() {
                    format!("{} is missing", self.columns[j])
                } else {
                    match cell.parse::<f32>() {
                        Ok(v) if v.is_finite() => {
                            x.push(v);
                            continue;
                        }
                        _ => format!("{} is “{}”, not a number", self.columns[j], short(cell)),
                    }
                };
                return Err(TableError::Line { line: *line, problem });
            }
            y.push(index[row[label].as_str()]);
        }
        Ok(Table::new(
            &self.name,
            self.columns.iter().enumerate().filter(|&(j, _)| j != label).map(|(_, c)| c.clone()).collect(),
            self.columns[label].clone(),
            names.iter().map(|n| (*n).to_owned()).collect(),
            x,
            y,
        ))
    }
}

fn short(cell: &str) -> String {
    if cell.chars().count() > 20 {
        format!("{}…", cell.chars().take(20).collect::<String>())
    } else {
        cell.to_owned()
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
    /// very table: numbers are written in their shortest form that reads back to the same bits.
    pub fn to_csv(&self) -> String {
        let quote = |s: &str| {
            if s.contains([',', '"', '\n', '\r', '#']) || s.trim() != s || s.is_empty() {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_owned()
            }
        };
        let mut out: String = self.features.iter().chain([&self.label]).map(|c| quote(c)).collect::<Vec<_>>().join(",");
        out.push('\n');
        let f = self.shape.features;
        for (row, &y) in self.x.chunks(f.max(1)).zip(&self.y) {
            for v in row {
                out.push_str(&v.to_string());
                out.push(',');
            }
            out.push_str(&quote(&self.classes[usize::from(y)]));
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

    /// One sentence for people: what was read and how it will be used.
    pub fn summary(&self) -> String {
        let s = self.shape;
        let counts = self.class_counts();
        let classes: Vec<String> = self.classes.iter().zip(&counts).map(|(c, n)| format!("{c} {n}")).collect();
        format!(
            "{}: {} rows, {} features, {} classes of {} ({}). Features standardised on the {} training rows; {} rows validate.",
            self.name,
            s.rows,
            s.features,
            s.classes,
            self.label,
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
        let t = file.table(file.default_label()).unwrap();
        let words_first = CsvFile::parse("x.csv", "kind,x\na,1\nb,2\n").unwrap();
        assert_eq!((file.default_label(), words_first.default_label()), (2, 0), "the column of words");
        assert_eq!(CsvFile::parse("x.csv", "1,2,3\n4,5,6\n").unwrap().default_label(), 2, "else the last");
        assert_eq!((t.shape.rows, t.shape.features, t.shape.classes), (10, 2, 3));
        assert_eq!(t.classes, ["setosa", "versicolor", "virginica"]);
        assert_eq!(t.class_counts(), [4, 3, 3]);
        assert_eq!(t.check(), Ok(()));
        let again = CsvFile::parse("iris.csv", &t.to_csv()).unwrap().table(2).unwrap();
        assert_eq!(again, t, "written and read back, the same table");
        // The digest is of the numbers: another name, the same digest; another number, another.
        let renamed = CsvFile::parse("other.csv", IRIS_LIKE).unwrap().table(2).unwrap();
        assert_eq!(renamed.shape, t.shape);
        let changed = CsvFile::parse("iris.csv", &IRIS_LIKE.replace("6.9", "6.8")).unwrap().table(2).unwrap();
        assert_ne!(changed.shape.digest, t.shape.digest);
        assert_eq!(t.shape.to_string().parse::<TableShape>(), Ok(t.shape));
        assert_eq!(serde_json::to_string(&t.shape).unwrap(), format!("\"{}\"", t.shape));
        assert_eq!(serde_json::from_str::<Table>(&serde_json::to_string(&t).unwrap()).unwrap(), t);
        assert!(t
            .summary()
            .starts_with("iris.csv: 10 rows, 2 features, 3 classes of species (setosa 4, versicolor 3, virginica 3)"));
    }

    #[test]
    fn a_headerless_file_with_word_labels_keeps_its_first_row_and_numeric_labels_sort_as_numbers() {
        let text = IRIS_LIKE.split_once('\n').unwrap().1;
        let file = CsvFile::parse("x.csv", text).unwrap();
        assert!(!file.has_header);
        assert_eq!(file.table(2).unwrap().shape.rows, 10);
        let numeric = (0..12).map(|i| format!("{i}.5,{}\n", [10, 2, 1][i % 3])).collect::<Vec<_>>().concat();
        assert_eq!(CsvFile::parse("n.csv", &numeric).unwrap().table(1).unwrap().classes, ["1", "2", "10"]);
    }

    #[test]
    fn a_bad_cell_is_refused_naming_its_line_and_column() {
        let missing = IRIS_LIKE.replace("6.3,4.9", "6.3,");
        let e = CsvFile::parse("x.csv", &missing).unwrap().table(2).unwrap_err();
        assert_eq!(e.to_string(), "line 4: petal is missing");
        let word = IRIS_LIKE.replace("7.1", "seven");
        let e = CsvFile::parse("x.csv", &word).unwrap().table(2).unwrap_err();
        assert_eq!(e.to_string(), "line 6: sepal is “seven”, not a number");
        let inf = IRIS_LIKE.replace("7.1", "inf");
        assert!(CsvFile::parse("x.csv", &inf).unwrap().table(2).unwrap_err().to_string().starts_with("line 6:"));
        let ragged = IRIS_LIKE.replace("5.8,4.0,versicolor", "5.8,versicolor");
        assert_eq!(CsvFile::parse("x.csv", &ragged).unwrap_err().to_string(), "line 5: 2 fields, but line 1 has 3");
        // Too few rows, one class, one column, nothing: refused, each with its reason.
        assert!(CsvFile::parse("x.csv", "a,b\n1,2\n").unwrap().table(1).is_err());
        let one_class = (0..12).map(|i| format!("{i},a\n")).collect::<Vec<_>>().concat();
        assert!(CsvFile::parse("x.csv", &one_class)
            .unwrap()
            .table(1)
            .unwrap_err()
            .to_string()
            .contains("2 to 50 classes"));
        assert!(CsvFile::parse("x.csv", "1\n2\n").is_err());
        assert_eq!(CsvFile::parse("x.csv", "\n\n"), Err(TableError::Empty));
    }

    #[test]
    fn limits_are_stated_and_held() {
        let big = "1,0\n".repeat(MAX_ROWS + 2);
        assert!(CsvFile::parse("x.csv", &big).unwrap_err().to_string().contains("more than 20000 rows"));
        let too_big = " ".repeat(MAX_FILE_BYTES + 1);
        assert_eq!(CsvFile::parse("x.csv", &too_big), Err(TableError::TooBig { bytes: MAX_FILE_BYTES + 1 }));
        for bad in
            ["5x2x3:0", "5x2x3:0000000000000001", "100x2x1:0000000000000001", "100x0x2:0000000000000001", "1x2x3x4:00"]
        {
            assert!(bad.parse::<TableShape>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_split_is_fixed_by_the_file_and_the_features_are_standardised() {
        let t = CsvFile::parse("iris.csv", IRIS_LIKE).unwrap().table(2).unwrap();
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
        let t = CsvFile::parse("iris.csv", IRIS_LIKE).unwrap().table(2).unwrap();
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
        let t = CsvFile::parse("iris.csv", IRIS_LIKE).unwrap().table(2).unwrap();
        let word = format!("csv:{}", t.shape);
        let mut c = RunConfig::default();
        assert_eq!(c.set_all([("dataset", word.as_str()), ("hidden", "8"), ("epochs", "2")]), []);
        assert_eq!(c.dataset.table, Some(t.shape));
        assert!(c.to_params().contains(&("dataset", word.clone())));
        assert_eq!((c.dataset.features(), c.dataset.classes(), c.train_len()), (2, 3, 8));
        // Bare `csv`, a toy set's settings, and the run without its table are refused with a reason.
        let mut bare = RunConfig::default();
        assert!(bare.set("dataset", "csv").unwrap_err().to_string().contains("csv:ROWSxFEATURESxCLASSES:DIGEST"));
        assert!(c.clone().set("n", "200").unwrap_err().to_string().contains("dataset is csv"));
        assert!(c.init().is_err_and(|e| e.to_string().contains("was not given to it")));
        let other = CsvFile::parse("x.csv", &IRIS_LIKE.replace("6.9", "6.8")).unwrap().table(2).unwrap();
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
        use crate::{DatasetKind, RunConfig};
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
        let again = file.table(file.default_label()).unwrap();
        assert_eq!((again.shape, &again.x, &again.classes), (added.shape, &added.x, &added.classes));
        let back = added.without_point(5.1, -5.0, 0.5, (1.0, 1.0)).unwrap();
        assert_eq!((back.x, back.y), (t.x.clone(), t.y.clone()), "removing it gives the set back");
        assert!(added.without_point(50.0, 50.0, 0.5, (1.0, 1.0)).is_err(), "nothing near");
        assert!(t.with_point(0.0, 0.0, 2).is_err(), "no class 2 in moons");
        let digits = RunConfig::default();
        assert_eq!(digits.dataset.kind, DatasetKind::Digits);
        assert!(digits.dataset.toy_table(1).is_none());
        let mut big = c.clone();
        big.dataset.points = MAX_ROWS + 1;
        assert!(big.dataset.toy_table(1).is_none(), "too large to edit");
        let iris = CsvFile::parse("iris.csv", IRIS_LIKE).unwrap().table(2).unwrap();
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
        .table(3)
        .unwrap();
        assert!(wide.with_point(0.0, 0.0, 0).unwrap_err().to_string().contains("2 features"));
    }
}
