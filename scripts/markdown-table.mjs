// Markdown tables as Biome formats them, for the scripts that write tables into READMEs (so a
// generated table passes `biome ci` and a `--check` run compares equal).

/** Pads every markdown table among `lines` to equal column widths (right-aligned where `---:`). */
export function align(lines) {
  const out = [];
  for (let i = 0; i < lines.length; ) {
    if (!lines[i].startsWith('|')) {
      out.push(lines[i++]);
      continue;
    }
    const rows = [];
    while (i < lines.length && lines[i].startsWith('|')) rows.push(cells(lines[i++]));
    const right = rows[1].map((c) => c.endsWith(':'));
    const widths = rows[0].map((_, c) =>
      Math.max(3, ...rows.filter((_, r) => r !== 1).map((row) => [...(row[c] ?? '')].length)),
    );
    for (const [r, row] of rows.entries()) {
      const padded = widths.map((w, c) => {
        if (r === 1) return right[c] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w);
        const text = row[c] ?? '';
        const pad = ' '.repeat(w - [...text].length);
        return right[c] ? pad + text : text + pad;
      });
      out.push(`| ${padded.join(' | ')} |`);
    }
  }
  return out;
}

function cells(line) {
  return line
    .slice(1, -1)
    .split('|')
    .map((c) => c.trim());
}
