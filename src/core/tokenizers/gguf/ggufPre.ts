/**
 * llama.cpp's pre-tokenizers for `tokenizer.ggml.model` = `gpt2`: the `tokenizer.ggml.pre` names
 * it knows (llama-vocab.cpp, `llama_vocab::impl::load`) mapped to its regex lists
 * (`llm_tokenizer_bpe`'s constructor) and flags. Each regex of a list splits the pieces the
 * previous ones left (matches and the text between them both stay pieces), as llama.cpp's
 * `unicode_regex_split` does; the pieces are then byte-level encoded.
 */

const LLAMA3 =
  "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
const QWEN2 =
  "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** One llama.cpp pre-tokenizer type. */
export interface GgufPreTokenizer {
  /** llama.cpp's LLAMA_VOCAB_PRE_TYPE_… name, for labels. */
  readonly type: string;
  readonly regexes: readonly string[];
  /** A piece that is a whole token is taken as it is, before any merge (llama 3). */
  readonly ignoreMerges: boolean;
  /** llama.cpp's add_bos default for this type (the GGUF key overrides it). */
  readonly addBos: boolean;
}

const TYPES: Record<string, Omit<GgufPreTokenizer, 'type'>> = {
  DEFAULT: { regexes: ['[\\p{P}\\$\\+<=>\\^~\\|]+', GPT2, '\\p{N}+', '[0-9][0-9][0-9]'], ignoreMerges: false, addBos: false },
  LLAMA3: { regexes: [LLAMA3], ignoreMerges: true, addBos: true },
  DBRX: { regexes: [LLAMA3], ignoreMerges: false, addBos: false },
  DEEPSEEK3_LLM: {
    regexes: [
      '\\p{N}{1,3}',
      '[一-龥぀-ゟ゠-ヿ]+',
      "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
    ],
    ignoreMerges: false,
    addBos: false,
  },
  DEEPSEEK_CODER: { regexes: ['[\r\n]', '\\s?\\p{L}+', '\\s?\\p{P}+', '[一-龥ࠀ-一가-퟿]+', '\\p{N}'], ignoreMerges: false, addBos: false },
  FALCON: { regexes: ['[\\p{P}\\$\\+<=>\\^~\\|`]+', GPT2, '[0-9][0-9][0-9]'], ignoreMerges: false, addBos: false },
  STARCODER: { regexes: ['\\p{N}', GPT2], ignoreMerges: false, addBos: false },
  GPT2: { regexes: [GPT2], ignoreMerges: false, addBos: false },
  QWEN2: { regexes: [QWEN2], ignoreMerges: false, addBos: false },
  CHATGLM4: { regexes: [LLAMA3], ignoreMerges: false, addBos: false },
};

/** `tokenizer.ggml.pre` values → llama.cpp's type (the subset we implement). */
const NAMES: Record<string, keyof typeof TYPES> = {
  default: 'DEFAULT',
  llama3: 'LLAMA3',
  'llama-v3': 'LLAMA3',
  'llama-bpe': 'LLAMA3',
  falcon3: 'LLAMA3',
  'falcon-h1': 'LLAMA3',
  pixtral: 'LLAMA3',
  'midm-2.0': 'LLAMA3',
  lfm2: 'LLAMA3',
  dbrx: 'DBRX',
  'smaug-bpe': 'DBRX',
  'deepseek-v3': 'DEEPSEEK3_LLM',
  'deepseek-coder': 'DEEPSEEK_CODER',
  falcon: 'FALCON',
  starcoder: 'STARCODER',
  refact: 'STARCODER',
  'command-r': 'STARCODER',
  smollm: 'STARCODER',
  codeshell: 'STARCODER',
  exaone: 'STARCODER',
  'minerva-7b': 'STARCODER',
  'gpt-2': 'GPT2',
  'phi-2': 'GPT2',
  'jina-es': 'GPT2',
  'jina-de': 'GPT2',
  gigachat: 'GPT2',
  'jina-v2-es': 'GPT2',
  'jina-v2-de': 'GPT2',
  'a.x-4.0': 'GPT2',
  mellum: 'GPT2',
  mpt: 'GPT2',
  olmo: 'GPT2',
  jais: 'GPT2',
  trillion: 'GPT2',
  exaone4: 'GPT2',
  qwen2: 'QWEN2',
  'deepseek-r1-qwen': 'QWEN2',
  kormo: 'QWEN2',
  megrez: 'QWEN2',
  stablelm2: 'QWEN2',
  hunyuan: 'QWEN2',
  glm4: 'CHATGLM4',
  'chatglm-bpe': 'CHATGLM4',
};

/** The `tokenizer.ggml.pre` values we know, for messages. */
export const SUPPORTED_PRE_NAMES: readonly string[] = Object.keys(NAMES);

/** The pre-tokenizer for a `tokenizer.ggml.pre` value; undefined for names we do not know. No value: llama.cpp's default. */
export function ggufPreTokenizer(name: string | undefined): GgufPreTokenizer | undefined {
  const type = NAMES[name ?? 'default'];
  if (type === undefined || !Object.prototype.hasOwnProperty.call(NAMES, name ?? 'default')) return undefined;
  return { type, ...TYPES[type]! };
}
