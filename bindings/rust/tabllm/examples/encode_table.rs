//! Reads a table and encodes it: Markdown of the first rows, a prompt per row
//! from a template, and the rows most relevant to a question.
//!
//!     cargo run --example encode_table -- [file.csv]
use tabllm::{EncodeOptions, Encoding, ReadOptions, RowSampling, Table};

fn main() -> Result<(), tabllm::Error> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "examples/data/cities.csv".to_string());
    let table = Table::load(&path, &ReadOptions::new())?;
    println!("{}: {} rows, {} columns", path, table.n_rows(), table.n_columns());
    for c in 0..table.n_columns() {
        let kind = table.column_kind(c).and_then(|k| k.name()).unwrap_or("?");
        println!("  {:<22} {}", table.column_name(c).unwrap_or(""), kind.to_lowercase());
    }
    println!();
    print!("{}", table.encode(&EncodeOptions::new(Encoding::MARKDOWN).sampling(RowSampling::HEAD, 3))?);
    let template = "{city} ({country}) has {population_millions} million people.";
    println!("{}", table.encode(&EncodeOptions::new(Encoding::TEMPLATE).template(template).row(1))?);
    let relevant = EncodeOptions::new(Encoding::CSV)
        .question("Which cities are in India?")
        .sampling(RowSampling::RELEVANT, 2);
    print!("{}", table.encode(&relevant)?);

    // The most populous city, from typed cells.
    let pop = table.column_index("population_millions").expect("a population column");
    let largest = (0..table.n_rows())
        .filter_map(|r| Some((table.cell(r, pop)?.as_f64()?, table.cell(r, 0)?.text())))
        .fold(None, |best: Option<(f64, &str)>, x| match best {
            Some(b) if b.0 >= x.0 => Some(b),
            _ => Some(x),
        });
    println!("largest: {}", largest.map(|x| x.1).unwrap_or("-"));
    Ok(())
}
