// The row contract of `npm run bench` (bench/run.mjs): a bench script prints markdown tables; a
// table whose header is exactly COLUMNS is merged into the one table, any other is kept verbatim.

/** The standard columns. */
export const COLUMNS = ['work', 'Embedding Lens', 'reference', 'ratio', 'conditions'];

/** The cells of one markdown table line. */
const cells = (/** @type {string} */ line) => line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map(c => c.trim());

/**
 * The markdown tables in a script's output, in order: header cells, body rows (the separator
 * line dropped) and the lines as printed. A line that does not start with `|` ends a table.
 * @param {string} text
 * @returns {{ header: string[], rows: string[][], lines: string[] }[]}
 */
export function parseTables(text) {
  /** @type {{ header: string[], rows: string[][], lines: string[] }[]} */
  const out = [];
  /** @type {{ header: string[], rows: string[][], lines: string[] } | null} */
  let cur = null;
  for (const line of text.split('\n')) {
    if (!/^\s*\|/.test(line)) {
      cur = null;
      continue;
    }
    if (!cur) {
      cur = { header: cells(line), rows: [], lines: [line] };
      out.push(cur);
      continue;
    }
    cur.lines.push(line);
    if (!/^\s*\|[\s:|-]+\|\s*$/.test(line)) cur.rows.push(cells(line));
  }
  return out;
}

/**
 * Splits a script's output into rows for the one table (tables with the standard header) and
 * tables to print as they are.
 * @param {string} text
 * @returns {{ rows: string[][], verbatim: string[][] }}
 */
export function collect(text) {
  /** @type {string[][]} */
  const rows = [];
  /** @type {string[][]} */
  const verbatim = [];
  for (const t of parseTables(text)) {
    const standard = t.header.length === COLUMNS.length && t.header.every((h, i) => h.toLowerCase() === COLUMNS[i]?.toLowerCase());
    if (standard) rows.push(...t.rows);
    else verbatim.push(t.lines);
  }
  return { rows, verbatim };
}

/**
 * The standard table as a bench script prints it (header, separator, one line per row), so
 * run.mjs merges it into the one table.
 * @param {string[][]} rows
 * @returns {string}
 */
export function standardTable(rows) {
  return [`| ${COLUMNS.join(' | ')} |`, `| ${COLUMNS.map(() => '---').join(' | ')} |`, ...rows.map(r => `| ${r.join(' | ')} |`)].join('\n');
}
