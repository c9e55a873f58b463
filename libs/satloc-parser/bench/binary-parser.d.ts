// binary-parser's package.json "exports" has no "types" condition, so TypeScript finds no typings
// for 'binary-parser'; they sit next to its CommonJS build, which the "./*" export reaches.
declare module 'binary-parser' {
  export { Parser } from 'binary-parser/dist/binary_parser.js';
}
