// Table question answering, step one: the prompt. Picks the rows and columns
// of a table most relevant to a question (BM25) and lays them out as
// Markdown under the question, through the RAII wrapper in tabllm.hpp.
//
//   table_qa [file.csv] ["question"]
#include <cstdio>
#include <iostream>

#include "tabllm.hpp"

int main(int argc, char **argv) {
    const std::string path = argc > 1 ? argv[1] : "examples/data/cities.csv";
    const std::string question = argc > 2 ? argv[2] : "What is the population of Cairo?";
    try {
        auto table = tabllm::table::load(path);
        std::cout << path << ": " << table.n_rows() << " rows\n";

        tabllm::encode_options opts(TABLLM_ENCODING_MARKDOWN);
        opts.question = question.c_str();
        opts.row_sampling = TABLLM_ROWS_RELEVANT;
        opts.max_rows = 3;
        opts.max_columns = 3;
        std::cout << "\nQuestion: " << question << "\n\n" << table.encode(opts) << "\nAnswer:\n";

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
