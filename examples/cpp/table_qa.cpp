// Table question answering with the RAII wrapper (tabllm.hpp,
// tabllm_models.hpp). First the prompt table: the rows and columns of a
// table most relevant to a question (BM25) as Markdown; then a model's
// answer, through tabllm_answer(), which encodes the table, fits it to the
// context and generates greedily.
//
//   table_qa [file.csv] ["question"] [model_dir]
//
// The default model is the small demo model (examples/demo/model), trained to
// classify biopsy rows, not to answer questions: its answer shows the API,
// not a correct answer. Give an instruction-tuned model's directory (e.g.
// Qwen2.5-0.5B-Instruct) for real answers.
#include <iostream>

#include "tabllm_models.hpp"

int main(int argc, char **argv) {
    const std::string path = argc > 1 ? argv[1] : "examples/data/cities.csv";
    const std::string question = argc > 2 ? argv[2] : "What is the population of Cairo?";
    const std::string model_dir = argc > 3 ? argv[3] : "examples/demo/model";
    try {
        auto table = tabllm::table::load(path);
        std::cout << path << ": " << table.n_rows() << " rows\n";

        tabllm::encode_options opts(TABLLM_ENCODING_MARKDOWN);
        opts.question = question.c_str();
        opts.row_sampling = TABLLM_ROWS_RELEVANT;
        opts.max_rows = 3;
        opts.max_columns = 3;
        const std::string prompt_table = table.encode(opts);
        std::cout << "\nQuestion: " << question << "\n\n" << prompt_table << "\n";

        auto model = tabllm::model::load(model_dir);
        auto tok = tabllm::tokenizer::load(model_dir);
        std::cout << model_dir << ": " << model.architecture() << "; the prompt table is "
                  << tok.encode(prompt_table).size() << " tokens\n";

        // tabllm_answer() encodes the whole table (Markdown) and keeps the
        // rows most relevant to the question when it does not fit n_ctx.
        tabllm::answer_options answer_opts;
        answer_opts.max_tokens = 24;
        answer_opts.n_threads = 2;
        std::cout << "Model answer: \"" << tabllm::answer(model, tok, table, question, answer_opts) << "\"\n";

        // Errors arrive as exceptions with the status and the library's message.
        try {
            tabllm::table::load(path + ".missing");
        } catch (const tabllm::error &e) {
            std::cout << "\n(expected failure: status " << e.status() << ": " << e.what() << ")\n";
        }
    } catch (const tabllm::error &e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
