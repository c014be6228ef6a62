// CSV files of the dashboard's charts, written as the hub writes its own
// CSV exports.

// csvField quotes a field when it holds a separator, a quote or a line
// break (RFC 4180). A text that a spreadsheet would take for a formula
// (=, +, -, @, tab, carriage return first) gets a leading apostrophe, as
// in the hub's own CSV exports; numbers stay numbers.
function csvField(v) {
  let s = v === null || v === undefined ? '' : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// toCSV is a header and rows as CSV with CRLF line ends, preceded by a
// byte order mark so that spreadsheet programs read it as UTF-8.
export function toCSV(header, rows) {
  return `\uFEFF${[header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`;
}
