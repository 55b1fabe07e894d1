// Cross-check of Bonomat's ESC/POS bytes against an independent encoder,
// @point-of-sale/receipt-printer-encoder (version pinned in package.json).
//
//   node crosscheck.mjs ESCPOS_DUMP FIXTURES.json
//
// For every fixture, escpos_dump gives our bytes and the document's items;
// this script encodes the same items with the npm package, then compares
// the two streams twice:
//   1. byte for byte, after taking out what the two do differently on
//      purpose (the list below); every other byte must be the same: text
//      in CP852 and CP1250, bold, sizes, line feeds, QR codes;
//   2. as printed, on a small model of a printer: the same rows of text in
//      the same styles at the same column, the same QR codes, the same cuts.
// It also checks our mapping of every code point below U+3000, in both code
// pages, against the npm package's code page tables (codepage-encoder) and
// Unicode's decompositions (String.prototype.normalize), and once more
// against glibc's iconv tables, where only Unicode's categories say what is
// folded (checkIconv), so that a table copied from codepage.c is not the
// only judge. The npm side of an item fixture is built from the fixture,
// not from what our side read of it.
//
// Where the two legitimately differ (taken out of comparison 1, checked
// by comparison 2 where it can be):
//   - Initialize: npm sends ESC M 0 (font A) after ESC @ FS .; ESC @
//     selects font A already.
//   - Code page: we send ESC t n once, right after ESC @ FS ., so that the
//     printer's code page is known before any text; npm sends it just before
//     the first text that needs it.
//   - Alignment: we send ESC a n and let the printer align; npm pads text
//     with spaces from its own column count and uses ESC a only around QR
//     codes. Compared as printed: the same column, within half a column for
//     centered lines (ESC a centers in dots, padding in whole characters).
//   - Cut: we send GS V 66 n / GS V 65 n (function B: feed to the cutter,
//     then cut, so no printed line is cut through); npm sends GS V 1 /
//     GS V 0 (cut at once) and a line feed after it. Compared as partial
//     or full cut.
//   - Unmappable text: npm prints '?', we print '_' and fold what we can
//     (ș to ş, quotes, dashes, ellipsis, no-break space, € as EUR in CP852,
//     letters to their base letter). So npm gets our folded text; the folds
//     themselves are checked by the mapping check.
//   - npm's CP852 table gives the symbols that IBM's code pages draw for
//     control bytes (☺ ♥ ♪ ↑ § ¶ • ⌂ ...) those control bytes (0x01-0x1F,
//     0x7F), which a printer takes for commands. We send § as 0xF5, where
//     CP852 has it, and the others as '_'. The mapping check lists them
//     and makes sure that ours are printable bytes.
//   - Redundant style commands: at the start of a line npm sometimes
//     restores the previous line's bold and size and resets them again
//     before any text. Style commands with no text between them are
//     compared by their net effect.
//   - Wrapping: npm also breaks after a hyphen, and starts a word longer
//     than a line on the current line when more than 8 columns are left; we
//     break at spaces only, and start such a word on a new line. The
//     fixtures keep to text where the two rules agree.
//   - QR data: npm converts it to ISO-8859-1, we send the bytes as given
//     (UTF-8). The fixtures use ASCII.

import {execFileSync, spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';

let ReceiptPrinterEncoder;
let CodepageEncoder;
try {
  ({default: ReceiptPrinterEncoder} =
    await import('@point-of-sale/receipt-printer-encoder'));
  ({default: CodepageEncoder} =
    await import('@point-of-sale/codepage-encoder'));
} catch (e) {
  console.error(`crosscheck: ${e.message}\n` +
    'crosscheck: install the npm packages first: npm ci in tests/encoder');
  process.exit(1);
}

const [dumpPath, fixturesPath] = process.argv.slice(2);
if (!dumpPath || !fixturesPath) {
  console.error('usage: node crosscheck.mjs ESCPOS_DUMP FIXTURES.json');
  process.exit(2);
}

const NPM_PAGE = {cp852: 'cp852', cp1250: 'windows1250'};

// ---- The mapping as codepage.h documents it, on npm's code page tables.

const ALWAYS = new Map([
  [0xa0, ' '], [0xab, '"'], [0xad, ''], [0xbb, '"'],
  [0x2010, '-'], [0x2011, '-'], [0x2012, '-'], [0x2013, '-'],
  [0x2014, '-'], [0x2015, '-'],
  [0x2018, '\''], [0x2019, '\''], [0x201a, '\''], [0x201b, '\''],
  [0x201c, '"'], [0x201d, '"'], [0x201e, '"'], [0x201f, '"'],
  [0x2026, '...'], [0x2032, '\''], [0x2033, '"'], [0x2039, '\''],
  [0x203a, '\''], [0x202f, ' '], [0x205f, ' '], [0x2060, ''],
  [0x2212, '-'], [0xfeff, ''],
]);
for (let c = 0x2000; c <= 0x200a; c++) ALWAYS.set(c, ' ');
for (let c = 0x200b; c <= 0x200f; c++) ALWAYS.set(c, '');

const CEDILLA = new Map([[0x218, 0x15e], [0x219, 0x15f], [0x21a, 0x162],
  [0x21b, 0x163]]);

const MISSING = new Map(Object.entries({
  'Æ': 'AE', 'Ð': 'D', 'Ø': 'O', 'Þ': 'TH', 'æ': 'ae', 'ð': 'd', 'ø': 'o',
  'þ': 'th', 'Đ': 'D', 'đ': 'd', 'Ħ': 'H', 'ħ': 'h', 'ı': 'i', 'Ĳ': 'IJ',
  'ĳ': 'ij', 'Ŀ': 'L', 'ŀ': 'l', 'Ł': 'L', 'ł': 'l', 'Ŋ': 'N', 'ŋ': 'n',
  'Œ': 'OE', 'œ': 'oe', 'Ŧ': 'T', 'ŧ': 't', 'ſ': 's', 'ƒ': 'f', '€': 'EUR',
  '™': 'TM',
}).map(([k, v]) => [k.codePointAt(0), v]));

const COMBINING = [[0x300, 0x36f], [0x1ab0, 0x1aff], [0x1dc0, 0x1dff],
  [0x20d0, 0x20ff], [0xfe00, 0xfe0f], [0xfe20, 0xfe2f]];

// npm's byte for code point cp, or null when it has none (it prints '?').
function npmByte(cp, page) {
  const bytes = CodepageEncoder.encode(String.fromCodePoint(cp),
      NPM_PAGE[page]);
  if (bytes.length !== 1 || (bytes[0] === 0x3f && cp !== 0x3f)) return null;
  return bytes[0];
}

// Expected output bytes for one code point, as an array; or 'npm-control'
// where npm's table gives a control byte (documented above).
function expectedBytes(cp, page) {
  const ascii = (s) => [...s].map((c) => c.charCodeAt(0));
  if (cp === 0x0a) return [0x0a];
  if (cp === 0x09) return [0x20];
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return [0x5f];
  if (cp < 0x7f) return [cp];
  if (COMBINING.some(([lo, hi]) => cp >= lo && cp <= hi)) return [];
  if (CEDILLA.has(cp)) cp = CEDILLA.get(cp);
  if (ALWAYS.has(cp)) return ascii(ALWAYS.get(cp));
  const b = npmByte(cp, page);
  if (b !== null && (b < 0x20 || b === 0x7f)) return 'npm-control';
  if (b !== null) return [b];
  if (MISSING.has(cp)) return ascii(MISSING.get(cp));
  const c = String.fromCodePoint(cp);
  const inLatin = (cp >= 0xc0 && cp < 0x250) || (cp >= 0x1e00 && cp < 0x1f00);
  const nfd = c.normalize('NFD');
  if (inLatin && /\p{L}/u.test(c) && nfd.length > 1 && /^[A-Za-z]/.test(nfd)) {
    return [nfd.charCodeAt(0)];
  }
  return [0x5f];
}

// Text as our encoder prints it, as a string npm encodes to the same bytes.
function fold(text, page) {
  let out = '';
  for (const ch of text) {
    const e = expectedBytes(ch.codePointAt(0), page);
    if (e === 'npm-control') throw new Error(`fixture uses ${ch}`);
    for (const b of e) {
      if (b < 0x80) {
        out += String.fromCharCode(b);
        continue;
      }
      // The character npm maps to byte b in this page.
      const back = execDecode(b, page);
      out += back;
    }
  }
  return out;
}

const decodeCache = new Map();
function execDecode(b, page) {
  const key = `${page}:${b}`;
  if (!decodeCache.has(key)) {
    for (let cp = 0xa0; cp < 0x3000; cp++) {
      if (npmByte(cp, page) === b) {
        decodeCache.set(key, String.fromCodePoint(cp));
        break;
      }
    }
  }
  return decodeCache.get(key);
}

function checkMap(page) {
  const lines = execFileSync(dumpPath, ['--map', page], {encoding: 'utf8'})
      .trim().split('\n');
  const bad = [];
  const npmControl = [];
  for (const line of lines) {
    const [cpHex, got = ''] = line.split(' ');
    const cp = parseInt(cpHex, 16);
    const want = expectedBytes(cp, page);
    if (want === 'npm-control') {
      npmControl.push(`U+${cpHex}`);
      const b = parseInt(got, 16);
      const ok = got.length === 2 && b >= 0x20 && b !== 0x7f &&
        (b < 0x80 || (cp === 0xa7 && page === 'cp852' && b === 0xf5));
      if (!ok) bad.push(`U+${cpHex}: ours ${got}, npm a control byte`);
      continue;
    }
    const wantHex = want.map((b) => b.toString(16).padStart(2, '0')).join('');
    if (wantHex !== got) bad.push(`U+${cpHex}: ours ${got}, want ${wantHex}`);
  }
  return {count: lines.length, bad, npmControl};
}

// ---- The code pages as glibc's iconv has them (IBM's CP852 and
// Microsoft's CP1250 tables), a second source independent of both our
// codepage.c and npm's tables.

const ICONV_PAGE = {cp852: 'CP852', cp1250: 'CP1250'};

// Characters that are in the code page but that we print in ASCII on
// purpose (DESIGN.md "Printing": the same text prints the same on both
// pages and on clones whose CP1250 lacks 0x80-0x9F): typographic
// punctuation and spaces, told by their Unicode category (dashes, opening
// and closing quotes, space separators, invisible format characters such
// as the soft hyphen), plus the low-9 quotes and the ellipsis.
const typographic = (cp) =>
  /[\p{Pd}\p{Pi}\p{Pf}\p{Zs}\p{Cf}]/u.test(String.fromCodePoint(cp)) ||
  [0x201a, 0x201e, 0x2026].includes(cp);
// Romanian comma-below letters, in neither page, print as the cedilla
// letters (the printer manuals' Romanian pages do the same).
const COMMA_BELOW = new Map([[0x218, 0x15e], [0x219, 0x15f], [0x21a, 0x162],
  [0x21b, 0x163]]);

// The page's byte for each code point, or null when it has none: one
// iconv run over all of them, a line each.
function iconvTable(cps, page) {
  const text = cps.map((cp) => (cp === 0x0a ? ' ' : String.fromCodePoint(cp)))
      .join('\n') + '\n';
  const r = spawnSync('iconv', ['-c', '-f', 'UTF-8', '-t', ICONV_PAGE[page]],
      {input: Buffer.from(text), maxBuffer: 1 << 24});
  if (r.error) throw new Error(`iconv: ${r.error.message}`);
  const rows = [];
  let cur = [];
  for (const b of r.stdout) {
    if (b === 0x0a) {
      rows.push(cur);
      cur = [];
    } else {
      cur.push(b);
    }
  }
  if (rows.length !== cps.length) {
    throw new Error(`iconv gave ${rows.length} lines for ${cps.length}`);
  }
  return rows.map((row) => (row.length === 1 ? row[0] : null));
}

// Our mapping (escpos_dump --map) against iconv: a character of the page
// prints as the page's byte; one outside it prints in ASCII (a fold or
// '_'), never as some other letter of the page, except ș ț as ş ţ.
function checkIconv(page) {
  const lines = execFileSync(dumpPath, ['--map', page], {encoding: 'utf8'})
      .trim().split('\n');
  const rows = lines.map((line) => {
    const [cpHex, got = ''] = line.split(' ');
    return {cp: parseInt(cpHex, 16), cpHex,
      got: (got.match(/../g) || []).map((h) => parseInt(h, 16))};
  });
  const extra = [...COMMA_BELOW.values()];
  const table = iconvTable([...rows.map((r) => r.cp), ...extra], page);
  const byteOf = new Map(rows.map((r, i) => [r.cp, table[i]]));
  extra.forEach((cp, i) => byteOf.set(cp, table[rows.length + i]));
  const bad = [];
  let inPage = 0;
  for (const {cp, cpHex, got} of rows) {
    const b = byteOf.get(cp);
    const hex = got.map((x) => x.toString(16).padStart(2, '0')).join('');
    if (b !== null && b >= 0x80 && !typographic(cp)) {
      inPage++;
      if (got.length !== 1 || got[0] !== b) {
        bad.push(`U+${cpHex}: ours ${hex}, the page has it at ` +
          b.toString(16));
      }
    } else if (COMMA_BELOW.has(cp)) {
      const want = byteOf.get(COMMA_BELOW.get(cp));
      if (got.length !== 1 || got[0] !== want) {
        bad.push(`U+${cpHex}: ours ${hex}, want the cedilla letter ` +
          `${want?.toString(16)}`);
      }
    } else if (cp >= 0x80 && got.some((x) => x >= 0x80)) {
      bad.push(`U+${cpHex}: ours ${hex}, a letter of the page for a ` +
        'character outside it');
    }
  }
  return {count: rows.length, inPage, bad};
}

// ---- The npm side of a document.

function npmEncode(fixture, items) {
  const page = NPM_PAGE[fixture.codepage];
  const enc = new ReceiptPrinterEncoder({
    language: 'esc-pos',
    columns: fixture.columns,
    newline: '\n',
    feedBeforeCut: 0,
    codepageMapping: {[page]: fixture.codepage_number},
  });
  enc.initialize();
  enc.codepage(page);
  for (const it of items) {
    switch (it.type) {
      case 'text': {
        const sized = it.width !== 1 || it.height !== 1;
        enc.align(it.align);
        if (it.bold) enc.bold(true);
        if (sized) enc.size(it.width, it.height);
        enc.text(fold(it.text, fixture.codepage));
        enc.newline();
        if (it.bold) enc.bold(false);
        if (sized) enc.size(1, 1);
        break;
      }
      case 'feed':
        enc.newline(it.lines);
        break;
      case 'qr':
        enc.align(it.align);
        enc.qrcode(it.data, {model: 2, size: it.module,
          errorlevel: it.level});
        break;
      case 'cut':
        enc.cut(it.full ? 'full' : 'partial');
        break;
      default:
        throw new Error(`unknown item ${it.type}`);
    }
  }
  return Array.from(enc.encode());
}

// ---- Both streams as tokens.

const ESC_CMDS = {0x74: 'codepage', 0x61: 'align', 0x45: 'bold', 0x4d: 'font'};

function tokenize(bytes) {
  const tokens = [];
  let i = 0;
  const need = (n) => {
    if (i + n > bytes.length) throw new Error(`truncated command at ${i}`);
  };
  while (i < bytes.length) {
    const b = bytes[i];
    const start = i;
    if (b === 0x1b) {
      need(2);
      if (bytes[i + 1] === 0x40) {
        tokens.push({k: 'init', raw: bytes.slice(i, i + 2)});
        i += 2;
        continue;
      }
      const k = ESC_CMDS[bytes[i + 1]];
      if (!k) throw new Error(`unknown ESC ${bytes[i + 1]} at ${i}`);
      need(3);
      tokens.push({k, n: bytes[i + 2], raw: bytes.slice(i, i + 3)});
      i += 3;
    } else if (b === 0x1c) {
      need(2);
      if (bytes[i + 1] !== 0x2e) throw new Error(`unknown FS at ${i}`);
      tokens.push({k: 'fs.', raw: bytes.slice(i, i + 2)});
      i += 2;
    } else if (b === 0x1d) {
      need(3);
      const c = bytes[i + 1];
      if (c === 0x21) {
        tokens.push({k: 'size', n: bytes[i + 2], raw: bytes.slice(i, i + 3)});
        i += 3;
      } else if (c === 0x56) {
        const m = bytes[i + 2];
        const n = m >= 65 ? 4 : 3;
        need(n);
        const full = m === 0 || m === 48 || m === 65;
        tokens.push({k: 'cut', full, raw: bytes.slice(i, i + n)});
        i += n;
      } else if (c === 0x28 && bytes[i + 2] === 0x6b) {
        need(5);
        const len = bytes[i + 3] | (bytes[i + 4] << 8);
        need(5 + len);
        tokens.push({k: 'qr', fn: bytes[i + 6],
          params: bytes.slice(i + 7, i + 5 + len),
          raw: bytes.slice(i, i + 5 + len)});
        i += 5 + len;
      } else {
        throw new Error(`unknown GS ${c} at ${i}`);
      }
    } else if (b === 0x0a) {
      tokens.push({k: 'lf', raw: [b]});
      i++;
    } else if (b < 0x20 || b === 0x7f) {
      throw new Error(`control byte ${b} at ${i}`);
    } else {
      while (i < bytes.length && bytes[i] >= 0x20 && bytes[i] !== 0x7f) i++;
      tokens.push({k: 'text', raw: bytes.slice(start, i)});
    }
  }
  return tokens;
}

// Style commands with no text between them, replaced by their net effect
// (bold first, then size), as a printer sees them.
function netStyles(tokens) {
  const out = [];
  const state = {bold: 0, size: 0};
  for (let j = 0; j < tokens.length;) {
    const t = tokens[j];
    if (t.k === 'init') Object.assign(state, {bold: 0, size: 0});
    if (t.k !== 'bold' && t.k !== 'size') {
      out.push(t);
      j++;
      continue;
    }
    const next = {...state};
    let other = [];
    while (j < tokens.length && ['bold', 'size', 'align', 'codepage']
        .includes(tokens[j].k)) {
      const u = tokens[j++];
      if (u.k === 'bold' || u.k === 'size') next[u.k] = u.n;
      else other.push(u);
    }
    out.push(...other);
    other = [];
    if (next.bold !== state.bold) {
      out.push({k: 'bold', n: next.bold, raw: [0x1b, 0x45, next.bold]});
    }
    if (next.size !== state.size) {
      out.push({k: 'size', n: next.size, raw: [0x1d, 0x21, next.size]});
    }
    Object.assign(state, next);
  }
  return out;
}

// Comparison 1: the bytes, less what differs on purpose.
function normalize(allTokens, side, fixture) {
  const tokens = netStyles(allTokens);
  const out = [];
  let rowStart = true;
  for (let j = 0; j < tokens.length; j++) {
    const t = tokens[j];
    if (t.k === 'codepage') {
      if (t.n !== fixture.codepage_number) {
        throw new Error(`${side}: ESC t ${t.n}`);
      }
      continue;
    }
    if (t.k === 'align') continue;
    if (t.k === 'font' && side === 'npm' && t.n === 0) continue;
    if (t.k === 'cut') {
      out.push({k: 'cut', raw: [t.full ? 'full-cut' : 'partial-cut']});
      // npm's line feed after the cut.
      if (side === 'npm' && tokens[j + 1]?.k === 'lf') j++;
      rowStart = true;
      continue;
    }
    if (t.k === 'text' && rowStart) {
      // Padding for alignment (npm) at the start of a row.
      let s = 0;
      while (s < t.raw.length && t.raw[s] === 0x20) s++;
      rowStart = false;
      if (s === t.raw.length) continue;
      out.push({k: 'text', raw: t.raw.slice(s)});
      continue;
    }
    if (t.k === 'lf' || t.k === 'qr') rowStart = true;
    if (t.k === 'text') rowStart = false;
    out.push(t);
  }
  return out.flatMap((t) => t.raw.map((b) => typeof b === 'number' ?
    b.toString(16).padStart(2, '0') : `<${b}>`));
}

// Comparison 2: what a printer would print.
function render(tokens, fixture, side) {
  const cols = fixture.columns;
  const out = [];
  const st = {align: 0, bold: 0, size: 0, page: -1};
  let row = null;
  let qr = {};
  const finishRow = () => {
    if (!row) {
      out.push('row: (empty)');
      return;
    }
    // Leading spaces are a position, not content.
    let lead = 0;
    while (row.segs.length && row.segs[0].text.startsWith(' ')) {
      const s = row.segs[0];
      lead += s.w;
      s.text = s.text.slice(1);
      if (!s.text.length) row.segs.shift();
    }
    const merged = [];
    for (const s of row.segs) {
      const last = merged[merged.length - 1];
      if (last && last.style === s.style) last.text += s.text;
      else merged.push({...s});
    }
    const width = merged.reduce((a, s) => a + s.text.length * s.w, 0);
    const offset = [0, (cols - width) / 2, cols - width][row.align];
    const col = lead + offset;
    out.push({col, text: merged.map((s) => `[${s.style}]${s.text}`).join('')});
    row = null;
  };
  for (let j = 0; j < tokens.length; j++) {
    const t = tokens[j];
    switch (t.k) {
      case 'init':
        Object.assign(st, {align: 0, bold: 0, size: 0, page: -1});
        break;
      case 'codepage': st.page = t.n; break;
      case 'align': st.align = t.n; break;
      case 'bold': st.bold = t.n; break;
      case 'size': st.size = t.n; break;
      case 'text': {
        if (!row) row = {align: st.align, segs: []};
        const w = (st.size >> 4) + 1;
        const h = (st.size & 7) + 1;
        const style = `b${st.bold} ${w}x${h} p${st.page}`;
        row.segs.push({style, w,
          text: Array.from(t.raw, (b) => String.fromCharCode(b)).join('')});
        break;
      }
      case 'lf': finishRow(); break;
      case 'qr':
        qr[t.fn] = t.params.join(',');
        if (t.fn === 0x51) {
          out.push(`qr align=${st.align} model=${qr[0x41]} size=${qr[0x43]} ` +
            `level=${qr[0x45]} data=${qr[0x50]}`);
          qr = {};
        }
        break;
      case 'cut':
        if (row) finishRow();
        out.push(t.full ? 'full cut' : 'partial cut');
        if (side === 'npm' && tokens[j + 1]?.k === 'lf') j++;
        break;
      default:
        break;
    }
  }
  if (row) finishRow();
  return out;
}

function sameRendering(ours, npm) {
  if (ours.length !== npm.length) {
    return `${ours.length} rows and blocks, npm ${npm.length}`;
  }
  for (let i = 0; i < ours.length; i++) {
    const a = ours[i];
    const b = npm[i];
    if (typeof a === 'string' || typeof b === 'string') {
      if (a !== b) return `#${i}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
      continue;
    }
    if (a.text !== b.text || Math.abs(a.col - b.col) > 0.5) {
      return `#${i}: ours ${JSON.stringify(a)}, npm ${JSON.stringify(b)}`;
    }
  }
  return null;
}

// A document's items as the fixture gives them, with the defaults that
// escpos.h documents for what a fixture leaves out (left, not bold, size
// 1x1, one line, partial cut); the fixtures give every QR field.
function fixtureItems(fixture) {
  return fixture.items.map((it) => {
    if (it.type === 'text') {
      return {align: 'left', bold: false, width: 1, height: 1, ...it};
    }
    if (it.type === 'feed') return {lines: 1, ...it};
    if (it.type === 'cut') return {full: false, ...it};
    return it;
  });
}

// ---- Run.

const fixtures = JSON.parse(readFileSync(fixturesPath, 'utf8')).fixtures;
const dumped = JSON.parse(execFileSync(dumpPath, ['--json', fixturesPath],
    {encoding: 'utf8'}));
let passed = 0;
let failed = 0;
const fail = (name, why) => {
  failed++;
  console.log(`not ok ${name}: ${why}`);
};

for (const fixture of fixtures) {
  const ours = dumped.find((d) => d.name === fixture.name);
  if (!ours) {
    fail(fixture.name, 'escpos_dump did not encode it');
    continue;
  }
  try {
    const ourBytes = Array.from(Buffer.from(ours.hex, 'hex'));
    // npm encodes what the fixture says, not what our side read from it;
    // a ticket's items are our layout's (its own check is by rendering
    // and by tests/unit/test_layout.c).
    const npmBytes = npmEncode(fixture,
        fixture.items ? fixtureItems(fixture) : ours.items);
    const ourTokens = tokenize(ourBytes);
    const npmTokens = tokenize(npmBytes);
    const a = normalize(ourTokens, 'ours', fixture).join(' ');
    const b = normalize(npmTokens, 'npm', fixture).join(' ');
    if (a !== b) {
      fail(fixture.name, `bytes differ\n  ours ${a}\n  npm  ${b}`);
      continue;
    }
    const why = sameRendering(render(ourTokens, fixture, 'ours'),
        render(npmTokens, fixture, 'npm'));
    if (why) {
      fail(fixture.name, `prints differently: ${why}`);
      continue;
    }
    passed++;
    console.log(`ok ${fixture.name} (${ourBytes.length} bytes, npm ` +
      `${npmBytes.length})`);
  } catch (e) {
    fail(fixture.name, e.message);
  }
}

for (const page of ['cp852', 'cp1250']) {
  const {count, bad, npmControl} = checkMap(page);
  if (bad.length) {
    fail(`map-${page}`, `${bad.length} code points differ:\n  ` +
      bad.slice(0, 20).join('\n  '));
  } else {
    passed++;
    console.log(`ok map-${page} (${count} code points; npm's table gives ` +
      `${npmControl.length} of them control bytes: ` +
      `${npmControl.join(' ') || 'none'})`);
  }
}

for (const page of ['cp852', 'cp1250']) {
  const {count, inPage, bad} = checkIconv(page);
  if (bad.length) {
    fail(`iconv-${page}`, `${bad.length} code points differ:\n  ` +
      bad.slice(0, 20).join('\n  '));
  } else {
    passed++;
    console.log(`ok iconv-${page} (${count} code points, ${inPage} of ` +
      'them in the page)');
  }
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
