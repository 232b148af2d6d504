//! Tables: read CSV/TSV/HTML/JSON/XLSX or build one from Rust data, look at
//! cells, encode as text (tabllm.h section 2).
use std::any::Any;
use std::ffi::CString;
use std::marker::PhantomData;
use std::mem::{size_of, MaybeUninit};
use std::os::raw::{c_char, c_void};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::Path;
use std::ptr::{self, NonNull};
use std::sync::Mutex;

use tabllm_sys as sys;

use crate::error::{check, Error, Result, Status};
use crate::generated::{CellRendering, CellType, ColumnKind, Encoding, JsonOrient, RaggedPolicy, RowSampling, TableFormat};
use crate::util::{borrowed_str, cstring, opt_cstring, opt_ptr, path_cstring, take_string};

/// A table: column names and rows of cells that keep the exact text they were
/// written with, each typed from that text.
///
/// Immutable once built (only [`append_row`](Table::append_row), which takes
/// `&mut self`, changes it), so it is `Send` and `Sync` as the C library allows.
///
/// ```
/// use tabllm::{Table, ReadOptions, EncodeOptions, Encoding};
/// let t = Table::from_bytes(b"city,pop\nOslo,0.7\nLima,10.1\n", &ReadOptions::new())?;
/// assert_eq!(t.columns(), ["city", "pop"]);
/// assert_eq!(t.cell(1, 0).unwrap().text(), "Lima");
/// let md = t.encode(&EncodeOptions::new(Encoding::MARKDOWN))?;
/// assert!(md.starts_with("| city | pop |"));
/// # Ok::<(), tabllm::Error>(())
/// ```
pub struct Table {
    ptr: NonNull<sys::tabllm_table>,
}

// SAFETY: tabllm.h: "immutable once loaded or built; may be shared by threads".
// The only mutating call, append_row, needs &mut self.
unsafe impl Send for Table {}
unsafe impl Sync for Table {}

impl Drop for Table {
    fn drop(&mut self) {
        // SAFETY: the pointer came from the library and is freed once, here.
        unsafe { sys::tabllm_table_free(self.ptr.as_ptr()) }
    }
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Table({} rows x {} columns)", self.n_rows(), self.n_columns())
    }
}

/// How a table is read (`tabllm_table_read_params`). Unset options keep the
/// library's defaults.
///
/// ```
/// use tabllm::{ReadOptions, RaggedPolicy};
/// let opts = ReadOptions::new().delimiter(b';').no_header().ragged(RaggedPolicy::PAD);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    format: Option<TableFormat>,
    delimiter: Option<u8>,
    no_header: bool,
    ragged: Option<RaggedPolicy>,
    table_index: Option<u32>,
    sheet_index: Option<i32>,
    sheet_name: Option<String>,
    max_input_bytes: Option<u64>,
    max_cells: Option<u64>,
    max_columns: Option<u64>,
    max_field_bytes: Option<u64>,
}

impl ReadOptions {
    /// The defaults: format from the extension or sniffed, delimiter sniffed,
    /// a header row, pandas' policy for ragged rows.
    pub fn new() -> ReadOptions {
        ReadOptions::default()
    }
    /// The file format (default: from the file name, else sniffed).
    pub fn format(mut self, format: TableFormat) -> Self {
        self.format = Some(format);
        self
    }
    /// The CSV field separator (default: sniffed among `,` `;` TAB `|`).
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = Some(delimiter);
        self
    }
    /// The first row is data; columns are named "0", "1", ...
    pub fn no_header(mut self) -> Self {
        self.no_header = true;
        self
    }
    /// What to do with rows of another length than the header.
    pub fn ragged(mut self, policy: RaggedPolicy) -> Self {
        self.ragged = Some(policy);
        self
    }
    /// HTML: which `<table>`, in document order.
    pub fn table_index(mut self, index: u32) -> Self {
        self.table_index = Some(index);
        self
    }
    /// XLSX: the sheet by 0-based index.
    pub fn sheet_index(mut self, index: i32) -> Self {
        self.sheet_index = Some(index);
        self
    }
    /// XLSX: the sheet by name.
    pub fn sheet_name(mut self, name: &str) -> Self {
        self.sheet_name = Some(name.to_string());
        self
    }
    /// Refuse inputs larger than this many bytes.
    pub fn max_input_bytes(mut self, n: u64) -> Self {
        self.max_input_bytes = Some(n);
        self
    }
    /// Refuse tables with more cells.
    pub fn max_cells(mut self, n: u64) -> Self {
        self.max_cells = Some(n);
        self
    }
    /// Refuse tables with more columns.
    pub fn max_columns(mut self, n: u64) -> Self {
        self.max_columns = Some(n);
        self
    }
    /// Refuse longer fields (one cell's text).
    pub fn max_field_bytes(mut self, n: u64) -> Self {
        self.max_field_bytes = Some(n);
        self
    }

    /// The C struct, and the string it points to (keep it alive with it).
    fn to_c(&self) -> Result<(sys::tabllm_table_read_params, Option<CString>)> {
        let mut p = MaybeUninit::<sys::tabllm_table_read_params>::zeroed();
        // SAFETY: init writes every field of a struct of the size given.
        check(unsafe { sys::tabllm_table_read_params_init(p.as_mut_ptr(), size_of::<sys::tabllm_table_read_params>()) })?;
        let mut p = unsafe { p.assume_init() };
        let sheet = opt_cstring(self.sheet_name.as_deref(), "sheet name")?;
        if let Some(f) = self.format {
            p.format = f.0;
        }
        if let Some(d) = self.delimiter {
            p.delimiter = u32::from(d);
        }
        if self.no_header {
            p.flags |= sys::TABLLM_READ_NO_HEADER;
        }
        if let Some(r) = self.ragged {
            p.ragged_policy = r.0;
        }
        if let Some(i) = self.table_index {
            p.table_index = i;
        }
        if let Some(i) = self.sheet_index {
            p.sheet_index = i;
        }
        p.sheet_name = opt_ptr(&sheet);
        if let Some(n) = self.max_input_bytes {
            p.max_input_bytes = n;
        }
        if let Some(n) = self.max_cells {
            p.max_cells = n;
        }
        if let Some(n) = self.max_columns {
            p.max_columns = n;
        }
        if let Some(n) = self.max_field_bytes {
            p.max_field_bytes = n;
        }
        Ok((p, sheet))
    }
}

/// One cell, borrowed from its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell<'t> {
    text: &'t str,
    cell_type: CellType,
}

impl<'t> Cell<'t> {
    /// The text exactly as written ("" for a missing cell).
    pub fn text(&self) -> &'t str {
        self.text
    }
    /// The type read from the text.
    pub fn cell_type(&self) -> CellType {
        self.cell_type
    }
    /// True for a missing cell.
    pub fn is_missing(&self) -> bool {
        self.cell_type == CellType::NULL
    }
    /// The text, or None for a missing cell.
    pub fn as_str(&self) -> Option<&'t str> {
        if self.is_missing() {
            None
        } else {
            Some(self.text)
        }
    }
    /// The value of an INT cell.
    pub fn as_i64(&self) -> Option<i64> {
        if self.cell_type == CellType::INT {
            self.text.trim_start_matches('+').parse().ok()
        } else {
            None
        }
    }
    /// The value of an INT or FLOAT cell.
    pub fn as_f64(&self) -> Option<f64> {
        if self.cell_type == CellType::INT || self.cell_type == CellType::FLOAT {
            self.text.parse().ok()
        } else {
            None
        }
    }
    /// The value of a BOOL cell ("true"/"false" in any case).
    pub fn as_bool(&self) -> Option<bool> {
        if self.cell_type == CellType::BOOL {
            Some(self.text.eq_ignore_ascii_case("true"))
        } else {
            None
        }
    }
}

fn cstring_array<S: AsRef<str>>(items: &[Option<S>], what: &str) -> Result<(Vec<Option<CString>>, Vec<*const c_char>)> {
    let owned = items
        .iter()
        .map(|s| opt_cstring(s.as_ref().map(|s| s.as_ref()), what))
        .collect::<Result<Vec<_>>>()?;
    let ptrs = owned.iter().map(opt_ptr).collect();
    Ok((owned, ptrs))
}

impl Table {
    fn from_out(out: *mut sys::tabllm_table) -> Result<Table> {
        NonNull::new(out)
            .map(|ptr| Table { ptr })
            .ok_or_else(|| Error::new(Status::Internal, "the library returned TABLLM_OK and no table"))
    }

    /// Reads a table from a file.
    ///
    /// Fails with [`Status::Io`], [`Status::Format`] (with line:column),
    /// [`Status::InvalidUtf8`], [`Status::TableShape`], [`Status::LimitExceeded`],
    /// [`Status::NotFound`] and the library's message.
    pub fn load(path: impl AsRef<Path>, options: &ReadOptions) -> Result<Table> {
        let path = path_cstring(path.as_ref())?;
        let (p, _sheet) = options.to_c()?;
        let mut out = ptr::null_mut();
        // SAFETY: valid C strings and struct; out receives the table.
        check(unsafe { sys::tabllm_table_load(path.as_ptr(), &p, &mut out) })?;
        Table::from_out(out)
    }

    /// Reads a table from bytes (copied). XLSX needs an explicit format.
    pub fn from_bytes(data: &[u8], options: &ReadOptions) -> Result<Table> {
        let (p, _sheet) = options.to_c()?;
        let mut out = ptr::null_mut();
        // SAFETY: data is valid for data.len() bytes during the call.
        check(unsafe { sys::tabllm_table_from_memory(data.as_ptr() as *const c_void, data.len(), &p, &mut out) })?;
        Table::from_out(out)
    }

    /// An empty table with these column names, to fill with
    /// [`append_row`](Table::append_row).
    ///
    /// ```
    /// let mut t = tabllm::Table::new(&["name", "age"])?;
    /// t.append_row(&[Some("Ada"), Some("36")])?;
    /// t.append_row(&[Some("Linus"), None])?;
    /// assert_eq!(t.n_rows(), 2);
    /// assert!(t.cell(1, 1).unwrap().is_missing());
    /// assert_eq!(t.cell(0, 1).unwrap().as_i64(), Some(36));
    /// # Ok::<(), tabllm::Error>(())
    /// ```
    pub fn new<S: AsRef<str>>(columns: &[S]) -> Result<Table> {
        let names: Vec<Option<&str>> = columns.iter().map(|s| Some(s.as_ref())).collect();
        let (_owned, ptrs) = cstring_array(&names, "column name")?;
        let mut out = ptr::null_mut();
        // SAFETY: ptrs holds columns.len() valid C strings.
        check(unsafe { sys::tabllm_table_new(ptrs.as_ptr(), ptrs.len(), &mut out) })?;
        Table::from_out(out)
    }

    /// Appends a row of cells given as text (None for a missing cell); each
    /// is typed as a reader would type it.
    pub fn append_row<S: AsRef<str>>(&mut self, cells: &[Option<S>]) -> Result<()> {
        let (_owned, ptrs) = cstring_array(cells, "cell")?;
        // SAFETY: &mut self: no other thread uses the table during the call.
        check(unsafe { sys::tabllm_table_append_row(self.ptr.as_ptr(), ptrs.as_ptr(), ptrs.len()) })
    }

    /// Number of data rows (the header is not a row).
    pub fn n_rows(&self) -> usize {
        unsafe { sys::tabllm_table_n_rows(self.ptr.as_ptr()) }
    }

    /// Number of columns.
    pub fn n_columns(&self) -> usize {
        unsafe { sys::tabllm_table_n_columns(self.ptr.as_ptr()) }
    }

    /// A column's name; None when out of range.
    pub fn column_name(&self, column: usize) -> Option<&str> {
        // SAFETY: the name lives as long as the table, which &self borrows.
        unsafe { borrowed_str(sys::tabllm_table_column_name(self.ptr.as_ptr(), column)) }
    }

    /// All column names.
    pub fn columns(&self) -> Vec<&str> {
        (0..self.n_columns()).filter_map(|c| self.column_name(c)).collect()
    }

    /// The index of the first column with this name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        (0..self.n_columns()).find(|&c| self.column_name(c) == Some(name))
    }

    /// A cell; None when row or column is out of range.
    pub fn cell(&self, row: usize, column: usize) -> Option<Cell<'_>> {
        let mut len = 0usize;
        let mut kind: sys::tabllm_cell_type = 0;
        // SAFETY: the text lives as long as the table, which &self borrows.
        let p = unsafe { sys::tabllm_table_cell(self.ptr.as_ptr(), row, column, &mut len, &mut kind) };
        if p.is_null() {
            return None;
        }
        let bytes = unsafe { std::slice::from_raw_parts(p as *const u8, len) };
        // The library validates every input as UTF-8 before it becomes a cell.
        let text = std::str::from_utf8(bytes).expect("libtabllm returned a cell that is not UTF-8");
        Some(Cell { text, cell_type: CellType(kind) })
    }

    /// A row's cells; None when out of range.
    pub fn row(&self, row: usize) -> Option<Vec<Cell<'_>>> {
        if row >= self.n_rows() {
            return None;
        }
        (0..self.n_columns()).map(|c| self.cell(row, c)).collect()
    }

    /// What a column holds, inferred from all its cells; None when out of range.
    pub fn column_kind(&self, column: usize) -> Option<ColumnKind> {
        if column >= self.n_columns() {
            return None;
        }
        Some(ColumnKind(unsafe { sys::tabllm_table_column_kind(self.ptr.as_ptr(), column) }))
    }

    /// Encodes the table as text.
    ///
    /// ```
    /// use tabllm::{Table, EncodeOptions, Encoding, RowSampling};
    /// let mut t = Table::new(&["n"])?;
    /// for i in 0..10 { t.append_row(&[Some(i.to_string())])?; }
    /// let csv = t.encode(&EncodeOptions::new(Encoding::CSV).sampling(RowSampling::HEAD, 2))?;
    /// assert_eq!(csv, "n\n0\n1\n");
    /// # Ok::<(), tabllm::Error>(())
    /// ```
    pub fn encode(&self, options: &EncodeOptions<'_>) -> Result<String> {
        options.encode(self)
    }

    /// The raw handle, for calls through `tabllm-sys`; valid while `self` lives.
    pub fn as_ptr(&self) -> *const sys::tabllm_table {
        self.ptr.as_ptr()
    }
}

impl Encoding {
    /// The encoding the CLI calls `name` ("markdown", "tp-latex", "tabula-json").
    pub fn from_name(name: &str) -> Result<Encoding> {
        let c = cstring(name, "encoding name")?;
        let mut out: sys::tabllm_encoding = 0;
        check(unsafe { sys::tabllm_encoding_from_name(c.as_ptr(), &mut out) })?;
        Ok(Encoding(out))
    }

    /// The CLI name of this encoding; None when the library does not know it.
    pub fn cli_name(self) -> Option<&'static str> {
        // SAFETY: static strings.
        unsafe { borrowed_str(sys::tabllm_encoding_name(self.0)) }
    }
}

/// Counts the tokens of a text for a token budget.
enum Counter<'a> {
    Rust(&'a (dyn Fn(&str) -> usize + Sync)),
    /// A C counter and its user data (a tokenizer), borrowed for 'a.
    C(sys::tabllm_token_count_fn, *mut c_void, PhantomData<&'a ()>),
}

/// How a table is encoded (`tabllm_encode_params`): the encoding and its
/// options, row and column selection, and an optional token budget.
///
/// ```
/// use tabllm::{EncodeOptions, Encoding, RowSampling};
/// let words = |s: &str| s.split_whitespace().count();
/// let opts = EncodeOptions::new(Encoding::MARKDOWN)
///     .columns(&["name", "age"])
///     .sampling(RowSampling::RANDOM, 20)
///     .seed(7)
///     .token_budget(512, &words);
/// ```
pub struct EncodeOptions<'a> {
    encoding: Encoding,
    flags: u32,
    cells: Option<CellRendering>,
    json_orient: Option<JsonOrient>,
    row: Option<usize>,
    strings: [Option<String>; 8],
    labels: Option<Vec<String>>,
    prompt_template: Option<u32>,
    rows: Option<Vec<usize>>,
    sampling: Option<RowSampling>,
    max_rows: Option<usize>,
    seed: Option<u64>,
    columns: Option<Vec<String>>,
    max_columns: Option<usize>,
    max_tokens: usize,
    counter: Option<Counter<'a>>,
    anchor_k: Option<u32>,
}

// Indexes into EncodeOptions::strings, in this order.
const S_TEMPLATE: usize = 0;
const S_TARGET: usize = 1;
const S_TITLE: usize = 2;
const S_CONTEXT: usize = 3;
const S_CAPTION: usize = 4;
const S_QUESTION: usize = 5;
const S_ANNOTATION: usize = 6;
const S_STRATIFY: usize = 7;

/// `tabllm_encode_params.flags` bits, for [`EncodeOptions::flags`].
pub mod encode_flags {
    pub use tabllm_sys::{
        TABLLM_ENCODE_COLUMN_MAJOR as COLUMN_MAJOR, TABLLM_ENCODE_GRAMMAR as GRAMMAR, TABLLM_ENCODE_NO_ANCHORS as NO_ANCHORS,
        TABLLM_ENCODE_NO_FORMAT_AGGREGATION as NO_FORMAT_AGGREGATION, TABLLM_ENCODE_NO_HEADER as NO_HEADER,
        TABLLM_ENCODE_NO_INVERTED_INDEX as NO_INVERTED_INDEX, TABLLM_ENCODE_PARTITION_MARKS as PARTITION_MARKS,
    };
}

macro_rules! string_option {
    ($(#[$doc:meta])* $name:ident, $slot:expr) => {
        $(#[$doc])*
        pub fn $name(mut self, value: &str) -> Self {
            self.strings[$slot] = Some(value.to_string());
            self
        }
    };
}

impl<'a> EncodeOptions<'a> {
    /// An encoding with the library's defaults for everything else.
    pub fn new(encoding: Encoding) -> EncodeOptions<'a> {
        EncodeOptions {
            encoding,
            flags: 0,
            cells: None,
            json_orient: None,
            row: None,
            strings: Default::default(),
            labels: None,
            prompt_template: None,
            rows: None,
            sampling: None,
            max_rows: None,
            seed: None,
            columns: None,
            max_columns: None,
            max_tokens: 0,
            counter: None,
            anchor_k: None,
        }
    }
    /// How cell values are printed.
    pub fn cells(mut self, cells: CellRendering) -> Self {
        self.cells = Some(cells);
        self
    }
    /// The JSON layout (for [`Encoding::JSON`]).
    pub fn json_orient(mut self, orient: JsonOrient) -> Self {
        self.json_orient = Some(orient);
        self
    }
    /// Per-row encodings: encode only this row (default: every row).
    pub fn row(mut self, row: usize) -> Self {
        self.row = Some(row);
        self
    }
    string_option!(
        /// TEMPLATE: the text with `{column}` placeholders.
        template, S_TEMPLATE);
    string_option!(
        /// The column to predict (removed from the features).
        target, S_TARGET);
    string_option!(
        /// Table Meets LLM partition marks: the title.
        title, S_TITLE);
    string_option!(
        /// Table Meets LLM partition marks: the context.
        context, S_CONTEXT);
    string_option!(
        /// Table Meets LLM partition marks: the caption.
        caption, S_CAPTION);
    string_option!(
        /// The question (CABINET TAPEX; question-aware selection).
        question, S_QUESTION);
    string_option!(
        /// UniPredict: the dataset description.
        annotation, S_ANNOTATION);
    string_option!(
        /// The column whose proportions STRATIFIED sampling keeps.
        stratify_column, S_STRATIFY);
    /// The candidate labels, in the order to show them.
    pub fn labels<S: AsRef<str>>(mut self, labels: &[S]) -> Self {
        self.labels = Some(labels.iter().map(|s| s.as_ref().to_string()).collect());
        self
    }
    /// UniPredict: 0 prompt_input, 1 without_metadata, 2 TabLLM.
    pub fn prompt_template(mut self, template: u32) -> Self {
        self.prompt_template = Some(template);
        self
    }
    /// Exactly these rows, in this order.
    pub fn rows(mut self, rows: &[usize]) -> Self {
        self.rows = Some(rows.to_vec());
        self
    }
    /// Choose up to `max_rows` rows this way (0 = no limit).
    pub fn sampling(mut self, sampling: RowSampling, max_rows: usize) -> Self {
        self.sampling = Some(sampling);
        self.max_rows = Some(max_rows);
        self
    }
    /// The seed of RANDOM and STRATIFIED sampling.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
    /// Keep only these columns, in this order.
    pub fn columns<S: AsRef<str>>(mut self, columns: &[S]) -> Self {
        self.columns = Some(columns.iter().map(|s| s.as_ref().to_string()).collect());
        self
    }
    /// With a question: keep the `n` most relevant columns.
    pub fn max_columns(mut self, n: usize) -> Self {
        self.max_columns = Some(n);
        self
    }
    /// Fit the text into `max_tokens` as counted by `count` (rows are
    /// dropped, then long cells cut, deterministically). A panic in `count`
    /// fails the encode and is resumed after the C call returns.
    pub fn token_budget(mut self, max_tokens: usize, count: &'a (dyn Fn(&str) -> usize + Sync)) -> Self {
        self.max_tokens = max_tokens;
        self.counter = Some(Counter::Rust(count));
        self
    }
    /// A token budget counted by a C function (e.g. a tokenizer's).
    ///
    /// # Safety
    /// `count` must be safe to call with `user_data` from any thread for as
    /// long as these options are used.
    pub unsafe fn token_budget_raw(mut self, max_tokens: usize, count: sys::tabllm_token_count_fn, user_data: *mut c_void) -> Self {
        self.max_tokens = max_tokens;
        self.counter = Some(Counter::C(count, user_data, PhantomData));
        self
    }
    /// SheetCompressor: rows/columns kept around each structural anchor.
    pub fn anchor_k(mut self, k: u32) -> Self {
        self.anchor_k = Some(k);
        self
    }
    /// ORs in `TABLLM_ENCODE_*` bits (see [`encode_flags`]).
    pub fn flags(mut self, flags: u32) -> Self {
        self.flags |= flags;
        self
    }
    /// Table Meets LLM: `<title>`/`<context>`/`<caption>` marks.
    pub fn partition_marks(self) -> Self {
        self.flags(sys::TABLLM_ENCODE_PARTITION_MARKS)
    }
    /// Table Meets LLM: the format-grammar preamble.
    pub fn grammar(self) -> Self {
        self.flags(sys::TABLLM_ENCODE_GRAMMAR)
    }
    /// Table Meets LLM: columns instead of rows.
    pub fn column_major(self) -> Self {
        self.flags(sys::TABLLM_ENCODE_COLUMN_MAJOR)
    }
    /// Leave the header row out where the encoding allows.
    pub fn no_header(self) -> Self {
        self.flags(sys::TABLLM_ENCODE_NO_HEADER)
    }

    /// The C struct and everything its pointers need, alive together.
    pub(crate) fn to_c(&self) -> Result<CEncode<'_>> {
        let mut p = MaybeUninit::<sys::tabllm_encode_params>::zeroed();
        check(unsafe { sys::tabllm_encode_params_init(p.as_mut_ptr(), size_of::<sys::tabllm_encode_params>()) })?;
        let mut p = unsafe { p.assume_init() };
        p.encoding = self.encoding.0;
        p.flags |= self.flags;
        if let Some(c) = self.cells {
            p.cells = c.0;
        }
        if let Some(o) = self.json_orient {
            p.json_orient = o.0;
        }
        if let Some(r) = self.row {
            p.row = r as i64;
        }
        let strings = self
            .strings
            .iter()
            .map(|s| opt_cstring(s.as_deref(), "encode option"))
            .collect::<Result<Vec<_>>>()?;
        p.template_text = opt_ptr(&strings[S_TEMPLATE]);
        p.target = opt_ptr(&strings[S_TARGET]);
        p.title = opt_ptr(&strings[S_TITLE]);
        p.context = opt_ptr(&strings[S_CONTEXT]);
        p.caption = opt_ptr(&strings[S_CAPTION]);
        p.question = opt_ptr(&strings[S_QUESTION]);
        p.annotation = opt_ptr(&strings[S_ANNOTATION]);
        p.stratify_column = opt_ptr(&strings[S_STRATIFY]);
        let labels = match &self.labels {
            Some(l) => Some(cstring_array(&l.iter().map(Some).collect::<Vec<_>>(), "label")?),
            None => None,
        };
        if let Some((_, ptrs)) = &labels {
            p.labels = ptrs.as_ptr();
            p.n_labels = ptrs.len();
        }
        if let Some(t) = self.prompt_template {
            p.prompt_template = t;
        }
        if let Some(rows) = &self.rows {
            p.rows = rows.as_ptr();
            p.n_rows = rows.len();
        }
        if let Some(s) = self.sampling {
            p.row_sampling = s.0;
        }
        if let Some(n) = self.max_rows {
            p.max_rows = n;
        }
        if let Some(s) = self.seed {
            p.seed = s;
        }
        let columns = match &self.columns {
            Some(c) => Some(cstring_array(&c.iter().map(Some).collect::<Vec<_>>(), "column")?),
            None => None,
        };
        if let Some((_, ptrs)) = &columns {
            p.columns = ptrs.as_ptr();
            p.n_columns = ptrs.len();
        }
        if let Some(n) = self.max_columns {
            p.max_columns = n;
        }
        if let Some(k) = self.anchor_k {
            p.anchor_k = k;
        }
        p.max_tokens = self.max_tokens;
        let mut ctx = None;
        match &self.counter {
            Some(Counter::Rust(f)) => {
                let c = Box::new(CounterCtx { f: *f, panic: Mutex::new(None) });
                p.count_tokens = Some(count_trampoline);
                p.count_tokens_user_data = &*c as *const CounterCtx as *mut c_void;
                ctx = Some(c);
            }
            Some(Counter::C(f, user, _)) => {
                p.count_tokens = *f;
                p.count_tokens_user_data = *user;
            }
            None => {}
        }
        Ok(CEncode { p, _strings: strings, _labels: labels, _columns: columns, ctx })
    }

    fn encode(&self, table: &Table) -> Result<String> {
        let c = self.to_c()?;
        let mut out: *mut c_char = ptr::null_mut();
        let mut len = 0usize;
        // SAFETY: every pointer in the struct points into `c` or `self`.
        let st = unsafe { sys::tabllm_table_encode(table.ptr.as_ptr(), c.params(), &mut out, &mut len) };
        let err = if st == sys::TABLLM_OK { None } else { Some(Error::from_status(st)) };
        if c.panicked() && !out.is_null() {
            unsafe { sys::tabllm_free(out as *mut c_void) };
        }
        c.resume_panic();
        match err {
            Some(e) => Err(e),
            // SAFETY: out holds len bytes from the library, freed by take_string.
            None => Ok(unsafe { take_string(out, len) }),
        }
    }
}

type CStrings = Option<(Vec<Option<CString>>, Vec<*const c_char>)>;

/// A filled `tabllm_encode_params` with the strings, arrays and callback
/// context its pointers refer to (boxed where a pointer refers to it).
pub(crate) struct CEncode<'o> {
    p: sys::tabllm_encode_params,
    _strings: Vec<Option<CString>>,
    _labels: CStrings,
    _columns: CStrings,
    ctx: Option<Box<CounterCtx<'o>>>,
}

impl<'o> CEncode<'o> {
    pub(crate) fn params(&self) -> *const sys::tabllm_encode_params {
        &self.p
    }
    fn panicked(&self) -> bool {
        self.ctx.as_ref().map_or(false, |c| c.panic.lock().unwrap_or_else(|e| e.into_inner()).is_some())
    }
    /// Resumes a panic the token counter caught during the C call.
    pub(crate) fn resume_panic(&self) {
        if let Some(c) = &self.ctx {
            if let Some(payload) = c.panic.lock().unwrap_or_else(|e| e.into_inner()).take() {
                resume_unwind(payload);
            }
        }
    }
}

struct CounterCtx<'f> {
    f: &'f (dyn Fn(&str) -> usize + Sync),
    panic: Mutex<Option<Box<dyn Any + Send + 'static>>>,
}

unsafe extern "C" fn count_trampoline(text: *const c_char, len: usize, user: *mut c_void) -> usize {
    let ctx = &*(user as *const CounterCtx);
    let bytes = std::slice::from_raw_parts(text as *const u8, len);
    let s = match std::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(_) => return usize::MAX,
    };
    // A panic must not unwind into C: keep it and resume after the call.
    match catch_unwind(AssertUnwindSafe(|| (ctx.f)(s))) {
        Ok(n) => n,
        Err(payload) => {
            *ctx.panic.lock().unwrap_or_else(|e| e.into_inner()) = Some(payload);
            usize::MAX
        }
    }
}
