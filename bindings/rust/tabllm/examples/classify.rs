//! Classifies the rows of a CSV with the demo model and its LoRA adapter:
//! each row becomes a TabuLa-8B prompt and each label is scored by its
//! log-probability after it (`predict`).
//!
//!     cargo run --example classify -- [DEMO_DIR [CSV [N_ROWS]]]
use tabllm::*;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let demo = args.get(1).map_or("examples/demo", |s| s.as_str());
    let csv = args
        .get(2)
        .cloned()
        .unwrap_or_else(|| format!("{demo}/data/biopsy-test.csv"));
    let model = Model::load(format!("{demo}/model"), &ModelOptions::new())?;
    let tok = Tokenizer::load(format!("{demo}/model"))?;
    let table = Table::load(&csv, &ReadOptions::new())?;
    let adapter = Adapter::load(&model, format!("{demo}/adapter-biopsy"), &AdapterOptions::new())?;
    let n = args
        .get(3)
        .and_then(|s| s.parse().ok())
        .unwrap_or(usize::MAX)
        .min(table.n_rows());
    let rows: Vec<usize> = (0..n).collect();
    let options = PredictOptions::new("class")
        .labels(&["benign", "malignant"])
        .rows(&rows)
        .adapters(&[(&adapter, 1.0)])
        .n_threads(2);
    let result = predict(&model, &tok, &table, &options)?;
    let (probs, class) = (result.probs(Scoring::SUM).unwrap_or(&[]), table.column_index("class"));
    for (i, label) in result.predicted(Scoring::SUM).iter().enumerate() {
        let row = result.table_row(i).unwrap_or(i);
        let p = probs[2 * i..2 * i + 2].iter().cloned().fold(0.0, f64::max);
        let truth = class.and_then(|c| table.cell(row, c)).map_or("?", |c| c.text());
        println!("row {row:3}  {label:<9}  p={p:.4}  (true: {truth})");
    }
    if let Some(accuracy) = result.accuracy(Scoring::SUM) {
        println!("accuracy {accuracy:.3} on {} rows", result.n_rows());
    }
    Ok(())
}
