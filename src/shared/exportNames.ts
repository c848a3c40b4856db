// Where an export's files go, from the one path the user chose in the save dialog. Pure (no
// vscode) so unit tests cover it; the host (exporter.ts) writes the files.
import type { ExportFormat } from './panelProtocol';

/** The name the save dialog proposes, after the base name (e.g. `embedding-lens.check.py`). */
export function defaultExportName(base: string, format: ExportFormat): string {
  return `${base}${format === 'python' ? '.check.py' : format === 'projector' ? '.vectors.tsv' : `.${format}`}`;
}

/** Endings that belong to the format (stripped from the chosen path to get the stem), longest first. */
const ENDINGS: Readonly<Record<ExportFormat, RegExp>> = {
  npy: /\.npy$/i,
  safetensors: /\.safetensors$/i,
  csv: /\.csv$/i,
  json: /\.json$/i,
  png: /\.png$/i,
  python: /(\.check)?\.py$/i,
  projector: /(\.(vectors|metadata))?\.tsv$/i,
};

/**
 * The path of each file an export writes. `chosen` is the save dialog's path; `suffixes` are the
 * worker's (`.check.py`, `.safetensors`, …), added to the chosen name's stem. The file the user
 * named is written under exactly that name: a check script saved as `check.py` stays `check.py`
 * (not `check.check.py`), its `.safetensors` goes beside it as `check.safetensors`. Returns the
 * paths in the order of `suffixes`, and which of them is "the" file to report.
 */
export function exportPaths(chosen: string, format: ExportFormat, suffixes: readonly string[]): { paths: string[]; main: number } {
  const ending = ENDINGS[format];
  const stem = chosen.replace(ending, '');
  // The file whose kind the user chose in the dialog: the script, the vectors, the one file.
  const mainSuffix = format === 'python' ? '.check.py' : format === 'projector' ? '.vectors.tsv' : suffixes.length === 1 ? suffixes[0] : undefined;
  // Written as named unless that name is another file's (vectors saved as NAME.metadata.tsv).
  const asNamed = ending.test(chosen) && !/\.metadata\.tsv$/i.test(chosen);
  const paths = suffixes.map(s => (s === mainSuffix && asNamed ? chosen : stem + s));
  const main = mainSuffix === undefined ? 0 : Math.max(0, suffixes.indexOf(mainSuffix));
  return { paths, main };
}
