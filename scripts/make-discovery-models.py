#!/usr/bin/env python3
"""Writes the small GGUF models that test/integration/discovery.test.ts places in each tool's
layout (Ollama blob, LM Studio folders, a Hugging Face cache repo, an added folder) and then
loads through Select Model…. Written with the ggml authors' `gguf` package (0.19.0), so the
files are what llama.cpp's own writer makes; each has a tokenizer in its metadata that loads and
tokenizes ("hello world", "a b"), and a token_embd.weight of a different ggml type, so the
picker's quantization text is checked for several types.

  test/fixtures/discovery/tiny-llama-q8_0.gguf  llama SentencePiece (byte tokens, scores), Q8_0, E = 32
  test/fixtures/discovery/tiny-bert-q4_k.gguf   bert WordPiece (llama.cpp's "▁" vocabulary), Q4_K, E = 256
  test/fixtures/discovery/tiny-gpt2-f16.gguf    gpt2 byte-level BPE (pre "gpt-2"), F16, E = 8

Run (the wheel is on disk, numpy from the system):
  python3 -m venv --system-site-packages /tmp/gguf-venv
  /tmp/gguf-venv/bin/pip install --no-index --no-deps /opt/pypi/files/gguf-0.19.0-py3-none-any.whl
  /tmp/gguf-venv/bin/python scripts/make-discovery-models.py
Rerunning it rewrites the same bytes (fixed seed). The vocabularies are made up and tiny: these
files test discovery and loading, not tokenization (test/unit/ggufTokenizer.test.ts does that
against real tokenizers).
"""
import os

import numpy as np
import gguf
from gguf.quants import quantize

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'discovery')
TT = gguf.TokenType
rng = np.random.default_rng(11)


def write(name, arch, title, qtype, dim, vocab_fn):
    path = os.path.join(OUT, name)
    w = gguf.GGUFWriter(path, arch)
    w.add_name(title)
    w.add_context_length(64)
    n = vocab_fn(w)
    emb = rng.standard_normal((n, dim)).astype(np.float32)
    if qtype == gguf.GGMLQuantizationType.F16:
        w.add_tensor('token_embd.weight', emb.astype(np.float16))
    elif qtype == gguf.GGMLQuantizationType.Q4_K:
        # gguf 0.19.0 dequantizes Q4_K but does not quantize it: random valid blocks (144 bytes per
        # 256 values), with finite f16 scales d and dmin at bytes 0 and 2, as llama.cpp lays them out.
        blocks = rng.integers(0, 256, size=(n * dim // 256, 144), dtype=np.uint8)
        blocks[:, 0:4] = (rng.uniform(0.001, 0.05, size=(n * dim // 256, 2)).astype(np.float16)).view(np.uint8).reshape(-1, 4)
        raw = blocks.reshape(n, dim // 256 * 144)
        w.add_tensor('token_embd.weight', raw, raw_shape=raw.shape, raw_dtype=qtype)
    else:
        q = quantize(emb, qtype)
        w.add_tensor('token_embd.weight', q, raw_shape=q.shape, raw_dtype=qtype)
    w.add_tensor('output_norm.weight', np.ones(dim, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(path, os.path.getsize(path), 'bytes')


def llama_vocab(w):
    # SentencePiece as llama.cpp's converter lays it out: <unk>, <s>, </s>, the 256 byte tokens, pieces.
    tokens = ['<unk>', '<s>', '</s>'] + [f'<0x{b:02X}>' for b in range(256)]
    types = [TT.UNKNOWN, TT.CONTROL, TT.CONTROL] + [TT.BYTE] * 256
    scores = [0.0, 0.0, 0.0] + [0.0] * 256
    pieces = ['\u2581', 'a', 'b', 'h', 'e', 'l', 'o', 'w', 'r', 'd', '\u2581a', '\u2581b', 'll', 'he', 'hell', 'hello', '\u2581hello', 'wor', 'world', '\u2581world']
    for i, p in enumerate(pieces):
        tokens.append(p)
        types.append(TT.NORMAL)
        scores.append(-float(i + 1))
    w.add_tokenizer_model('llama')
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types([int(t) for t in types])
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    return len(tokens)


def bert_vocab(w):
    # llama.cpp's bert vocabulary: control tokens as they are, word-initial pieces with "▁", "##x" as "x".
    tokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '\u2581hello', '\u2581world', '\u2581a', '\u2581b', 'ing', '\u2581!', '\u2581.']
    types = [TT.CONTROL, TT.CONTROL, TT.CONTROL, TT.CONTROL, TT.CONTROL] + [TT.NORMAL] * 7
    w.add_tokenizer_model('bert')
    w.add_token_list(tokens)
    w.add_token_types([int(t) for t in types])
    w.add_pad_token_id(0)
    w.add_unk_token_id(1)
    w.add_bos_token_id(2)  # CLS
    w.add_eos_token_id(3)  # SEP
    w.add_sep_token_id(3)
    return len(tokens)


def bytes_to_unicode():
    # GPT-2's byte-level alphabet (openai/gpt-2 encoder.py).
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('\u00a1'), ord('\u00ac') + 1)) + list(range(ord('\u00ae'), ord('\u00ff') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for _, c in sorted(zip(bs, cs))]


def gpt2_vocab(w):
    alphabet = bytes_to_unicode()
    merges = ['h e', 'l l', 'he ll', 'hell o', '\u0120 w', 'o r', '\u0120w or', '\u0120wor l', '\u0120worl d', '\u0120 b']
    tokens = list(alphabet)
    for m in merges:
        tokens.append(m.replace(' ', ''))
    tokens.append('<|endoftext|>')
    types = [TT.NORMAL] * (len(tokens) - 1) + [TT.CONTROL]
    w.add_tokenizer_model('gpt2')
    w.add_tokenizer_pre('gpt-2')
    w.add_token_list(tokens)
    w.add_token_types([int(t) for t in types])
    w.add_token_merges(merges)
    w.add_bos_token_id(len(tokens) - 1)
    w.add_eos_token_id(len(tokens) - 1)
    w.add_add_bos_token(False)
    return len(tokens)


write('tiny-llama-q8_0.gguf', 'llama', 'Tiny Llama', gguf.GGMLQuantizationType.Q8_0, 32, llama_vocab)
write('tiny-bert-q4_k.gguf', 'bert', 'Tiny BERT', gguf.GGMLQuantizationType.Q4_K, 256, bert_vocab)
write('tiny-gpt2-f16.gguf', 'gpt2', 'Tiny GPT-2', gguf.GGMLQuantizationType.F16, 8, gpt2_vocab)
