// Time only through the clock: `src/clock.ts` is the one file that may read real time or set
// real timers. Everything else takes a `Clock`, so every timing test can run on the manual clock.
//
// The check parses each file (TypeScript 6's parser; TypeScript 7 has no JS API) instead of
// grepping: comments and strings do not count, and the `Clock` interface's own `setTimeout`
// method (`clock.setTimeout(...)`, `setTimeout(fn, ms) { ... }` in a clock) is not a global timer.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from '@typescript/typescript6';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const allowed = 'src/clock.ts';

/** Globals that schedule work on real time. */
const timers = new Set(['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'requestAnimationFrame']);
/** Objects whose `now()` reads real time. */
const clocks = new Set(['Date', 'performance']);
/** Ways to reach a global explicitly: `globalThis.setTimeout`, `window.performance.now()`. */
const globalObjects = new Set(['globalThis', 'window', 'self', 'global']);

/** `x` or `globalThis.x` / `window.x` / `globalThis['x']`: the name when it is a global, else undefined. */
function globalName(node: ts.Node): string | undefined {
  if (ts.isIdentifier(node)) return node.text;
  if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && globalObjects.has(node.expression.text)) {
    return node.name.text;
  }
  if (
    ts.isElementAccessExpression(node) &&
    ts.isIdentifier(node.expression) &&
    globalObjects.has(node.expression.text) &&
    ts.isStringLiteralLike(node.argumentExpression)
  ) {
    return node.argumentExpression.text;
  }
  return undefined;
}

/**
 * Is this identifier a member name (`a.setTimeout`, `{ setTimeout() {} }`, `{ setTimeout: arm } = clock`)?
 * A shorthand `{ setTimeout }` in an object literal is a reference to the global, so it is not.
 */
function isPropertyName(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return true;
  if (ts.isQualifiedName(parent) && parent.right === node) return true;
  if (ts.isBindingElement(parent)) {
    return parent.propertyName === node || (parent.propertyName === undefined && parent.name === node);
  }
  return (
    (ts.isMethodDeclaration(parent) ||
      ts.isMethodSignature(parent) ||
      ts.isPropertyDeclaration(parent) ||
      ts.isPropertySignature(parent) ||
      ts.isPropertyAssignment(parent) ||
      ts.isGetAccessorDeclaration(parent) ||
      ts.isSetAccessorDeclaration(parent) ||
      ts.isEnumMember(parent)) &&
    parent.name === node
  );
}

/** Every use of real time in `code`, as `line: what`. */
function findRealTime(code: string, fileName = 'file.ts'): string[] {
  const source = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const report = (node: ts.Node, what: string) => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    found.push(`${line + 1}: ${what}`);
  };
  const visit = (node: ts.Node): void => {
    // Date.now / performance.now / globalThis.performance.now / Date['now'].
    if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
      const member = ts.isPropertyAccessExpression(node)
        ? node.name.text
        : ts.isStringLiteralLike(node.argumentExpression)
          ? node.argumentExpression.text
          : undefined;
      const owner = globalName(node.expression);
      if (member === 'now' && owner !== undefined && clocks.has(owner)) {
        report(node, `${owner}.now`);
        return;
      }
      const name = globalName(node);
      if (name !== undefined && timers.has(name)) {
        report(node, name);
        return;
      }
    }
    // new Date() / Date(): the current time. new Date(value) parses a value and is fine.
    if ((ts.isNewExpression(node) || ts.isCallExpression(node)) && globalName(node.expression) === 'Date') {
      if ((node.arguments?.length ?? 0) === 0) report(node, ts.isNewExpression(node) ? 'new Date()' : 'Date()');
    }
    // A bare setTimeout(...) / queueMicrotask reference (call, or passed along as a value).
    if (ts.isIdentifier(node) && timers.has(node.text) && !isPropertyName(node)) {
      report(node, node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.[cm]?tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

describe('findRealTime', () => {
  test.each([
    // Real time: found.
    { code: 'const t = Date.now();', want: ['1: Date.now'] },
    { code: 'const t = performance.now();', want: ['1: performance.now'] },
    { code: 'const t = globalThis.performance.now();', want: ['1: performance.now'] },
    { code: "const t = Date['now']();", want: ['1: Date.now'] },
    { code: 'const n = Date.now;', want: ['1: Date.now'] },
    { code: 'setTimeout(f, 10);', want: ['1: setTimeout'] },
    { code: 'globalThis.setTimeout(f, 10);', want: ['1: setTimeout'] },
    { code: "window['setInterval'](f, 10);", want: ['1: setInterval'] },
    { code: 'const later = queueMicrotask;', want: ['1: queueMicrotask'] },
    { code: 'const c = { setTimeout };', want: ['1: setTimeout'] },
    { code: 'const d = new Date();', want: ['1: new Date()'] },
    { code: 'const d = new Date;', want: ['1: new Date()'] },
    { code: 'const s = Date();', want: ['1: Date()'] },
    { code: 'x;\nsetImmediate(f);', want: ['2: setImmediate'] },
    // Not real time: ignored.
    { code: '// Date.now() in a comment\n/* setTimeout */', want: [] },
    { code: "const s = 'setTimeout and Date.now()';", want: [] },
    { code: 'clock.setTimeout(f, 10); this.clock.now();', want: [] },
    { code: 'const c = { now: () => 0, setTimeout(fn, ms) { return q.add(fn, ms); } };', want: [] },
    { code: 'interface Clock { setTimeout(fn: () => void, ms: number): () => void }', want: [] },
    { code: 'class C { setTimeout = 1; get queueMicrotask() { return 1; } }', want: [] },
    { code: 'const { setTimeout: arm } = clock;', want: [] },
    { code: 'const { arm = setTimeout } = options;', want: ['1: setTimeout'] },
    { code: 'const d = new Date(header).getTime();', want: [] },
    { code: 'const ms = Date.parse(header) - Date.UTC(2020, 0);', want: [] },
    { code: 'type T = Clock["setTimeout"];', want: [] },
  ])('$code', ({ code, want }) => {
    expect(findRealTime(code)).toEqual(want);
  });
});

describe(`real time only in ${allowed}`, () => {
  const files = sourceFiles(join(root, 'src')).map((file) => relative(root, file).split('\\').join('/'));

  test(`src/ has sources, including ${allowed}, where the check does find real time`, () => {
    expect(files).toContain(allowed);
    expect(findRealTime(readFileSync(join(root, allowed), 'utf8'))).not.toEqual([]);
  });

  test.each(files.filter((file) => file !== allowed))('%s', (file) => {
    const found = findRealTime(readFileSync(join(root, file), 'utf8'), file).map((where) => `${file}:${where}`);
    expect(found, `only ${allowed} may read real time or set timers; take a Clock instead`).toEqual([]);
  });
});
