//! EncodeOptions reach tabllm_encode_params as they should: paper encodings
//! through the safe crate reproduce the authors' own outputs byte for byte
//! (tests/data/paper-goldens; the Python suite walks the whole manifest).
use std::path::PathBuf;

use tabllm::{EncodeOptions, Encoding, ReadOptions, Table};

fn goldens() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../tests/data/paper-goldens")
}

fn check(input: &str, golden: &str, opts: EncodeOptions) {
    let t = Table::load(goldens().join("inputs").join(input), &ReadOptions::new()).unwrap();
    let want = std::fs::read_to_string(goldens().join("golden").join(golden)).unwrap();
    assert_eq!(t.encode(&opts).unwrap(), want, "{}", golden);
}

#[test]
fn tabula_prompts_per_table_and_per_row() {
    let e = |n: &str| Encoding::from_name(n).unwrap();
    let labels = ["versicolor", "setosa", "virginica"];
    check("r_iris.csv", "r_iris.tabula.txt", EncodeOptions::new(e("tabula")).target("Species").labels(&labels));
    check(
        "r_iris.csv",
        "r_iris.tabula_html.r03.txt",
        EncodeOptions::new(e("tabula-html")).target("Species").labels(&labels).row(3),
    );
    check("r_airquality.csv", "r_airquality.tabula_json.txt", EncodeOptions::new(e("tabula-json")).target("Month").labels(&["7", "9", "8", "5", "6"]));
}

#[test]
fn table_meets_llm_with_partition_marks_and_grammar() {
    let opts = EncodeOptions::new(Encoding::from_name("tp-markdown").unwrap())
        .title("Golden test table")
        .context("This table is used for libtabllm conformance tests.")
        .caption("First rows of a held-out CSV file.")
        .partition_marks()
        .grammar();
    check("r_airquality.csv", "r_airquality.tp_markdown.marks.grammar.txt", opts);
}

#[test]
fn cabinet_tapex_with_a_question() {
    let opts = EncodeOptions::new(Encoding::from_name("cabinet-tapex").unwrap()).question("Which species has the widest sepal?");
    check("r_iris.csv", "r_iris.cabinet_tapex.txt", opts);
}
