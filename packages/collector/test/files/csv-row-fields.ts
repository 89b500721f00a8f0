import fc from 'fast-check';

/** Fields of generated CSV rows, for the row parsers' property tests (csv-fast-rows and csv-wasm-rows). */
export const field = fc.oneof(
  // Plain decimals of every shape nextNumber knows, numbers it refuses, and what a real file puts beside them.
  fc
    .tuple(
      fc.constantFrom('', '+', '-'),
      fc.stringMatching(/^[0-9]{0,20}$/),
      fc.constantFrom('', '.'),
      fc.stringMatching(/^[0-9]{0,8}$/),
      fc.constantFrom('', '', '', 'e5', 'E-3', 'e+400'),
    )
    .map((parts) => parts.join('')),
  fc.constantFrom(
    '',
    'NA',
    'NaN',
    '?',
    'null',
    ' 1.5',
    '1.5 ',
    '\t2',
    'abc',
    'a"b',
    '"q"',
    '"a,b"',
    '"x""y"',
    '-',
    '.',
  ),
  fc.double({ noNaN: true }).map(String),
);
