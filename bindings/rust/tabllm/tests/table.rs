//! The safe Table API against the real library.
use std::sync::{Arc, Mutex};

use tabllm::{CellType, ColumnKind, EncodeOptions, Encoding, JsonOrient, RaggedPolicy, ReadOptions, RowSampling, Status, Table, TableFormat};

const PEOPLE: &[u8] = b"name,age,height,member,joined\nAda,36,1.65,true,2021-03-04\nLinus,,1.8,false,2020-01-01\nGrace,85,1.52,TRUE,2019-12-31\n";

#[test]
fn read_and_inspect() {
    let t = Table::from_bytes(PEOPLE, &ReadOptions::new()).unwrap();
    assert_eq!(t.columns(), ["name", "age", "height", "member", "joined"]);
    assert_eq!((t.n_rows(), t.n_columns()), (3, 5));
    let c = t.cell(0, 1).unwrap();
    assert_eq!((c.text(), c.cell_type(), c.as_i64()), ("36", CellType::INT, Some(36)));
    assert!(t.cell(1, 1).unwrap().is_missing());
    assert_eq!(t.cell(1, 1).unwrap().as_str(), None);
    assert_eq!(t.cell(0, 2).unwrap().as_f64(), Some(1.65));
    assert_eq!(t.cell(2, 3).unwrap().as_bool(), Some(true));
    assert_eq!(t.cell(0, 0).unwrap().cell_type(), CellType::TEXT);
    assert!(t.cell(3, 0).is_none() && t.cell(0, 5).is_none());
    assert_eq!(t.column_kind(1), Some(ColumnKind::INTEGER));
    assert_eq!(t.column_kind(4), Some(ColumnKind::DATE));
    assert_eq!(t.column_kind(9), None);
    assert_eq!(t.column_index("height"), Some(2));
    let row: Vec<&str> = t.row(2).unwrap().iter().map(|c| c.text()).collect();
    assert_eq!(row, ["Grace", "85", "1.52", "TRUE", "2019-12-31"]);
    assert!(t.row(3).is_none());
    assert_eq!(format!("{:?}", t), "Table(3 rows x 5 columns)");
}

#[test]
fn load_from_a_file() {
    let dir = std::env::temp_dir().join(format!("tabllm-rs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("people.csv");
    std::fs::write(&path, PEOPLE).unwrap();
    let t = Table::load(&path, &ReadOptions::new()).unwrap();
    assert_eq!(t.n_rows(), 3);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn read_options() {
    let t = Table::from_bytes(b"1;2\n3;4\n", &ReadOptions::new().delimiter(b';').no_header()).unwrap();
    assert_eq!(t.columns(), ["0", "1"]);
    assert_eq!(t.cell(1, 1).unwrap().text(), "4");
    let t = Table::from_bytes(b"a,b\n1\n1,2,3\n", &ReadOptions::new().ragged(RaggedPolicy::TRUNCATE)).unwrap();
    assert_eq!(t.cell(1, 1).unwrap().text(), "2");
    let html = b"<table><tr><th>x</th></tr></table><table><tr><th>y</th></tr></table>";
    let t = Table::from_bytes(html, &ReadOptions::new().format(TableFormat::HTML).table_index(1)).unwrap();
    assert_eq!(t.columns(), ["y"]);
    let e = Table::from_bytes(b"a,b\n1,2\n", &ReadOptions::new().max_cells(1)).unwrap_err();
    assert_eq!(e.status(), Status::LimitExceeded);
}

#[test]
fn errors_carry_status_and_message() {
    let e = Table::load("/nonexistent/x.csv", &ReadOptions::new()).unwrap_err();
    assert_eq!(e.status(), Status::Io);
    assert_eq!(e.code(), 3);
    assert!(e.message().contains("/nonexistent/x.csv"), "{}", e);
    assert!(e.to_string().ends_with("[input/output error]"), "{}", e);
    assert_eq!(tabllm::last_error(), e.message());

    let e = Table::from_bytes(b"a,b\n1,2\n3,4,5\n", &ReadOptions::new().ragged(RaggedPolicy::ERROR)).unwrap_err();
    assert_eq!(e.status(), Status::TableShape);
    assert!(e.message().contains(":3:"), "{}", e);

    let e = Table::from_bytes(b"a,b\n1,\xff\n", &ReadOptions::new()).unwrap_err();
    assert_eq!(e.status(), Status::InvalidUtf8);

    let e = Table::from_bytes(b"[{\"a\": 1}, {", &ReadOptions::new().format(TableFormat::JSON)).unwrap_err();
    assert_eq!(e.status(), Status::Format);

    let mut t = Table::new(&["a"]).unwrap();
    let e = t.append_row(&[Some("1"), Some("2")]).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument);
    let e = t.append_row(&[Some("nul\0inside")]).unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument);
    assert!(e.message().contains("NUL"));

    let e = Encoding::from_name("no-such-encoding").unwrap_err();
    assert_eq!(e.status(), Status::NotFound);
    let e = t.encode(&EncodeOptions::new(Encoding::MARKDOWN).columns(&["zzz"])).unwrap_err();
    assert_eq!(e.status(), Status::NotFound);
    assert!(e.message().contains("zzz"));
    assert_eq!(Status::from_raw(4242), Status::Other(4242));
    assert_eq!(Status::Other(4242).as_raw(), 4242);
}

fn numbers(n: usize) -> Table {
    let mut t = Table::new(&["n", "s"]).unwrap();
    for i in 0..n {
        t.append_row(&[Some(i.to_string()), Some(format!("r{}", i))]).unwrap();
    }
    t
}

#[test]
fn encode_options_reach_the_library() {
    let t = numbers(10);
    let csv = |o: EncodeOptions| t.encode(&o).unwrap();
    assert_eq!(csv(EncodeOptions::new(Encoding::CSV).rows(&[3, 1])), "n,s\n3,r3\n1,r1\n");
    assert_eq!(csv(EncodeOptions::new(Encoding::CSV).sampling(RowSampling::HEAD, 2)), "n,s\n0,r0\n1,r1\n");
    assert_eq!(csv(EncodeOptions::new(Encoding::CSV).columns(&["s"]).rows(&[0])), "s\nr0\n");
    let a = csv(EncodeOptions::new(Encoding::CSV).sampling(RowSampling::RANDOM, 3).seed(7));
    assert_eq!(a, csv(EncodeOptions::new(Encoding::CSV).sampling(RowSampling::RANDOM, 3).seed(7)));
    assert_eq!(a.lines().count(), 4);
    let one = csv(EncodeOptions::new(Encoding::TEMPLATE).template("{s} is {n}").row(2));
    assert!(one.starts_with("r2 is 2"), "{}", one);
    let json = csv(EncodeOptions::new(Encoding::JSON).json_orient(JsonOrient::SPLIT).rows(&[0]));
    assert!(json.contains("\"columns\""), "{}", json);
    assert_eq!(Encoding::from_name("markdown").unwrap(), Encoding::MARKDOWN);
    assert_eq!(Encoding::MARKDOWN.cli_name(), Some("markdown"));
    assert_eq!(format!("{:?}", Encoding::MARKDOWN), "Encoding::MARKDOWN");
    assert_eq!(format!("{:?}", Encoding(9999)), "Encoding(9999)");
}

#[test]
fn token_budget_with_a_rust_counter() {
    let t = numbers(50);
    let calls = Mutex::new(0usize);
    let count = |s: &str| {
        *calls.lock().unwrap() += 1;
        s.split_whitespace().count()
    };
    let out = t.encode(&EncodeOptions::new(Encoding::CSV).token_budget(10, &count)).unwrap();
    assert!(out.split_whitespace().count() <= 10 && out.starts_with("n,s\n"));
    assert!(*calls.lock().unwrap() > 0);
    let e = t.encode(&EncodeOptions::new(Encoding::CSV).token_budget(1, &|_| 1000)).unwrap_err();
    assert_eq!(e.status(), Status::LimitExceeded);
}

#[test]
fn a_panicking_counter_panics_after_the_call() {
    let t = numbers(5);
    let r = std::panic::catch_unwind(|| {
        let boom = |_: &str| -> usize { panic!("from the counter") };
        let _ = t.encode(&EncodeOptions::new(Encoding::CSV).token_budget(3, &boom));
    });
    let payload = r.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"from the counter"));
    // The table is still fine.
    assert_eq!(t.n_rows(), 5);
}

#[test]
fn logger_receives_messages() {
    let got: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    tabllm::set_logger(move |_level, msg| sink.lock().unwrap().push(msg.to_string()), tabllm::LogLevel::DEBUG);
    let t = numbers(50);
    let words = |s: &str| s.split_whitespace().count();
    t.encode(&EncodeOptions::new(Encoding::CSV).token_budget(10, &words)).unwrap();
    tabllm::clear_logger();
    let n = got.lock().unwrap().len();
    assert!(n > 0);
    t.encode(&EncodeOptions::new(Encoding::CSV).token_budget(10, &words)).unwrap();
    assert_eq!(got.lock().unwrap().len(), n);
}

#[test]
fn tables_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Table>();
    let t = Arc::new(numbers(100));
    let want = t.encode(&EncodeOptions::new(Encoding::MARKDOWN)).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let t = t.clone();
            std::thread::spawn(move || t.encode(&EncodeOptions::new(Encoding::MARKDOWN)).unwrap())
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), want);
    }
    let moved = numbers(3);
    assert_eq!(std::thread::spawn(move || moved.n_rows()).join().unwrap(), 3);
}

#[test]
fn version_and_abi() {
    assert_eq!(tabllm::version().as_bytes(), &tabllm::sys::TABLLM_VERSION_STRING[..5]);
    assert_eq!(tabllm::version_number(), tabllm::sys::TABLLM_VERSION_NUMBER);
    assert_eq!(tabllm::abi_version(), tabllm::ABI_VERSION);
    tabllm::check_abi().unwrap();
    assert_eq!(tabllm::status_string(0), "ok");
}
