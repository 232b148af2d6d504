/* tabllm chat-template: renders a model's chat template over a conversation
 * read from standard input, as transformers.js's apply_chat_template does. */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "tabllm chat-template --tokenizer-config FILE [--add-generation-prompt]\n"
    "                            [--bos TEXT] [--eos TEXT] [--context JSON] [--now SECONDS]\n"
    "                            < messages.json\n"
    "\n"
    "  Prints the prompt the model's chat template (tokenizer_config.json's chat_template,\n"
    "  or chat_template.jinja beside it) makes of a conversation, exactly, with no newline\n"
    "  added. messages.json is a JSON array of {\"role\", \"content\"} objects (other fields,\n"
    "  such as tool_calls, reach the template too).\n"
    "\n"
    "  --add-generation-prompt  end with the assistant's turn header\n"
    "  --bos, --eos             the special tokens (default: the config's bos_token/eos_token)\n"
    "  --context JSON           extra template variables, e.g. '{\"enable_thinking\": false}'\n"
    "  --now SECONDS            the time strftime_now() shows (default: now)";

static char *read_stream(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *b2 = cap > ((size_t)1 << 30) ? NULL : realloc(buf, cap * 2);
            if (b2 == NULL) {
                free(buf);
                return NULL;
            }
            buf = b2;
            cap *= 2;
        }
        size_t k = fread(buf + n, 1, cap - 1 - n, f);
        n += k;
        if (k == 0)
            break;
    }
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

/* A special token as tokenizer_config.json writes it: a string, or an
 * AddedToken object with "content". NULL when absent or null. */
static const char *token_text(const json_t *config, const char *key)
{
    const json_t *v = json_object_get(config, key);
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_object(v) && json_is_string(json_object_get(v, "content")))
        return json_string_value(json_object_get(v, "content"));
    return NULL;
}

static char *sibling_template(const char *config_path)
{
    const char *slash = strrchr(config_path, '/');
    size_t dir = slash ? (size_t)(slash - config_path + 1) : 0;
    char *path = malloc(dir + sizeof "chat_template.jinja");
    if (path == NULL)
        return NULL;
    memcpy(path, config_path, dir);
    strcpy(path + dir, "chat_template.jinja");
    FILE *f = fopen(path, "rb");
    free(path);
    if (f == NULL)
        return NULL;
    size_t len;
    char *text = read_stream(f, &len);
    fclose(f);
    return text;
}

/* get_chat_template(): a string, or a list of named templates of which
 * "tool_use" (when there are tools) or "default" is taken. */
static const char *pick_template(const json_t *config, bool have_tools, const char **error)
{
    const json_t *t = json_object_get(config, "chat_template");
    if (json_is_string(t))
        return json_string_value(t);
    if (json_is_array(t)) {
        const char *def = NULL, *tool = NULL;
        size_t i;
        const json_t *item;
        json_array_foreach(t, i, item)
        {
            const json_t *name = json_object_get(item, "name");
            const json_t *text = json_object_get(item, "template");
            if (!json_is_string(name) || !json_is_string(text)) {
                *error = "chat_template entries need \"name\" and \"template\" strings";
                return NULL;
            }
            if (strcmp(json_string_value(name), "default") == 0)
                def = json_string_value(text);
            else if (strcmp(json_string_value(name), "tool_use") == 0)
                tool = json_string_value(text);
        }
        if (have_tools && tool)
            return tool;
        if (def)
            return def;
        *error = "chat_template has several templates and none named \"default\"";
        return NULL;
    }
    *error = t ? "chat_template is neither a string nor a list" : "no chat_template";
    return NULL;
}

static int run(int argc, char **argv)
{
    const char *config_path = NULL, *bos = NULL, *eos = NULL, *context = NULL;
    bool gen = false;
    long long now = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--tokenizer-config") == 0 && has_value)
            config_path = argv[++i];
        else if (strcmp(a, "--bos") == 0 && has_value)
            bos = argv[++i];
        else if (strcmp(a, "--eos") == 0 && has_value)
            eos = argv[++i];
        else if (strcmp(a, "--context") == 0 && has_value)
            context = argv[++i];
        else if (strcmp(a, "--now") == 0 && has_value)
            now = strtoll(argv[++i], NULL, 10);
        else if (strcmp(a, "--add-generation-prompt") == 0)
            gen = true;
        else
            return cli_usage_error(&cli_cmd_chat_template, "unexpected argument '%s'", a);
    }
    if (config_path == NULL)
        return cli_usage_error(&cli_cmd_chat_template, "--tokenizer-config is required");

    json_error_t jerr;
    json_t *config = json_load_file(config_path, JSON_DECODE_INT_AS_REAL, &jerr);
    if (config == NULL || !json_is_object(config)) {
        fprintf(stderr, "tabllm chat-template: %s:%d:%d: %s\n", config_path, jerr.line, jerr.column,
                config ? "expected a JSON object" : jerr.text);
        json_decref(config);
        return 1;
    }
    /* the special tokens transformers.js passes besides bos and eos */
    json_t *ctx = json_object();
    static const char *const others[] = {"unk_token", "sep_token", "pad_token", "cls_token",
                                         "mask_token"};
    for (size_t k = 0; k < sizeof others / sizeof others[0]; k++) {
        const char *v = token_text(config, others[k]);
        if (v && v[0])
            json_object_set_new(ctx, others[k], json_string(v));
    }
    if (context) {
        json_t *extra = json_loads(context, JSON_DECODE_INT_AS_REAL, &jerr);
        if (!json_is_object(extra)) {
            fprintf(stderr, "tabllm chat-template: --context: %s\n",
                    extra ? "expected a JSON object" : jerr.text);
            json_decref(extra);
            json_decref(ctx);
            json_decref(config);
            return 2;
        }
        json_object_update(ctx, extra);
        json_decref(extra);
    }
    const json_t *tools = json_object_get(ctx, "tools");
    const char *error = NULL;
    char *file_template = NULL;
    const char *template_text = pick_template(config, tools && !json_is_null(tools), &error);
    if (template_text == NULL && json_object_get(config, "chat_template") == NULL) {
        file_template = sibling_template(config_path);
        template_text = file_template;
    }
    int rc = 0;
    char *context_text = json_dumps(ctx, JSON_COMPACT);
    size_t in_len = 0;
    char *messages = template_text ? read_stream(stdin, &in_len) : NULL;
    if (template_text == NULL) {
        fprintf(stderr, "tabllm chat-template: %s: %s\n", config_path, error);
        rc = 1;
    } else if (messages == NULL || context_text == NULL) {
        fprintf(stderr, "tabllm chat-template: out of memory\n");
        rc = 1;
    } else {
        tabllm_chat_params p;
        tabllm_chat_params_init(&p, sizeof p);
        p.flags = gen ? TABLLM_CHAT_ADD_GENERATION_PROMPT : 0;
        p.bos_token = bos ? bos : token_text(config, "bos_token");
        p.eos_token = eos ? eos : token_text(config, "eos_token");
        p.context_json = context_text;
        p.now = now;
        char *out;
        size_t out_len;
        tabllm_status st =
            tabllm_chat_template_render_json(template_text, messages, &p, &out, &out_len);
        if (st != TABLLM_OK) {
            rc = cli_fail(st, "chat-template");
        } else {
            fwrite(out, 1, out_len, stdout);
            tabllm_free(out);
        }
    }
    free(messages);
    free(context_text);
    free(file_template);
    json_decref(ctx);
    json_decref(config);
    return rc;
}

const cli_command cli_cmd_chat_template = {
    "chat-template",
    "render a model's chat template over a conversation (JSON on stdin)",
    usage,
    run,
};
