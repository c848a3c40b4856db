#!/usr/bin/env python3
"""Writes test/fixtures/discovery/tiny-q8_0.gguf with the ggml authors' `gguf` package (0.19.0),
so discovery's GGUF header reader is checked against a file we did not write ourselves.

Run (the wheel is on disk, numpy from the system):
  python3 -m venv --system-site-packages /tmp/gguf-venv
  /tmp/gguf-venv/bin/pip install --no-index --no-deps /opt/pypi/files/gguf-0.19.0-py3-none-any.whl
  /tmp/gguf-venv/bin/python scripts/make-discovery-gguf.py
"""
import os

import numpy as np
import gguf
from gguf.quants import quantize

out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'discovery', 'tiny-q8_0.gguf')
w = gguf.GGUFWriter(out, 'llama')
w.add_tokenizer_model('llama')
w.add_token_list(['<unk>', '<s>', '</s>', 'a', 'b'])
w.add_token_scores([0.0, 0.0, 0.0, -1.0, -2.0])
rng = np.random.default_rng(0)
w.add_tensor('output_norm.weight', np.ones(32, dtype=np.float32))
emb = rng.standard_normal((5, 32)).astype(np.float32)  # 5 tokens x E=32 (one Q8_0 block a row)
q = quantize(emb, gguf.GGMLQuantizationType.Q8_0)
w.add_tensor('token_embd.weight', q, raw_shape=q.shape, raw_dtype=gguf.GGMLQuantizationType.Q8_0)
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
print(out, os.path.getsize(out), 'bytes')
