import { matrixJson } from './format';
import { overrideNote, type Model } from './model/model';
import type { InspectResult } from './pipeline';

/**
 * The rows (positions in input_ids) whose vectors are random rather than the table's
 * (builtin:seed's unlisted words): `real` describes the table, these say which rows it does not cover.
 */
function randomRows(model: Model, result: InspectResult): { random_rows?: number[] } {
  if (!model.isRandomRow) return {};
  const rows: number[] = [];
  result.inputIds.forEach((id, t) => model.isRandomRow!(id) && rows.push(t));
  return rows.length ? { random_rows: rows } : {};
}

/** What was loaded and whether each part is real or random (the JSON's "model" object). */
export function describeModel(model: Model, result: InspectResult): Record<string, unknown> {
  const spec = result.encoder.spec;
  return {
    name: model.name,
    id: model.id,
    tokenizer: {
      real: true,
      kind: model.tokenizer.description,
      source: model.tokenizer.source,
      vocab_size: model.tokenizer.vocabSize,
      ...(model.tokenizerOverride ? { overridden: { given: model.tokenizerOverride.given, replaces: model.tokenizerOverride.replaces }, note: overrideNote(model.tokenizerOverride) } : {}),
    },
    embedding: { ...model.embeddingLabel, ...randomRows(model, result) },
    encoder: {
      ...result.encoder.label,
      cell: spec.cell,
      ...(spec.cell === 'rnn' ? { nonlinearity: spec.nonlinearity } : {}),
      input_size: spec.inputSize,
      hidden_size: spec.hiddenSize,
      num_layers: spec.numLayers,
      bidirectional: spec.bidirectional,
      bias: spec.bias,
      ...(result.encoder.seed !== undefined ? { seed: result.encoder.seed } : {}),
      engine: result.engine.description,
    },
    ...(model.origin ? { origin: { format: model.origin.format, path: model.origin.path, ...(model.origin.architecture ? { architecture: model.origin.architecture } : {}), ...(model.origin.quant ? { quant: model.origin.quant } : {}), ...(model.origin.reference ? { reference: model.origin.reference } : {}), ...(model.origin.contextLength !== undefined ? { context_length: model.origin.contextLength } : {}) } } : {}),
    pad_token: model.pad ? { id: model.pad.id, text: model.pad.text, source: model.pad.source } : null,
    options: {
      max_length: result.options.maxLength,
      padding_side: result.options.paddingSide,
      truncation_side: result.options.truncationSide,
      skip_padding: result.options.skipPadding,
      special_tokens: result.options.addSpecialTokens,
    },
    truncated_tokens: result.truncated,
  };
}

/** The CLI's `--format json` object (README.md, "CLI"; docs/ARCHITECTURE.md, "The CLI"), as text. Matrices print one row per line. */
export function inspectJson(model: Model, result: InspectResult): string {
  const { rnn } = result;
  const parts: string[] = [
    `"model": ${JSON.stringify(describeModel(model, result), null, 2).replace(/\n/g, '\n  ')}`,
    `"tokens": [${result.tokens.map(t => `\n    ${JSON.stringify({ id: t.id, text: t.text, start: t.start, end: t.end, special: t.special })}`).join(',')}${result.tokens.length ? '\n  ' : ''}]`,
    `"input_ids": ${JSON.stringify(Array.from(result.inputIds))}`,
    `"attention_mask": ${JSON.stringify(Array.from(result.attentionMask))}`,
    `"embeddings": ${matrixJson(result.embeddings, '  ')}`,
    `"output": ${matrixJson(rnn.output, '  ')}`,
    `"h_n": ${matrixJson(rnn.hN, '  ')}`,
  ];
  if (rnn.cN) parts.push(`"c_n": ${matrixJson(rnn.cN, '  ')}`);
  const il = result.inputLayer;
  if (il && !model.inputLayer && 'skipped' in il) parts.push(`"input_layer": { "skipped": ${JSON.stringify(il.skipped)} }`);
  if (il && model.inputLayer) {
    const head = `"family": ${JSON.stringify(model.inputLayer.family)}, "model_type": ${JSON.stringify(model.inputLayer.modelType)}`;
    if ('skipped' in il) parts.push(`"input_layer": { ${head}, "skipped": ${JSON.stringify(il.skipped)} }`);
    else {
      const stages = il.stages.map(
        st => `{ "name": ${JSON.stringify(st.name)}, "added": ${JSON.stringify(st.added)}, "real": ${st.label.real}, "matrix": ${matrixJson({ rows: st.rows, cols: st.cols, data: st.data }, '      ')} }`,
      );
      parts.push(`"input_layer": {\n    ${head},\n    "position_ids": ${JSON.stringify(Array.from(il.positionIds))},\n    "stages": [\n      ${stages.join(',\n      ')}\n    ]\n  }`);
    }
  }
  return `{\n  ${parts.join(',\n  ')}\n}\n`;
}
