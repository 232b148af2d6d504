// A small RAII layer over tabllm.h for C++17: handles in unique_ptrs with the
// library's free functions, failures as exceptions carrying the status and
// the library's message, strings and vectors instead of out-parameters.
// Header-only, an example of wrapping the C API; not a separate product.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <tabllm.h>

namespace tabllm {

/// A failed call: status() is the tabllm_status, what() the library's message.
class error : public std::runtime_error {
public:
    explicit error(tabllm_status status)
        : std::runtime_error(std::string(tabllm_last_error()) + " [" + tabllm_status_string(status) + "]"),
          status_(status) {}
    tabllm_status status() const noexcept { return status_; }

private:
    tabllm_status status_;
};

/// Throws tabllm::error unless the call succeeded. The message is read at
/// once, on the thread that made the call, as tabllm_last_error() requires.
inline void check(tabllm_status status) {
    if (status != TABLLM_OK)
        throw error(status);
}

template <class T, void (*Free)(T *)>
struct deleter {
    void operator()(T *p) const noexcept { Free(p); }
};

/// Text the library allocated, released with tabllm_free().
inline std::string take_text(char *text, size_t len) {
    std::unique_ptr<char, deleter<void, tabllm_free>> owner(text);
    return std::string(text, len);
}

/// tabllm_encode_params with its defaults filled in.
struct encode_options : tabllm_encode_params {
    explicit encode_options(tabllm_encoding encoding = TABLLM_ENCODING_MARKDOWN) {
        check(tabllm_encode_params_init(this, sizeof(tabllm_encode_params)));
        this->encoding = encoding;
    }
};

/// tabllm_table_read_params with its defaults filled in.
struct read_options : tabllm_table_read_params {
    read_options() { check(tabllm_table_read_params_init(this, sizeof(tabllm_table_read_params))); }
};

/// A table (immutable once built; may be shared by threads).
class table {
public:
    static table load(const std::string &path, const read_options *options = nullptr) {
        tabllm_table *t = nullptr;
        check(tabllm_table_load(path.c_str(), options, &t));
        return table(t);
    }

    static table from_memory(std::string_view data, const read_options *options = nullptr) {
        tabllm_table *t = nullptr;
        check(tabllm_table_from_memory(data.data(), data.size(), options, &t));
        return table(t);
    }

    size_t n_rows() const noexcept { return tabllm_table_n_rows(get()); }
    size_t n_columns() const noexcept { return tabllm_table_n_columns(get()); }

    std::string_view column_name(size_t column) const {
        const char *name = tabllm_table_column_name(get(), column);
        if (!name)
            throw std::out_of_range("tabllm::table::column_name");
        return name;
    }

    /// A cell's text; std::nullopt for a missing cell.
    std::optional<std::string_view> cell(size_t row, size_t column) const {
        size_t len = 0;
        tabllm_cell_type type;
        const char *text = tabllm_table_cell(get(), row, column, &len, &type);
        if (!text)
            throw std::out_of_range("tabllm::table::cell");
        if (type == TABLLM_CELL_NULL)
            return std::nullopt;
        return std::string_view(text, len);
    }

    std::string encode(const encode_options &options) const {
        char *text = nullptr;
        size_t len = 0;
        check(tabllm_table_encode(get(), &options, &text, &len));
        return take_text(text, len);
    }

    const tabllm_table *get() const noexcept { return ptr_.get(); }

private:
    explicit table(tabllm_table *t) : ptr_(t) {}
    std::unique_ptr<tabllm_table, deleter<tabllm_table, tabllm_table_free>> ptr_;
};

} // namespace tabllm
