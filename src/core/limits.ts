/**
 * The limits that keep a hostile or careless input from running away with memory, stack or
 * time. Each error that enforces one names it, so a user who hits a limit knows which one and
 * its value. README's "Safety" section lists them; change both together.
 */
export const LIMITS = {
  /** Deepest JSON nesting we parse (serde_json, which the Rust tokenizers library uses, stops at 128). */
  jsonDepth: 128,
  /** Deepest nesting of `Sequence` normalizers / pre-tokenizers / post-processors / decoders. */
  sequenceDepth: 32,
  /** Largest JSON or text file read whole (tokenizer.json, vocab, config, word-vector text). */
  wholeFileBytes: 2 * 1024 ** 3 - 1,
  /** Largest safetensors JSON header (the Rust `safetensors` crate's cap). */
  safetensorsHeaderBytes: 100 * 1024 * 1024,
  /** Largest .npy header. */
  npyHeaderBytes: 64 * 1024,
  /**
   * Largest text the pipeline takes (characters, UTF-16 code units): the CLI's --file/stdin and a selection.
   * Measured through the CLI (2 cores): the slowest 2^20-unit texts (emoji, CJK, letters without spaces) take
   * 3–10 s with cl100k_base/o200k_base/gpt2, well inside the default deadline; at 2^21, 16–24 s.
   */
  textChars: 1024 * 1024,
  /** Largest id a vocabulary may hold, plus one: ids are Rust's u32 (the tokenizers library refuses others). */
  idLimit: 2 ** 32,
  /** Default deadline of one request (model load + tokenize + encode), seconds. */
  requestSeconds: 60,
} as const;
