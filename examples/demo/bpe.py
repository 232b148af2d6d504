"""A small byte-level BPE trainer that writes a Hugging Face tokenizer.json.

The layout is Llama 3's: no normalizer; pre-tokenizer Split(Llama-3 regex, Isolated) then
ByteLevel(use_regex=false); a BPE model over GPT-2's byte-to-unicode alphabet (all 256 byte symbols are
in the vocabulary, so no unknown token is ever needed); ByteLevel decoder; a TemplateProcessing
post-processor that puts the BOS token first; special tokens as added tokens after the BPE vocabulary.

Training is classic BPE (Sennrich et al.; GPT-2's byte-level variant): count the pre-tokens of the
corpus, then repeatedly merge the most frequent adjacent pair (ties broken by the pair's strings, so the
result is deterministic), keeping pair counts up to date incrementally with a lazy max-heap.

Ids are never computed here at training or inference time: the reference implementation (the
`tokenizers` npm package) encodes all text, see tok.js.
"""

import collections
import heapq
import json

import regex

LLAMA3_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable unicode character map (what ByteLevel uses)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


BYTE_CHARS = bytes_to_unicode()


def pretokenize_counts(texts, special_tokens):
    """Counter of byte-level pre-tokens over texts, with special-token strings cut out first."""
    pat = regex.compile(LLAMA3_SPLIT)
    cut = regex.compile("|".join(regex.escape(s) for s in special_tokens)) if special_tokens else None
    counts = collections.Counter()
    for t in texts:
        for piece in (cut.split(t) if cut else [t]):
            for w in pat.findall(piece):
                counts["".join(BYTE_CHARS[b] for b in w.encode("utf-8"))] += 1
    return counts


def train(word_counts, vocab_size):
    """Learn merges until the vocabulary (256 byte symbols + merges) has vocab_size entries.

    Returns (vocab: token -> id, merges: list of (left, right)) in rank order.
    """
    alphabet = [BYTE_CHARS[b] for b in range(256)]
    vocab = {c: i for i, c in enumerate(alphabet)}  # id of byte b is b
    words = [list(w) for w in word_counts]
    freqs = [word_counts[w] for w in word_counts]
    pair_counts = collections.defaultdict(int)
    where = collections.defaultdict(set)
    for i, w in enumerate(words):
        for a, b in zip(w, w[1:]):
            pair_counts[(a, b)] += freqs[i]
            where[(a, b)].add(i)
    heap = [(-c, p) for p, c in pair_counts.items()]
    heapq.heapify(heap)
    merges = []
    while len(vocab) < vocab_size and heap:
        negc, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -negc or negc == 0:
            continue  # stale heap entry
        a, b = pair
        new = a + b
        merges.append(pair)
        vocab[new] = len(vocab)
        changed = set()
        for i in sorted(where.pop(pair, ())):
            w, f = words[i], freqs[i]
            for x, y in zip(w, w[1:]):
                pair_counts[(x, y)] -= f
                changed.add((x, y))
            out, j = [], 0
            while j < len(w):
                if j + 1 < len(w) and w[j] == a and w[j + 1] == b:
                    out.append(new)
                    j += 2
                else:
                    out.append(w[j])
                    j += 1
            words[i] = out
            for x, y in zip(out, out[1:]):
                pair_counts[(x, y)] += f
                where[(x, y)].add(i)
                changed.add((x, y))
        pair_counts.pop(pair, None)
        for p in changed:
            c = pair_counts.get(p, 0)
            if c > 0:
                heapq.heappush(heap, (-c, p))
            else:
                pair_counts.pop(p, None)
    return vocab, merges


def tokenizer_json(vocab, merges, specials, bos):
    """The tokenizer.json document (tokenizers' serialisation, version 1.0)."""
    first = len(vocab)
    added = [{"id": first + i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i, s in enumerate(specials)]
    bos_id = first + specials.index(bos)
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": LLAMA3_SPLIT}, "behavior": "Isolated", "invert": False},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False},
            ],
        },
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": bos, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {bos: {"id": bos, "ids": [bos_id], "tokens": [bos]}},
        },
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": False,
            "byte_fallback": False,
            "ignore_merges": False,
            "vocab": vocab,
            "merges": [[a, b] for a, b in merges],
        },
    }


def write(path, doc):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=None, separators=(",", ":"))
