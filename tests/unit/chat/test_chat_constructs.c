/* One check per construct, without the reference data: whitespace control,
 * statements, operators, filters, tests and methods render as
 * @huggingface/jinja renders them (the expectations were taken from it; the
 * conformance test compares far more cases at test time). */
#include <time.h>

#include "chat_test_util.h"

static const char ctx[] =
    "{\"s\": \"Hello World\", \"n\": 42, \"f\": 2.5, \"wf\": 3.0, \"t\": true, \"nul\": null,"
    " \"list\": [3, 1, 2], \"strs\": [\"b\", \"A\", \"c\", \"a\"],"
    " \"obj\": {\"b\": 1, \"a\": \"x\", \"10\": \"ten\", \"2\": \"two\"},"
    " \"people\": [{\"name\": \"Ann\", \"age\": 31, \"role\": \"user\"},"
    " {\"name\": \"bob\", \"age\": 25, \"role\": \"assistant\"},"
    " {\"name\": \"Cid\", \"age\": 31, \"role\": \"user\"}], \"lines\": \"one\\ntwo\\n\\nfour\"}";

static const struct {
    const char *tmpl, *want;
} cases[] = {
    /* whitespace */
    {"one newline dropped\n", "one newline dropped"},
    {"a   {{- s -}}   b", "aHello Worldb"},
    {"{% if t %}\nline\n{% endif %}\nafter", "line\nafter"},
    {"x\n    {% if t %}\n    indented\n    {% endif %}\n  y", "x\n    indented\n  y"},
    {"a{# comment #}b {#- stripped -#} c\n{# c2 #}\nd", "abc\nd"},
    {"A {% generation %}inside{% endgeneration %} B  {%- generation -%}  C", "A inside BC"},
    /* printing */
    {"{{ n }}|{{ f }}|{{ wf }}|{{ t }}|{{ nul }}|{{ undefined_var }}|{{ 1.0 }}|{{ 0.1 + 0.2 }}",
     "42|2.5|3|true|||1.0|0.30000000000000004"},
    {"{{ list }}|{{ obj }}", "[3, 1, 2]|{\"2\": \"two\", \"10\": \"ten\", \"b\": 1, \"a\": \"x\"}"},
    {"{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7.5 // 2 }} {{ 6 / 3 }} {{ 2 ** -1 }} {{ 10 ** 21 }}",
     "3 -4 -1 3.0 2.0 0.5 1e+21"},
    {"{{ s ~ n ~ wf ~ t ~ list }}|{{ 'x' + n }}|{{ 'a' + 1.0 }}", "Hello World423true3,1,2|x42|a1"},
    {"{{ '1' == 1 }} {{ [1] == 1 }} {{ nul == undefined_var }} {{ 1 in list }} {{ 'lo W' in s }}",
     "true true true true true"},
    {"{{ 'yes' if t else 'no' }} [{{ 'sel' if nul }}] {{ nul or 'd' }} {{ t and n }}",
     "yes [] d 42"},
    /* members and slices */
    {"{{ obj.a }} {{ obj['b'] }} {{ list[-1] }} {{ list.0 }} {{ s[0] }} {{ obj.missing.x }}|",
     "x 1 2 3 H |"},
    {"{{ list[::-1] }} {{ s[::-1] }} {{ list[1:] }} {{ s[2:5] }}", "[2, 1, 3] dlroW olleH [1, 2] llo"},
    /* statements */
    {"{% for x in strs %}{{ loop.index }}{{ loop.first }}{{ loop.revindex0 }};{% endfor %}",
     "1true3;2false2;3false1;4false0;"},
    {"{% for x in [1,2,3,4,5] %}{{ x }}{% if x == 2 %}{% continue %}{% endif %}-"
     "{% if x == 4 %}{% break %}{% endif %};{% endfor %}",
     "1-;3-;"},
    {"{% for x in [] %}x{% else %}empty{% endfor %}", "empty"},
    {"{% for p in people if p.age > 30 %}{{ p.name }}{{ loop.length }},{% endfor %}", "Ann2,Cid2,"},
    {"{% for k, v in obj.items() %}{{ k }}={{ v }};{% endfor %}", "2=two;10=ten;b=1;a=x;"},
    {"{% set a, b = 2, 3 %}{% set blk %}B{{ a }}{% endset %}{{ a }}{{ b }}[{{ blk }}]", "23[B2]"},
    {"{% set ns = namespace(c=0) %}{% for p in people %}{% set ns.c = ns.c + p.age %}{% endfor %}"
     "{{ ns.c }}",
     "87"},
    {"{% macro g(name, p='!') %}Hi {{ name }}{{ p }}{% endmacro %}{{ g('A') }} {{ g(p='.', name='B') }}",
     "Hi A! Hi B."},
    {"{% macro w(t) %}<{{ t }}>{{ caller() }}</{{ t }}>{% endmacro %}{% call w('b') %}x{% endcall %}",
     "<b>x</b>"},
    {"{% filter upper %}shout {{ s }}{% endfilter %}", "SHOUT HELLO WORLD"},
    /* tests */
    {"{{ n is number }} {{ s is string }} {{ nul is none }} {{ undefined_var is defined }} "
     "{{ obj is mapping }} {{ list is iterable }} {{ n is even }} {{ 'ab' is lower }}",
     "true true true false true true true true"},
    /* string methods and filters */
    {"{{ s.upper() }}|{{ '  x \\n'.strip() }}|{{ '\\n\\nx\\n'.strip('\\n') }}|{{ 'a b-c'.title() }}|"
     "{{ 'hELLO'.capitalize() }}",
     "HELLO WORLD|x|x|A B-C|HELLO"},
    {"{{ 'a,b,,c'.split(',') }} {{ '  a  b '.split() }} {{ s.replace('o', '0', 1) }} "
     "{{ s.startswith(('x', 'He')) }}",
     "[\"a\", \"b\", \"\", \"c\"] [\"a\", \"b\"] Hell0 World true"},
    {"{{ s | length }} {{ 'ΣΑΣ' | lower }} {{ 'straße' | upper }} {{ '42abc' | int }} {{ 'x' | float }}",
     "11 σας STRASSE 42 0.0"},
    {"[{{ lines | indent(2) }}]", "[one\n  two\n\n  four]"},
    {"{{ strs | join(', ') }} {{ 'abc' | join('-') }} {{ strs | sort }} {{ list | reverse }}",
     "b, A, c, a a-b-c [\"A\", \"a\", \"b\", \"c\"] [2, 1, 3]"},
    {"{{ undefined_var | default('d') }} {{ '' | default('d', true) }} {{ list | first }} "
     "{{ list | last }} {{ [1, 2, 1] | unique }}",
     "d d 3 2 [1, 2]"},
    {"{{ people | selectattr('role', 'equalto', 'user') | map(attribute='name') | join(',') }} "
     "{{ people | sort(attribute='age') | map(attribute='name') | join(',') }}",
     "Ann,Cid bob,Ann,Cid"},
    {"{{ obj | dictsort }} {{ obj.get('zz', 'fb') }} {{ obj | length }}",
     "[[\"10\", \"ten\"], [\"2\", \"two\"], [\"a\", \"x\"], [\"b\", 1]] fb 4"},
    {"{{ {'k': [1, 2.5, none]} | tojson }}|{{ {'a': [1]} | tojson(indent=2) }}|{{ 'é' | tojson }}|"
     "{{ 'é' | tojson(ensure_ascii=true) }}",
     "{\"k\": [1, 2.5, null]}|{\n  \"a\": [\n    1\n  ]\n}|\"é\"|\"\\u00e9\""},
    /* globals */
    {"{{ range(3) }} {{ range(10, 0, -4) }} {{ strftime_now('%d %b %Y') }}",
     "[0, 1, 2] [10, 6, 2] 26 Jul 2024"},
    {"{{ messages[0].role }}:{{ messages[0]['content'] }} {{ bos_token }}{{ eos_token }}",
     "user:Hi <s></s>"},
};

static void test_constructs(void **state)
{
    (void)state;
    setenv("TZ", "UTC", 1);
    tzset();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out;
        tabllm_status st = render_ctx(cases[i].tmpl, ctx, &out);
        if (st != TABLLM_OK)
            fail_msg("case %zu (%s): %s", i, cases[i].tmpl, tabllm_last_error());
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("case %zu (%s):\n  want %s\n  got  %s", i, cases[i].tmpl, cases[i].want, out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constructs),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char *out;
    render_ctx("", NULL, &out);
    return rc;
}
