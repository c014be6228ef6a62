// The dashboard's CSV against hand-written files: RFC 4180 quoting, CRLF,
// the byte order mark, and texts that a spreadsheet would take for
// formulas written as text.
import test from 'node:test';
import assert from 'node:assert/strict';
import { toCSV } from '../../src/csv.js';

test('quoting, line ends and the byte order mark', () => {
  assert.equal(
    toCSV(['a', 'b'], [['x, y', 'say "hi"'], ['line\nbreak', null], [1.5, undefined]]),
    '\uFEFFa,b\r\n"x, y","say ""hi"""\r\n"line\nbreak",\r\n1.5,\r\n',
  );
});

test('texts that start a formula get an apostrophe; numbers do not', () => {
  assert.equal(
    toCSV(['t', 'n'], [['=1+1', -3], ['+358 40', 2], ['-x', 0], ['@SUM(A1)', 1], ['\t=1', 1], ['a=1', -0.5], ['=A1,B1', 1]]),
    "\uFEFFt,n\r\n'=1+1,-3\r\n'+358 40,2\r\n'-x,0\r\n'@SUM(A1),1\r\n'\t=1,1\r\na=1,-0.5\r\n\"'=A1,B1\",1\r\n",
  );
});
