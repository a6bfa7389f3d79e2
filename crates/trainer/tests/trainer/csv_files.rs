//! A test file for each way a person's CSV file differs from the plain one (issue 23's table): each
//! is read as its separator and decimal mark say, into the very same table, and says how it was read.

use std::path::PathBuf;

use batchlab_trainer::data::CsvFile;

/// The test files (`tests/data/`, the same 12 flowers in each) and how each is read.
const READ: [(&str, &str); 5] = [
    ("semicolon.csv", "Read as `;`-separated values with decimal points and a header row."),
    ("decimal-comma.csv", "Read as `;`-separated values with decimal commas and a header row."),
    ("tab.csv", "Read as tab-separated values with decimal commas and a header row."),
    ("comment-column.csv", "Read as `,`-separated values with decimal points and a header row; left out: comment."),
    // `;`, decimal commas, a comment column, CRLF line ends and a UTF-8 byte-order mark, as a
    // spreadsheet in much of the world saves "CSV UTF-8".
    ("combined.csv", "Read as `;`-separated values with decimal commas and a header row; left out: comment."),
];

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)).unwrap()
}

#[test]
fn each_kind_of_file_is_read_into_the_same_table_and_says_how() {
    let mut shapes = Vec::new();
    for (name, how) in READ {
        let file = CsvFile::read(name, &bytes(name)).unwrap();
        let choice = file.choice(None);
        assert_eq!(file.reading(&choice), how, "{name}");
        let t = file.table(&choice).unwrap();
        assert_eq!(
            (t.features.join(","), t.label.as_str()),
            ("sepal_length,sepal_width,petal_length".to_owned(), "species")
        );
        assert_eq!(
            (t.classes.join(","), t.class_counts()),
            ("setosa,versicolor,virginica".to_owned(), vec![4, 4, 4]),
            "{name}"
        );
        shapes.push(t.shape);
    }
    assert!(shapes.iter().all(|s| *s == shapes[0]), "the same numbers whatever the spreadsheet's locale: {shapes:?}");
}

#[test]
fn a_crlf_file_names_the_line_an_editor_shows() {
    let refusal = |bytes: &[u8]| {
        let file = CsvFile::read("crlf.csv", bytes).unwrap();
        file.table(&file.choice(None)).unwrap_err().to_string()
    };
    let crlf = bytes("crlf.csv");
    assert_eq!(refusal(&crlf), "line 5: petal_length is missing");
    let lf = String::from_utf8(crlf).unwrap().replace("\r\n", "\n");
    assert_eq!(refusal(lf.as_bytes()), "line 5: petal_length is missing");
}
