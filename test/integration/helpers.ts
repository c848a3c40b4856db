// Helpers the extension-host suites share (not a suite itself: only *.test.ts files are run).
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EmbeddingLensApi } from '../../src/extension';
import { writeSafetensors } from '../../src/core/formats/safetensors';
import type { InspectorPanel } from '../../src/host/panel';
import type { ToPanel } from '../../src/shared/panelProtocol';

export const EXTENSION_ID = 'embedding-lens.embedding-lens';
/** The explainer's sentence. */
export const SEED = 'White refrigerator is evil.';

/** The extension's API (activating it if needed). */
export async function api(): Promise<EmbeddingLensApi> {
  const ext = vscode.extensions.getExtension<EmbeddingLensApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is installed`);
  return ext.isActive ? ext.exports : ext.activate();
}

/** Polls `fn` every 50 ms until it returns something truthy; fails naming `what` after `ms`. */
export async function until<T>(what: string, fn: () => T | undefined | false, ms = 15_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 50));
  }
}

/**
 * Shows the seed example and returns its panel, with what the host posts to it recorded and
 * `deliver` playing the webview's postMessage (the panel's own listener). Call `restore()` after.
 */
export async function seedPanelProbe(): Promise<{ panel: InspectorPanel; posted: ToPanel[]; deliver(m: unknown): void; restore(): void }> {
  const { activePanel } = await api();
  await vscode.commands.executeCommand('embeddingLens.showSeedExample');
  const panel = await until('the seed example on show', () => activePanel()?.result && activePanel());
  const posted: ToPanel[] = [];
  const post = panel.post.bind(panel);
  panel.post = m => {
    posted.push(m);
    post(m);
  };
  return {
    panel,
    posted,
    deliver: m => (panel as unknown as { onRawMessage(m: unknown): void }).onRawMessage(m),
    restore: () => {
      panel.post = post;
    },
  };
}

// ------------------------------------------------------------------ model discovery layouts

/** The discovery fixtures (scripts/make-discovery-models.py) and the tokenizers the layouts copy. */
const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures');

/** A 40-digit commit hash, as refs/main holds. */
export const HF_REVISION = '4f1c2ab09e6d3c5b7a8f90e1d2c3b4a5f6e7d8c9';

/** Where each tool's layout was built (see buildDiscoveryLayouts). */
export interface DiscoveryLayouts {
  readonly hub: string;
  readonly ollama: string;
  /** ~/.lmstudio/models and the older ~/.cache/lm-studio/models. */
  readonly lmstudio: string;
  readonly lmstudioOld: string;
  /** A folder to add with embeddingLens.modelSearch.folders. */
  readonly added: string;
  /** The shards of the Hugging Face safetensors model, in bytes (its listed size). */
  readonly hfShardBytes: number;
  /** The added folder's model.safetensors, in bytes. */
  readonly addedModelBytes: number;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Builds each tool's layout with small real files:
 * - the Hugging Face cache `hub` (as huggingface_hub writes it: `blobs/<sha256>`, `snapshots/<rev>/`
 *   of relative symlinks into blobs, `refs/main`): `lens-test/tiny-bert`, a BERT with
 *   bert-base-uncased's tokenizer.json and its embeddings sharded in two safetensors files with an
 *   index; `lens-test/tiny-GGUF`, a repo holding one .gguf;
 * - Ollama's `ollama` folder: `manifests/registry.ollama.ai/library/tinyllama/q8_0` naming
 *   `blobs/sha256-<hex>` (a GGUF), and a broken manifest `broken:latest` (not JSON);
 * - LM Studio under `home`: `~/.lmstudio/models/<publisher>/<repo>/x.gguf` and the older
 *   `~/.cache/lm-studio/models/…`;
 * - `added`: a model folder (vocab.txt + model.safetensors) and a .gguf.
 */
export function buildDiscoveryLayouts(o: { hub: string; ollama: string; home: string; added: string }): DiscoveryLayouts {
  const gguf = (name: string): Buffer => readFileSync(path.join(FIXTURES, 'discovery', name));
  // Hugging Face: blobs named by their sha256 (as LFS files are), a snapshot of links into them.
  const hfRepo = (repo: string, files: Record<string, Uint8Array>): void => {
    const dir = path.join(o.hub, `models--${repo.replace(/\//g, '--')}`);
    mkdirSync(path.join(dir, 'blobs'), { recursive: true });
    mkdirSync(path.join(dir, 'refs'), { recursive: true });
    mkdirSync(path.join(dir, 'snapshots', HF_REVISION), { recursive: true });
    writeFileSync(path.join(dir, 'refs', 'main'), HF_REVISION);
    for (const [name, bytes] of Object.entries(files)) {
      const blob = sha256(bytes);
      writeFileSync(path.join(dir, 'blobs', blob), bytes);
      symlinkSync(path.join('..', '..', 'blobs', blob), path.join(dir, 'snapshots', HF_REVISION, name));
    }
  };
  const V = 30522; // bert-base-uncased's vocabulary
  const E = 4;
  const ramp = (n: number, scale: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(i * scale));
  const shard1 = writeSafetensors([{ name: 'bert.embeddings.word_embeddings.weight', dtype: 'F32', shape: [V, E], data: ramp(V * E, 0.37) }]);
  const shard2 = writeSafetensors([
    { name: 'bert.embeddings.position_embeddings.weight', dtype: 'F32', shape: [16, E], data: ramp(16 * E, 0.11) },
    { name: 'bert.embeddings.token_type_embeddings.weight', dtype: 'F32', shape: [2, E], data: ramp(2 * E, 0.5) },
    { name: 'bert.embeddings.LayerNorm.weight', dtype: 'F32', shape: [E], data: [1, 1, 1, 1] },
    { name: 'bert.embeddings.LayerNorm.bias', dtype: 'F32', shape: [E], data: [0, 0, 0, 0] },
  ]);
  const s1 = 'model-00001-of-00002.safetensors';
  const s2 = 'model-00002-of-00002.safetensors';
  const index = {
    metadata: { total_size: shard1.length + shard2.length },
    weight_map: {
      'bert.embeddings.word_embeddings.weight': s1,
      'bert.embeddings.position_embeddings.weight': s2,
      'bert.embeddings.token_type_embeddings.weight': s2,
      'bert.embeddings.LayerNorm.weight': s2,
      'bert.embeddings.LayerNorm.bias': s2,
    },
  };
  const config = { model_type: 'bert', architectures: ['BertModel'], vocab_size: V, hidden_size: E, max_position_embeddings: 16, type_vocab_size: 2, layer_norm_eps: 1e-12, pad_token_id: 0 };
  hfRepo('lens-test/tiny-bert', {
    'config.json': Buffer.from(JSON.stringify(config)),
    'tokenizer.json': readFileSync(path.join(FIXTURES, 'tokenizers', 'bert-base-uncased', 'tokenizer.json')),
    'model.safetensors.index.json': Buffer.from(JSON.stringify(index)),
    [s1]: shard1,
    [s2]: shard2,
  });
  hfRepo('lens-test/tiny-GGUF', { 'tiny-bert-q4_k.gguf': gguf('tiny-bert-q4_k.gguf') });

  // Ollama: a manifest whose model layer names a blob (a GGUF without an extension), and a broken one.
  const llama = gguf('tiny-llama-q8_0.gguf');
  const digest = sha256(llama);
  const config2 = Buffer.from('{"model_format":"gguf","model_family":"llama"}');
  mkdirSync(path.join(o.ollama, 'blobs'), { recursive: true });
  writeFileSync(path.join(o.ollama, 'blobs', `sha256-${digest}`), llama);
  writeFileSync(path.join(o.ollama, 'blobs', `sha256-${sha256(config2)}`), config2);
  const manifests = path.join(o.ollama, 'manifests', 'registry.ollama.ai', 'library');
  mkdirSync(path.join(manifests, 'tinyllama'), { recursive: true });
  writeFileSync(
    path.join(manifests, 'tinyllama', 'q8_0'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: `sha256:${sha256(config2)}`, size: config2.length },
      layers: [{ mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${digest}`, size: llama.length }],
    }),
  );
  mkdirSync(path.join(manifests, 'broken'), { recursive: true });
  writeFileSync(path.join(manifests, 'broken', 'latest'), '{"schemaVersion": 2, "layers": [');

  // LM Studio, both layouts.
  const lmstudio = path.join(o.home, '.lmstudio', 'models');
  const lmstudioOld = path.join(o.home, '.cache', 'lm-studio', 'models');
  mkdirSync(path.join(lmstudio, 'lmstudio-community', 'tiny-bert-GGUF'), { recursive: true });
  writeFileSync(path.join(lmstudio, 'lmstudio-community', 'tiny-bert-GGUF', 'tiny-bert-q4_k.gguf'), gguf('tiny-bert-q4_k.gguf'));
  mkdirSync(path.join(lmstudioOld, 'TheBloke', 'tiny-gpt2-GGUF'), { recursive: true });
  writeFileSync(path.join(lmstudioOld, 'TheBloke', 'tiny-gpt2-GGUF', 'tiny-gpt2-f16.gguf'), gguf('tiny-gpt2-f16.gguf'));

  // An added folder: a model folder (vocab.txt + a 5 × 3 table) and a GGUF beside it.
  mkdirSync(path.join(o.added, 'my-words'), { recursive: true });
  writeFileSync(path.join(o.added, 'my-words', 'vocab.txt'), '[PAD]\n[UNK]\nhello\nworld\n!\n');
  const words = writeSafetensors([{ name: 'embedding.weight', dtype: 'F32', shape: [5, 3], data: ramp(15, 0.7) }]);
  writeFileSync(path.join(o.added, 'my-words', 'model.safetensors'), words);
  writeFileSync(path.join(o.added, 'tiny-gpt2-f16.gguf'), gguf('tiny-gpt2-f16.gguf'));
  return { hub: o.hub, ollama: o.ollama, lmstudio, lmstudioOld, added: o.added, hfShardBytes: shard1.length + shard2.length, addedModelBytes: words.length };
}
