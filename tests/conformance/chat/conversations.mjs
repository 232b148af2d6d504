// Conversations rendered through every real chat template (ours, not the
// reference's): plain and system turns, multi-turn, unicode, empty content,
// table QA with Markdown tables, tools and tool calls, Qwen3 reasoning, and
// conversations the templates must refuse.

const table = [
  "| Country | Capital | Population (M) |",
  "|---|---|---|",
  "| France | Paris | 68.2 |",
  "| Japan | Tokyo | 124.5 |",
  "| Brazil | Brasília | 203.1 |",
].join("\n");

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Get the current weather in a city.",
    parameters: {
      type: "object",
      properties: {
        city: { type: "string", description: "City name, e.g. Paris" },
        unit: { type: "string", enum: ["celsius", "fahrenheit"] },
      },
      required: ["city"],
    },
  },
};

const sqlTool = {
  type: "function",
  function: {
    name: "run_sql",
    description: "Run a read-only SQL query over the table \"t\".",
    parameters: { type: "object", properties: { query: { type: "string" } }, required: ["query"] },
  },
};

export const conversations = {
  user_only: [{ role: "user", content: "Hello!" }],
  system_user: [
    { role: "system", content: "You are a helpful assistant." },
    { role: "user", content: "What is 2 + 2?" },
  ],
  multi_turn: [
    { role: "system", content: "You are concise." },
    { role: "user", content: "Hi there" },
    { role: "assistant", content: "Hello! How can I help?" },
    { role: "user", content: "Name a prime number." },
  ],
  multi_turn_no_system: [
    { role: "user", content: "Hello" },
    { role: "assistant", content: "Hi there" },
    { role: "user", content: "Who are you" },
    { role: "assistant", content: "   I am an assistant   " },
    { role: "user", content: "Another question" },
  ],
  ends_with_assistant: [
    { role: "user", content: "Say yes." },
    { role: "assistant", content: "Yes." },
  ],
  unicode: [
    { role: "system", content: "Réponds en français — «poliment»." },
    { role: "user", content: "Ünïcödé 🙂 日本語 \"quoted\" \\ back\\slash\ttab\u2028line sep" },
    { role: "assistant", content: "D'accord 👍🏽 — ça marche. Ελληνικά ΣΊΣΥΦΟΣ ß" },
    { role: "user", content: "Zero\u200bwidth and emoji 👨‍👩‍👧 at the end 🎉" },
  ],
  empty_content: [
    { role: "system", content: "" },
    { role: "user", content: "" },
    { role: "assistant", content: "" },
    { role: "user", content: "   " },
  ],
  whitespace_content: [
    { role: "user", content: "\n\n  leading and trailing  \n\t" },
    { role: "assistant", content: "  answer with spaces  " },
    { role: "user", content: "\u00a0nbsp\u3000ideographic\u3000" },
  ],
  table_qa: [
    { role: "system", content: "You are a table question answering assistant. Answer from the table only." },
    { role: "user", content: `Table:\n${table}\n\nQuestion: Which country has the largest population?` },
  ],
  table_qa_followup: [
    { role: "system", content: "Answer questions about the table." },
    { role: "user", content: `${table}\n\nWhat is the capital of Japan?` },
    { role: "assistant", content: "Tokyo" },
    { role: "user", content: "And its population, in millions?" },
  ],
  tool_calls: [
    { role: "system", content: "You can look up the weather." },
    { role: "user", content: "What's the weather in Paris?" },
    {
      role: "assistant",
      content: "",
      tool_calls: [
        { type: "function", function: { name: "get_weather", arguments: { city: "Paris", unit: "celsius" } } },
      ],
    },
    { role: "tool", content: "{\"temperature\": 21.5, \"sky\": \"clear\"}" },
    { role: "assistant", content: "It is 21.5 °C and clear in Paris." },
    { role: "user", content: "Thanks!" },
  ],
  tool_calls_null_content: [
    { role: "user", content: "Count the rows of t." },
    {
      role: "assistant",
      content: null,
      tool_calls: [{ type: "function", function: { name: "run_sql", arguments: { query: "SELECT COUNT(*) FROM t" } } }],
    },
    { role: "tool", content: "3" },
    { role: "tool", content: "(cached)" },
  ],
  tool_calls_numbers: [
    { role: "user", content: "Numbers please." },
    {
      role: "assistant",
      content: "Calling.",
      tool_calls: [
        {
          function: {
            name: "numbers",
            arguments: { int: 3, float: 2.5, whole_float: 1.0, neg_zero: -0.0, big: 1e21, small: 1.5e-7, list: [1, 2.0, "x", null, true], "2": "integer key", nested: { "b": 1, "a": [] } },
          },
        },
      ],
    },
  ],
  tool_calls_string_args: [
    { role: "system", content: "Use SQL." },
    { role: "user", content: "How many rows?" },
    {
      role: "assistant",
      content: null,
      tool_calls: [
        { type: "function", function: { name: "run_sql", arguments: "{\"query\": \"SELECT COUNT(*) FROM t\"}" } },
        { type: "function", function: { name: "run_sql", arguments: "{\"query\": \"SELECT 1\"}" } },
      ],
    },
    { role: "tool", content: "3" },
    { role: "tool", content: "1" },
    { role: "assistant", content: "<think>\ncounted\n</think>\n\nThere are 3 rows." },
  ],
  tool_message_dict: [
    { role: "user", content: "Look it up." },
    { role: "tool", content: { result: [1, 2, 3], ok: true } },
  ],
  qwen3_reasoning: [
    { role: "user", content: "What is 17 * 3?" },
    { role: "assistant", content: "51", reasoning_content: "17 * 3 = 51." },
    { role: "user", content: "And 17 * 4?" },
    { role: "assistant", content: "<think>\n17 * 4 = 68\n</think>\n\n68" },
    { role: "user", content: "Thanks." },
  ],
  qwen3_think_in_content: [
    { role: "user", content: "Think first." },
    { role: "assistant", content: "<think>\nsome thoughts\n\n</think>\n\nThe answer." },
  ],
  qwen3_tool_response: [
    { role: "user", content: "<tool_response>\nignored as a query\n</tool_response>" },
    { role: "user", content: "Real question" },
    { role: "assistant", content: "Answer", reasoning_content: "why" },
    { role: "user", content: "<tool_response>\nresult\n</tool_response>" },
  ],
  content_parts: [
    { role: "system", content: [{ type: "text", text: "System as parts." }] },
    { role: "user", content: [{ type: "image" }, { type: "text", text: "  Describe it.  " }] },
  ],
  not_alternating: [
    { role: "user", content: "First" },
    { role: "user", content: "Second" },
  ],
  starts_with_assistant: [
    { role: "assistant", content: "I speak first." },
    { role: "user", content: "Fine." },
  ],
  system_only: [{ role: "system", content: "Only a system message." }],
  empty: [],
};

export const tools = { weather: [weatherTool], two: [weatherTool, sqlTool] };
