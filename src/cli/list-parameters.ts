/**
 * Which parameters of a module's exported task are lists, read from the module's source: its type
 * annotations (`files: TaskFile[]`) or, in JavaScript, its JSDoc (`@param {TaskFile[]} files`).
 * Types are gone at run time, yet `--file a.fq` must become `[a.fq]` for a task that takes a list.
 * Only the syntax of the one file is read (TypeScript's parser, from the user's project or
 * taskfit's own), so this costs milliseconds, not a type-check.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import type * as TS from "typescript";

type Ts = typeof TS;

function loadTypescript(path: string): Ts | undefined {
  for (const from of [resolve(path), import.meta.url]) {
    try {
      return createRequire(from)("typescript") as Ts;
    } catch {
      // not installed there
    }
  }
  return undefined;
}

/**
 * One entry per parameter of the task exported as `exportName` (`"default"` for the default
 * export): true for a list, false for something else, undefined when it cannot tell. Undefined
 * altogether when the function cannot be found or TypeScript is not installed.
 */
export function listParameters(path: string, exportName: string): (boolean | undefined)[] | undefined {
  const ts = loadTypescript(path);
  if (ts === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, /\.[cm]?jsx?$/.test(path) ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const declared = new Map<string, TS.Node>();
  let exported: TS.Node | undefined;
  const exportsOf = (node: TS.Node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  const isDefault = (node: TS.Node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
  for (const statement of source.statements) {
    if (ts.isFunctionDeclaration(statement)) {
      if (statement.name !== undefined) declared.set(statement.name.text, statement);
      if (exportsOf(statement) && (isDefault(statement) ? exportName === "default" : statement.name?.text === exportName)) exported = statement;
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (!ts.isIdentifier(declaration.name) || declaration.initializer === undefined) continue;
        declared.set(declaration.name.text, declaration.initializer);
        if (exportsOf(statement) && declaration.name.text === exportName) exported = declaration.initializer;
      }
    } else if (ts.isExportAssignment(statement) && exportName === "default") {
      exported = statement.expression;
    }
  }
  for (const statement of source.statements) {
    if (exported !== undefined || !ts.isExportDeclaration(statement) || statement.exportClause === undefined || !ts.isNamedExports(statement.exportClause)) continue;
    const element = statement.exportClause.elements.find((e) => e.name.text === exportName);
    if (element !== undefined) exported = declared.get((element.propertyName ?? element.name).text);
  }
  const fn = exported === undefined ? undefined : functionOf(ts, exported, declared, 0);
  if (fn === undefined) return undefined;
  return fn.parameters.map((parameter) => {
    if (parameter.dotDotDotToken !== undefined) return undefined;
    const type = parameter.type ?? ts.getJSDocType(parameter);
    return type === undefined ? undefined : isListType(ts, type);
  });
}

/** The function a task export wraps: `customTask(...)(async function f(...) {})`, `smallTask(f)`, `f`. */
function functionOf(ts: Ts, node: TS.Node, declared: ReadonlyMap<string, TS.Node>, depth: number): TS.SignatureDeclaration | undefined {
  if (depth > 8) return undefined;
  if (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node)) return node;
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) return functionOf(ts, node.expression, declared, depth + 1);
  if (ts.isIdentifier(node)) {
    const target = declared.get(node.text);
    return target === undefined ? undefined : functionOf(ts, target, declared, depth + 1);
  }
  if (ts.isCallExpression(node)) {
    // The wrapped function is the argument of the outermost call that is one.
    for (const argument of node.arguments) {
      const fn = functionOf(ts, argument, declared, depth + 1);
      if (fn !== undefined) return fn;
    }
  }
  return undefined;
}

function isListType(ts: Ts, type: TS.TypeNode): boolean | undefined {
  if (ts.isArrayTypeNode(type) || ts.isTupleTypeNode(type)) return true;
  if (ts.isParenthesizedTypeNode(type)) return isListType(ts, type.type);
  if (ts.isTypeOperatorNode(type) && type.operator === ts.SyntaxKind.ReadonlyKeyword) return isListType(ts, type.type);
  if (ts.isTypeReferenceNode(type)) {
    const name = type.typeName.getText();
    if (name === "Array" || name === "ReadonlyArray") return true;
    return name === "TaskFile" ? false : undefined;
  }
  if (ts.isUnionTypeNode(type)) {
    const kinds = type.types
      .filter((t) => t.kind !== ts.SyntaxKind.UndefinedKeyword && !(ts.isLiteralTypeNode(t) && t.literal.kind === ts.SyntaxKind.NullKeyword))
      .map((t) => isListType(ts, t));
    return kinds.every((k) => k === true) ? true : kinds.every((k) => k === false) ? false : undefined;
  }
  return false;
}
