"""A parser for include/tabllm.h, just large enough for that header's style.

The bindings are generated from what this module reads (tools/generate.py),
so it understands exactly the constructs the header uses and refuses anything
else with the line it stopped at, rather than guessing:

  - object-like ``#define TABLLM_X <integer expression or "string">``
  - ``#if/#ifdef/#ifndef/#elif/#else/#endif`` with ``defined(X)`` conditions
    (evaluated as a GCC C compiler sees them; __cplusplus and _WIN32 unset)
  - ``typedef enum N { A = 1, ... } N;``
  - ``typedef struct N N;`` (an opaque handle)
  - ``typedef struct N { <fields> } N;``
  - ``typedef <type> N;`` (a scalar alias such as tabllm_token)
  - ``typedef <ret> (*N)(<params>);`` (a callback type)
  - ``TABLLM_API <ret> name(<params>);``

Types are kept as (base name, pointer levels, const flags) so that each
generator spells them in its own language.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

SCALARS = {
    "void", "char", "int", "unsigned", "float", "double", "size_t",
    "int8_t", "uint8_t", "int16_t", "uint16_t", "int32_t", "uint32_t",
    "int64_t", "uint64_t",
}


class ParseError(Exception):
    pass


@dataclass(frozen=True)
class CType:
    """A C type: ``base`` with ``len(consts) - 1`` pointer levels.

    consts[0] is the const on the base type; consts[i] the const after the
    i-th ``*`` (consts[-1] qualifies the declared object itself, which no
    binding cares about).
    """
    base: str
    consts: Tuple[bool, ...]

    @property
    def depth(self) -> int:
        return len(self.consts) - 1

    def pointee(self) -> "CType":
        assert self.depth > 0
        return CType(self.base, self.consts[:-1])

    def c_spelling(self, name: str = "") -> str:
        """The canonical C spelling, e.g. ``const char *const *names``."""
        s = ("const " if self.consts[0] else "") + self.base
        stars = "".join("*" + ("const " if c else "") for c in self.consts[1:])
        if stars:
            s += " " + stars.rstrip() + ("" if stars.endswith("*") else " ")
        if name:
            s += name if s.endswith("*") or s.endswith(" ") else " " + name
        return s.rstrip()


@dataclass
class Param:
    name: str
    type: CType


@dataclass
class Function:
    name: str
    ret: CType
    params: List[Param]
    prototype: str  # as written in the header, whitespace-normalised
    section: int


@dataclass
class Field:
    name: str
    type: CType
    array: Optional[int] = None


@dataclass
class Struct:
    name: str
    fields: List[Field]
    section: int


@dataclass
class Enum:
    name: str
    members: List[Tuple[str, int]]
    section: int


@dataclass
class Callback:
    name: str
    ret: CType
    params: List[Param]
    section: int


@dataclass
class Header:
    defines: List[Tuple[str, object]] = field(default_factory=list)  # int or str
    enums: List[Enum] = field(default_factory=list)
    opaques: List[Tuple[str, int]] = field(default_factory=list)
    structs: List[Struct] = field(default_factory=list)
    aliases: List[Tuple[str, CType]] = field(default_factory=list)
    callbacks: List[Callback] = field(default_factory=list)
    functions: List[Function] = field(default_factory=list)
    sections: Dict[int, str] = field(default_factory=dict)

    def kind_of(self, name: str) -> str:
        if name in SCALARS:
            return "scalar"
        for e in self.enums:
            if e.name == name:
                return "enum"
        for n, _ in self.opaques:
            if n == name:
                return "opaque"
        for s in self.structs:
            if s.name == name:
                return "struct"
        for n, _ in self.aliases:
            if n == name:
                return "alias"
        for c in self.callbacks:
            if c.name == name:
                return "callback"
        raise ParseError(f"unknown type {name}")


# --------------------------------------------------------------------------
# Preprocessing: comments out, conditionals evaluated, #defines collected.

PREDEFINED = {"__GNUC__"}


def _strip_comments(text: str) -> str:
    # Keep line structure so error messages can name lines.
    def blank(m: re.Match) -> str:
        return re.sub(r"[^\n]", " ", m.group(0))
    return re.sub(r"/\*.*?\*/|//[^\n]*", blank, text, flags=re.S)


def _eval_int(expr: str, known: Dict[str, object], where: str) -> int:
    e = re.sub(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b", r"\1", expr)

    def sub(m: re.Match) -> str:
        name = m.group(0)
        if name in known and isinstance(known[name], int):
            return str(known[name])
        raise ParseError(f"{where}: cannot evaluate {name!r} in {expr!r}")
    e = re.sub(r"\b[A-Za-z_]\w*\b", sub, e)
    if not re.fullmatch(r"[\s0-9xXa-fA-F()+\-*/<>|&~]*", e):
        raise ParseError(f"{where}: unsupported expression {expr!r}")
    return int(eval(e.replace("/", "//"), {"__builtins__": {}}))  # noqa: S307 (digits and operators only)


def _preprocess(text: str, h: Header) -> List[Tuple[int, str]]:
    """Returns the code lines (number, text) that a C compiler would see."""
    defined = set(PREDEFINED)
    values: Dict[str, object] = {}
    stack: List[Tuple[bool, bool]] = []  # (this branch active, some branch taken)
    out: List[Tuple[int, str]] = []
    lines = _strip_comments(text).split("\n")
    i = 0
    while i < len(lines):
        lineno = i + 1
        line = lines[i]
        while line.rstrip().endswith("\\"):
            i += 1
            line = line.rstrip()[:-1] + " " + lines[i]
        i += 1
        s = line.strip()
        active = all(a for a, _ in stack)
        if not s.startswith("#"):
            if active and s:
                out.append((lineno, s))
            continue
        m = re.match(r"#\s*(\w+)\s*(.*)$", s)
        if not m:
            raise ParseError(f"tabllm.h:{lineno}: bad directive {s!r}")
        d, rest = m.group(1), m.group(2).strip()

        def cond(expr: str) -> bool:
            e = re.sub(r"defined\s*\(\s*(\w+)\s*\)", lambda mm: "1" if mm.group(1) in defined else "0", expr)
            e = e.replace("&&", " and ").replace("||", " or ").replace("!", " not ")
            if not re.fullmatch(r"[\s01()a-z]*", e):
                raise ParseError(f"tabllm.h:{lineno}: unsupported condition {expr!r}")
            return bool(eval(e, {"__builtins__": {}}))  # noqa: S307 (0/1 and boolean operators only)

        if d in ("ifdef", "ifndef", "if"):
            if d == "ifdef":
                c = rest in defined
            elif d == "ifndef":
                c = rest not in defined
            else:
                c = cond(rest)
            stack.append((c, c))
        elif d == "elif":
            a, taken = stack.pop()
            c = (not taken) and cond(rest)
            stack.append((c, taken or c))
        elif d == "else":
            a, taken = stack.pop()
            stack.append((not taken, True))
        elif d == "endif":
            stack.pop()
        elif d == "define" and active:
            mm = re.match(r"(\w+)(\(?)\s*(.*)$", rest)
            name, fn, value = mm.group(1), mm.group(2), mm.group(3).strip()
            defined.add(name)
            if fn or not name.startswith("TABLLM_") or name in ("TABLLM_API", "TABLLM_H"):
                continue
            if value.startswith('"'):
                v: object = value.strip('"')
            else:
                v = _eval_int(value, values, f"tabllm.h:{lineno}")
            values[name] = v
            h.defines.append((name, v))
        elif d == "include" or not active:
            pass
        else:
            raise ParseError(f"tabllm.h:{lineno}: unsupported directive #{d}")
    if stack:
        raise ParseError("tabllm.h: unterminated #if")
    return out


# --------------------------------------------------------------------------
# Declarations

TOKEN = re.compile(r'"[^"]*"|[A-Za-z_]\w*|0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|\S')


def _parse_type(tokens: List[str], where: str) -> CType:
    """tokens: the type part only, e.g. ['const', 'char', '*', 'const', '*']."""
    consts = [False]
    base = None
    for t in tokens:
        if t == "struct":  # "struct X" names the same type as the typedef X
            continue
        if t == "const":
            consts[-1] = True
        elif t == "*":
            consts.append(False)
        elif base is None and len(consts) == 1:
            base = t
        elif base == "unsigned" and t == "int" and len(consts) == 1:
            pass
        else:
            raise ParseError(f"{where}: unexpected {t!r} in type {' '.join(tokens)}")
    if base is None:
        raise ParseError(f"{where}: no type in {' '.join(tokens)}")
    return CType(base, tuple(consts))


def _split_decl(tokens: List[str], where: str) -> Tuple[CType, str, Optional[int]]:
    """'const char *name' or 'int arr[4]' -> (type, name, array length)."""
    array = None
    if tokens and tokens[-1] == "]":
        if len(tokens) < 4 or tokens[-3] != "[":
            raise ParseError(f"{where}: bad array declarator")
        array = int(re.sub(r"[uUlL]+$", "", tokens[-2]), 0)
        tokens = tokens[:-3]
    if len(tokens) < 2 or not re.match(r"[A-Za-z_]\w*$", tokens[-1]):
        raise ParseError(f"{where}: expected a declarator in {' '.join(tokens)}")
    return _parse_type(tokens[:-1], where), tokens[-1], array


def _split_commas(tokens: List[str]) -> List[List[str]]:
    parts: List[List[str]] = [[]]
    depth = 0
    for t in tokens:
        if t in "([{":
            depth += 1
        elif t in ")]}":
            depth -= 1
        if t == "," and depth == 0:
            parts.append([])
        else:
            parts[-1].append(t)
    return parts


def _parse_params(tokens: List[str], where: str) -> List[Param]:
    if tokens == ["void"]:
        return []
    out = []
    for p in _split_commas(tokens):
        t, n, arr = _split_decl(p, where)
        if arr is not None:
            raise ParseError(f"{where}: array parameter {n}")
        out.append(Param(n, t))
    return out


def parse(text: str) -> Header:
    h = Header()
    code = _preprocess(text, h)
    # Section banners come from the raw text: "/*  N. Title ... */"
    section_at: List[Tuple[int, int]] = []
    for m in re.finditer(r"^/\*\s+(\d)\. ([^\n*]*?)\s*\*/$", text, flags=re.M):
        line = text.count("\n", 0, m.start()) + 1
        section_at.append((line, int(m.group(1))))
        h.sections[int(m.group(1))] = m.group(2).strip()

    def section(line: int) -> int:
        cur = 1
        for at, n in section_at:
            if at <= line:
                cur = n
        return cur

    toks: List[Tuple[int, str]] = []
    for lineno, s in code:
        for t in TOKEN.findall(s):
            toks.append((lineno, t))

    i = 0
    while i < len(toks):
        # One top-level declaration: up to ';' at brace depth 0.
        start_line = toks[i][0]
        depth = 0
        j = i
        while j < len(toks):
            t = toks[j][1]
            if t == "{":
                depth += 1
            elif t == "}":
                depth -= 1
            elif t == ";" and depth == 0:
                break
            j += 1
        decl = [t for _, t in toks[i:j]]
        where = f"tabllm.h:{start_line}"
        i = j + 1
        # extern "C" { ... } wrappers are invisible to C; the parser sees C.
        if decl[:3] == ["extern", '"C"', "{"]:
            raise ParseError(f"{where}: extern \"C\" outside #ifdef __cplusplus")
        sec = section(start_line)
        if len(decl) == 2 and decl[0] == "struct":  # forward declaration
            if all(n != decl[1] for n, _ in h.opaques):
                h.opaques.append((decl[1], sec))
        elif decl[0] == "typedef":
            _parse_typedef(h, decl[1:], where, sec)
        elif decl[0] == "TABLLM_API":
            d = decl[1:]
            lp = d.index("(")
            if d[-1] != ")":
                raise ParseError(f"{where}: expected a function declaration")
            ret, name, _ = _split_decl(d[:lp], where)
            params = _parse_params(d[lp + 1:-1], where)
            proto = ("TABLLM_API " + ret.c_spelling(name) + "("
                     + (", ".join(p.type.c_spelling(p.name) for p in params) or "void") + ");")
            h.functions.append(Function(name, ret, params, proto, sec))
        else:
            raise ParseError(f"{where}: unsupported declaration {' '.join(decl[:6])} ...")
    _check_unique(h)
    return h


def _parse_typedef(h: Header, d: List[str], where: str, sec: int) -> None:
    if d[0] == "enum":
        name = d[1]
        if d[2] != "{" or d[-2] != "}" or d[-1] != name:
            raise ParseError(f"{where}: expected typedef enum {name} {{...}} {name}")
        members = []
        known = dict(h.defines)
        nxt = 0
        for part in _split_commas(d[3:-2]):
            if not part:
                continue
            mname = part[0]
            if len(part) > 1:
                if part[1] != "=":
                    raise ParseError(f"{where}: bad enumerator {' '.join(part)}")
                v = _eval_int(" ".join(part[2:]), known, where)
            else:
                v = nxt
            members.append((mname, v))
            known[mname] = v
            nxt = v + 1
        h.enums.append(Enum(name, members, sec))
    elif d[0] == "struct":
        name = d[1]
        if len(d) == 3 and d[2] == name:
            if all(n != name for n, _ in h.opaques):
                h.opaques.append((name, sec))
            return
        if d[2] != "{" or d[-2] != "}" or d[-1] != name:
            raise ParseError(f"{where}: expected typedef struct {name} {{...}} {name}")
        fields = []
        body = d[3:-2]
        cur: List[str] = []
        for t in body:
            if t == ";":
                parts = _split_commas(cur)
                t0, n0, a0 = _split_decl(parts[0], where)
                fields.append(Field(n0, t0, a0))
                for extra in parts[1:]:  # "size_t start, end;"
                    ptr = [x for x in extra if x == "*"]
                    tt, nn, aa = _split_decl([t0.base] + ptr + [x for x in extra if x != "*"], where)
                    fields.append(Field(nn, tt, aa))
                cur = []
            else:
                cur.append(t)
        if cur:
            raise ParseError(f"{where}: struct {name}: missing ';'")
        h.structs.append(Struct(name, fields, sec))
    elif "(" in d and d[d.index("(") + 1] == "*":
        lp = d.index("(")
        ret = _parse_type(d[:lp], where)
        name = d[lp + 2]
        if d[lp + 3] != ")" or d[lp + 4] != "(" or d[-1] != ")":
            raise ParseError(f"{where}: expected typedef ret (*{name})(params)")
        if any(c.name == name for c in h.callbacks):
            return
        h.callbacks.append(Callback(name, ret, _parse_params(d[lp + 5:-1], where), sec))
    else:
        t, name, arr = _split_decl(d, where)
        if arr is not None:
            raise ParseError(f"{where}: array typedef {name}")
        for n, prev in h.aliases:
            if n == name:
                if prev != t:
                    raise ParseError(f"{where}: {name} redefined as another type")
                return
        h.aliases.append((name, t))


def _check_unique(h: Header) -> None:
    seen: Dict[str, str] = {}
    names = ([(n, "define") for n, _ in h.defines]
             + [(m, "enumerator") for e in h.enums for m, _ in e.members]
             + [(f.name, "function") for f in h.functions]
             + [(s.name, "type") for s in h.structs]
             + [(e.name, "type") for e in h.enums])
    for n, what in names:
        if n in seen:
            raise ParseError(f"tabllm.h: {n} declared twice ({seen[n]}, {what})")
        seen[n] = what


def parse_file(path: str) -> Header:
    with open(path, encoding="utf-8") as f:
        return parse(f.read())


def probe_source(h: Header) -> str:
    """A C program that prints the layout facts the bindings must agree with:
    every struct's size, alignment, field offsets and field sizes, and the
    value of every enumerator and integer #define. It also asserts, at compile
    time, that every function has exactly the type this parser read, so a
    signature the parser got wrong fails to compile. It needs the header only,
    not the library."""
    out = ["/* Generated by bindings/tools/generate.py from include/tabllm.h. Do not edit. */",
           "#include <stdalign.h>", "#include <stddef.h>", "#include <stdio.h>",
           '#include "tabllm.h"', "",
           "#define S(T) printf(\"S %s %zu %zu\\n\", #T, sizeof(T), alignof(T))",
           "#define F(T, f) printf(\"F %s %s %zu %zu\\n\", #T, #f, offsetof(T, f), sizeof(((T *)0)->f))",
           "#define C(v) printf(\"C %s %lld\\n\", #v, (long long)(v))",
           "#define SIGNATURE(fn, type) \\",
           "    _Static_assert(__builtin_types_compatible_p(__typeof__(&fn), type), #fn \" is not \" #type)",
           ""]
    # "struct X" names a handle or struct whether or not the typedef is in
    # scope yet (a module may forward-declare another's handle).
    tagged = {n for n, _ in h.opaques} | {s_.name for s_ in h.structs}

    def spell(t: CType, name: str = "") -> str:
        return CType("struct " + t.base if t.base in tagged else t.base, t.consts).c_spelling(name)

    for f in h.functions:
        params = ", ".join(spell(p.type) for p in f.params) or "void"
        out.append(f"SIGNATURE({f.name}, {spell(f.ret, '(*)')}({params}));")
    out += ["", "int main(void)", "{"]
    for s_ in h.structs:
        out.append(f"    S({s_.name});")
        for fl in s_.fields:
            out.append(f"    F({s_.name}, {fl.name});")
    for e in h.enums:
        for m, _ in e.members:
            out.append(f"    C({m});")
    for n, v in h.defines:
        if isinstance(v, int):
            out.append(f"    C({n});")
    out += ["    return 0;", "}", ""]
    return "\n".join(out)
