// The model side of the RAII layer (tabllm.hpp): tokenizer, model, table QA.
// Header-only, like tabllm.hpp: an example of wrapping the C API.
#pragma once

#include "tabllm.hpp"

namespace tabllm {

/// A tokenizer (immutable; may be shared by threads).
class tokenizer {
public:
    /// Loads tokenizer.json, or a model directory holding one.
    static tokenizer load(const std::string &path) {
        tabllm_tokenizer *t = nullptr;
        check(tabllm_tokenizer_load(path.c_str(), nullptr, &t));
        return tokenizer(t);
    }

    /// Token ids of `text`; with `add_special`, the post-processor's BOS etc.
    std::vector<tabllm_token> encode(std::string_view text, bool add_special = false) const {
        // One byte per token is a good first guess; the library reports the
        // size it needs when it is not enough.
        std::vector<tabllm_token> ids(text.size() + 8);
        size_t n = 0;
        const uint32_t flags = add_special ? TABLLM_TOKENIZE_ADD_SPECIAL : 0;
        tabllm_status st = tabllm_tokenizer_encode(get(), text.data(), text.size(), flags, ids.data(),
                                                   ids.size(), &n, nullptr);
        if (st == TABLLM_ERR_BUFFER_TOO_SMALL) {
            ids.resize(n);
            st = tabllm_tokenizer_encode(get(), text.data(), text.size(), flags, ids.data(), ids.size(),
                                         &n, nullptr);
        }
        check(st);
        ids.resize(n);
        return ids;
    }

    const tabllm_tokenizer *get() const noexcept { return ptr_.get(); }

private:
    explicit tokenizer(tabllm_tokenizer *t) : ptr_(t) {}
    std::unique_ptr<tabllm_tokenizer, deleter<tabllm_tokenizer, tabllm_tokenizer_free>> ptr_;
};

/// A model (immutable; may be shared by threads and sessions).
class model {
public:
    /// Loads a Hugging Face model directory (config.json, *.safetensors).
    static model load(const std::string &dir) {
        tabllm_model *m = nullptr;
        check(tabllm_model_load(dir.c_str(), nullptr, &m));
        return model(m);
    }

    /// config.json's architecture, e.g. "LlamaForCausalLM".
    std::string architecture() const {
        const char *a = tabllm_model_architecture(get());
        return a ? a : "";
    }

    // Calls take a non-const tabllm_model* (sessions hold a reference to it),
    // but a loaded model never changes: const here means what C++ users expect.
    tabllm_model *get() const noexcept { return ptr_.get(); }

private:
    explicit model(tabllm_model *m) : ptr_(m) {}
    std::unique_ptr<tabllm_model, deleter<tabllm_model, tabllm_model_free>> ptr_;
};

/// tabllm_answer_params with its defaults filled in.
struct answer_options : tabllm_answer_params {
    answer_options() { check(tabllm_answer_params_init(this, sizeof(tabllm_answer_params))); }
};

/// Answers a question about a table (greedy; see tabllm_answer()).
inline std::string answer(const model &m, const tokenizer &tok, const table &t, const std::string &question,
                          const answer_options &options = answer_options()) {
    char *text = nullptr;
    size_t len = 0;
    check(tabllm_answer(m.get(), tok.get(), t.get(), question.c_str(), &options, &text, &len));
    return take_text(text, len);
}

} // namespace tabllm
