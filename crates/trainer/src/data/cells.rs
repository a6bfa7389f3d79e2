//! A CSV file's text as records of cells, as spreadsheets around the world write it: the encoding
//! checked (UTF-8, never guessed), every line end (LF, CRLF, CR) counted as one line so that messages
//! name the line an editor shows, and the separator (`,` `;` tab) and decimal mark (`.` `,`) detected.
//! Nothing here skips a line: [`super::CsvFile`] decides what each record is.

use std::borrow::Cow;
use std::fmt;

use super::table::TableError;

/// The separators tried, in this order when two read a file equally well.
const SEPARATORS: [u8; 3] = [b',', b';', b'\t'];
/// Records looked at to detect the separator.
const SAMPLE_RECORDS: usize = 100;

/// How a file writes its cells and numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Format {
    /// `,`, `;` or a tab.
    pub separator: u8,
    /// Whether numbers are written `5,1` (only in a file not separated by commas).
    pub decimal_comma: bool,
}

impl Default for Format {
    fn default() -> Self {
        Format { separator: b',', decimal_comma: false }
    }
}

impl Format {
    /// The separator as a person names it.
    pub fn separator_name(self) -> &'static str {
        match self.separator {
            b';' => "`;`",
            b'\t' => "tab",
            _ => "`,`",
        }
    }
}

/// "`;`-separated values with decimal commas".
impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = if self.decimal_comma { "commas" } else { "points" };
        write!(f, "{}-separated values with decimal {mark}", self.separator_name())
    }
}

/// "1 cell", "2 cells".
pub fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The text of a file's bytes: UTF-8 (a UTF-8 byte-order mark is dropped), or refused naming what it
/// looks like instead, since a wrong guess would read other numbers and names than the file holds.
pub fn decode(bytes: &[u8]) -> Result<&str, TableError> {
    let not_utf8 = |looks: &str| TableError::Encoding(format!("the file is not UTF-8 ({looks}); save it as CSV UTF-8"));
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(not_utf8("it looks UTF-16"));
    }
    let head = &bytes[..bytes.len().min(512)];
    if head.len() >= 2 && head.iter().map(|&b| usize::from(b == 0)).sum::<usize>() * 4 >= head.len() {
        return Err(not_utf8("it looks UTF-16"));
    }
    let bytes = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        TableError::Line {
            line: line_at(&bytes[..at]),
            problem: format!(
                "byte {:#04x} is not UTF-8 (the file looks Latin-1 or Windows-1252); save it as CSV UTF-8",
                bytes[at]
            ),
        }
    })?;
    if let Some(at) = text.find('\0') {
        return Err(TableError::Line {
            line: line_at(&bytes[..at]),
            problem: "a NUL byte: the file is not text".to_owned(),
        });
    }
    Ok(text)
}

/// The line (1-based) that follows `before`, counting CRLF, LF and CR each as one line end.
fn line_at(before: &[u8]) -> u64 {
    let ends =
        before.iter().enumerate().filter(|&(i, &b)| b == b'\n' || (b == b'\r' && before.get(i + 1) != Some(&b'\n')));
    1 + ends.count() as u64
}

/// The records of a text, one at a time, each handed out cell by cell (trimmed, a quoted cell
/// unquoted), so that a caller keeps only what it needs: a line of a million commas is counted, not
/// stored.
pub struct Records<'a> {
    text: &'a str,
    pos: usize,
    line: u64,
    separator: u8,
    /// A quoted cell with `""` in it, unescaped.
    scratch: String,
}

impl<'a> Records<'a> {
    pub fn new(text: &'a str, separator: u8) -> Self {
        Records { text, pos: 0, line: 1, separator, scratch: String::new() }
    }

    fn is_blank(&self, b: u8) -> bool {
        b == b' ' || (b == b'\t' && self.separator != b'\t')
    }

    /// Reads the next record, handing `cell` each of its cells; returns the line it starts on and its
    /// number of cells, or `None` after the last. A blank line is a record of one empty cell.
    pub fn next(&mut self, mut cell: impl FnMut(&str)) -> Option<Result<(u64, usize), TableError>> {
        let bytes = self.text.as_bytes();
        if self.pos >= bytes.len() {
            return None;
        }
        let line = self.line;
        let mut cells = 0;
        loop {
            while self.pos < bytes.len() && self.is_blank(bytes[self.pos]) {
                self.pos += 1;
            }
            if bytes.get(self.pos) == Some(&b'"') {
                if let Err(e) = self.quoted() {
                    return Some(Err(e));
                }
                while self.pos < bytes.len() && self.is_blank(bytes[self.pos]) {
                    self.pos += 1;
                }
                if let Some(&b) = bytes.get(self.pos) {
                    if b != self.separator && b != b'\n' && b != b'\r' {
                        return Some(Err(TableError::Line {
                            line: self.line,
                            problem: "text after the closing quote of a quoted cell".to_owned(),
                        }));
                    }
                }
                cell(self.scratch.trim_matches(|c| c == ' ' || c == '\t'));
            } else {
                let start = self.pos;
                while self.pos < bytes.len() && ![self.separator, b'\n', b'\r'].contains(&bytes[self.pos]) {
                    self.pos += 1;
                }
                cell(self.text[start..self.pos].trim_end_matches(|c: char| c.is_ascii() && self.is_blank(c as u8)));
            }
            cells += 1;
            match bytes.get(self.pos) {
                None => return Some(Ok((line, cells))),
                Some(&b) if b == self.separator => self.pos += 1,
                Some(&b) => {
                    self.pos += if b == b'\r' && bytes.get(self.pos + 1) == Some(&b'\n') { 2 } else { 1 };
                    self.line += 1;
                    return Some(Ok((line, cells)));
                }
            }
        }
    }

    /// A quoted cell from its opening quote into `scratch`; its line ends count as lines.
    fn quoted(&mut self) -> Result<(), TableError> {
        let bytes = self.text.as_bytes();
        let opened = self.line;
        self.scratch.clear();
        self.pos += 1;
        let mut from = self.pos;
        loop {
            match bytes.get(self.pos) {
                None => {
                    return Err(TableError::Line {
                        line: opened,
                        problem: "a quote opened on this line is never closed".to_owned(),
                    })
                }
                Some(b'"') if bytes.get(self.pos + 1) == Some(&b'"') => {
                    self.scratch.push_str(&self.text[from..=self.pos]);
                    self.pos += 2;
                    from = self.pos;
                }
                Some(b'"') => {
                    self.scratch.push_str(&self.text[from..self.pos]);
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\r') if bytes.get(self.pos + 1) == Some(&b'\n') => {
                    self.pos += 2;
                    self.line += 1;
                }
                Some(b'\r' | b'\n') => {
                    self.pos += 1;
                    self.line += 1;
                }
                Some(_) => self.pos += 1,
            }
        }
    }
}

/// A cell read as a number, or why not.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    Finite(f32),
    Missing,
    /// `NaN`, `NA`, `null`, `?`: a spreadsheet's or a library's word for a missing value.
    MissingWord,
    /// `inf`, `-Infinity`.
    Infinite,
    /// A number beyond ±3.4e38, the largest a 32-bit float holds.
    TooLarge,
    /// Not a number, though it would be with the other decimal mark.
    OtherMark,
    Text,
}

/// Words that stand for a missing value, in any case.
const MISSING_WORDS: [&str; 6] = ["nan", "na", "n/a", "null", "none", "?"];

/// A cell's text with `.` as its decimal mark, if it is written with the file's mark only.
fn pointed(cell: &str, decimal_comma: bool) -> Option<Cow<'_, str>> {
    if !decimal_comma {
        return (!cell.contains(',')).then_some(Cow::Borrowed(cell));
    }
    match cell.matches(',').count() {
        _ if cell.contains('.') => None,
        0 => Some(Cow::Borrowed(cell)),
        1 => Some(Cow::Owned(cell.replace(',', "."))),
        _ => None,
    }
}

/// Reads a (trimmed) cell as a number written with the file's decimal mark: the bits of
/// `str::parse::<f32>`, correctly rounded.
pub fn number(cell: &str, decimal_comma: bool) -> Number {
    let read = |comma: bool| pointed(cell, comma).and_then(|text| text.parse::<f32>().ok());
    match read(decimal_comma) {
        Some(v) if v.is_finite() => Number::Finite(v),
        Some(v) if v.is_nan() => Number::MissingWord,
        Some(_) if cell.to_ascii_lowercase().contains("inf") => Number::Infinite,
        Some(_) => Number::TooLarge,
        None if cell.is_empty() => Number::Missing,
        None if MISSING_WORDS.iter().any(|w| cell.eq_ignore_ascii_case(w)) => Number::MissingWord,
        None if read(!decimal_comma).is_some_and(f32::is_finite) => Number::OtherMark,
        None => Number::Text,
    }
}

/// A cell as a finite 64-bit number (a label's value), written with the file's decimal mark.
pub fn number64(cell: &str, decimal_comma: bool) -> Option<f64> {
    pointed(cell, decimal_comma)?.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Whether a cell is a name (a header's, a class's): not empty, and no number with either mark,
/// nor a word for a missing or infinite value.
pub fn is_name(cell: &str) -> bool {
    matches!(number(cell, false), Number::Text) && matches!(number(cell, true), Number::Text)
}

/// The separator that reads the first records most consistently: each record as many cells as the
/// first (at least two), then the most cells that are numbers, then the most cells.
pub fn detect_separator(text: &str) -> u8 {
    let mut best = (b',', (false, 0, 0, 0));
    for separator in SEPARATORS {
        let decimal_comma = separator != b',';
        let mut records = Records::new(text, separator);
        let (mut width, mut same, mut numbers, mut all_same) = (0, 0, 0, true);
        for _ in 0..SAMPLE_RECORDS {
            let mut filled = 0;
            let record = records.next(|c| {
                let point = matches!(number(c, false), Number::Finite(_));
                numbers += usize::from(point || (decimal_comma && matches!(number(c, true), Number::Finite(_))));
                filled += usize::from(!c.is_empty());
            });
            match record {
                None => break,
                Some(Err(_)) => {
                    all_same = false;
                    break;
                }
                Some(Ok((_, 1))) if filled == 0 => {} // a blank line
                Some(Ok((_, n))) if width == 0 => (width, same) = (n, 1),
                Some(Ok((_, n))) if n == width => same += 1,
                Some(Ok(_)) => all_same = false,
            }
        }
        let score = (width >= 2 && all_same, same * usize::from(width >= 2), numbers, width);
        if score > best.1 {
            best = (separator, score);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str, separator: u8) -> Vec<(u64, Vec<String>)> {
        let mut records = Records::new(text, separator);
        let mut out = Vec::new();
        loop {
            let mut cells = Vec::new();
            match records.next(|c| cells.push(c.to_owned())) {
                Some(Ok((line, n))) => {
                    assert_eq!(n, cells.len());
                    out.push((line, cells));
                }
                Some(Err(e)) => panic!("{e}"),
                None => return out,
            }
        }
    }

    #[test]
    fn every_line_end_is_one_line_and_quoted_cells_keep_theirs() {
        for end in ["\n", "\r\n", "\r"] {
            let text = format!("a,b{end}1, 2{end}\"x{end}y\",\"say \"\"hi\"\"\"{end}{end}3,4");
            let lines: Vec<u64> = records(&text, b',').iter().map(|r| r.0).collect();
            assert_eq!(lines, [1, 2, 3, 5, 6], "{end:?}");
            assert_eq!(records(&text, b',')[2].1, [format!("x{end}y"), "say \"hi\"".to_owned()]);
        }
        assert_eq!(records("a\t b \tc\n", b'\t')[0].1, ["a", "b", "c"]);
        assert_eq!(records(",,\n", b',')[0].1, ["", "", ""]);
        let mut unclosed = Records::new("a,b\n1,\"2\n3\n", b',');
        unclosed.next(|_| ());
        assert_eq!(
            unclosed.next(|_| ()).unwrap().unwrap_err().to_string(),
            "line 2: a quote opened on this line is never closed"
        );
        let mut after = Records::new("\"a\"b,c\n", b',');
        assert!(after
            .next(|_| ())
            .unwrap()
            .unwrap_err()
            .to_string()
            .starts_with("line 1: text after the closing quote"));
    }

    #[test]
    fn the_separator_and_the_decimal_mark_are_those_that_read_the_file() {
        assert_eq!(detect_separator("a,b,c\n1.5,2,x\n"), b',');
        assert_eq!(detect_separator("a;b;c\n1,5;2;x\n"), b';');
        assert_eq!(detect_separator("5,1;3,5;x\n4,9;3,0;y\n"), b';', "headerless, decimal commas");
        assert_eq!(detect_separator("a\tb\n1,5\t2\n"), b'\t');
        assert_eq!(detect_separator("1.5,2.5,a;b\n1,2,c;d\n"), b',', "a `;` inside a text column");
        assert_eq!(detect_separator("one\ntwo\n"), b',', "nothing separates: the default");
        assert_eq!(number("5,1", true), Number::Finite(5.1));
        assert_eq!(number("5,1", false), Number::OtherMark);
        assert_eq!(number("5.1", true), Number::OtherMark);
        assert_eq!(number("1.000,5", true), Number::Text);
        assert_eq!(number("3.5e38", false), Number::TooLarge);
        assert_eq!(number("3.4e38", false), Number::Finite(3.4e38));
        assert_eq!(
            (number("-Infinity", false), number("NaN", false), number("NA", false)),
            (Number::Infinite, Number::MissingWord, Number::MissingWord)
        );
        assert_eq!((number("", false), number("seven", false)), (Number::Missing, Number::Text));
        assert!(is_name("species") && is_name("#a") && !is_name("5,1") && !is_name("nan") && !is_name(""));
    }

    #[test]
    fn a_file_that_is_not_utf8_is_refused_naming_what_it_looks_like() {
        let utf16: Vec<u8> = "a,b\n1,2\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        for bytes in [utf16.clone(), [&[0xff, 0xfe][..], &utf16].concat()] {
            assert!(decode(&bytes).unwrap_err().to_string().contains("not UTF-8 (it looks UTF-16)"));
        }
        assert_eq!(
            decode(b"a,b\r\n1,2\r\ncaf\xe9,3\n").unwrap_err().to_string(),
            "line 3: byte 0xe9 is not UTF-8 (the file looks Latin-1 or Windows-1252); save it as CSV UTF-8"
        );
        assert_eq!(decode(b"\xef\xbb\xbfa,b\n"), Ok("a,b\n"), "a byte-order mark is dropped");
        assert!(decode(b"a,b\n1,\0\n").unwrap_err().to_string().starts_with("line 2: a NUL byte"));
    }
}
