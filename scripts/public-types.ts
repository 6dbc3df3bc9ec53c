/**
 * No public declaration names a type the package does not export: a user must be able to name
 * every type a public function takes or returns. Reads the built declaration files of the entry
 * points with the TypeScript compiler and lists each reference, in an exported declaration, to a
 * type (interface, class, alias, enum or `typeof` value) of the package that no entry exports.
 * Types of dependencies (zod, Node) are theirs to export. One exception: `typeof value` as a type
 * argument (`z.infer<typeof Schema>`): the type computed from it is named by its exported alias,
 * and the schema it is computed from is how, not a type a user writes.
 *
 *   tsx scripts/public-types.ts dist/index.d.ts dist/report.d.ts dist/testing.d.ts
 */
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export interface UnexportedReference {
  /** The entry file and the exported name whose declaration makes the reference. */
  readonly entry: string;
  readonly exported: string;
  /** The type referred to, which no entry exports, and where the reference is (file:line). */
  readonly type: string;
  readonly at: string;
}

export interface PublicSurface {
  /** Each entry file with the names it exports, sorted. */
  readonly exports: ReadonlyMap<string, readonly string[]>;
  readonly unexported: readonly UnexportedReference[];
}

/** The names each entry exports, and the references to types no entry exports. */
export function checkPublicTypes(entries: readonly string[]): PublicSurface {
  const files = entries.map((entry) => resolve(entry));
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: ["node"],
  });
  const checker = program.getTypeChecker();
  const target = (symbol: ts.Symbol): ts.Symbol => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
  const ours = (node: ts.Node): boolean => {
    const file = node.getSourceFile();
    return !program.isSourceFileDefaultLibrary(file) && !program.isSourceFileFromExternalLibrary(file) && !file.fileName.includes("/node_modules/");
  };

  const exportsOf = new Map<string, ts.Symbol[]>();
  const exported = new Set<ts.Symbol>();
  for (const file of files) {
    const source = program.getSourceFile(file);
    const module = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    if (module === undefined) throw new Error(`${file} is not a module the compiler can read`);
    const symbols = checker.getExportsOfModule(module);
    exportsOf.set(file, symbols);
    for (const symbol of symbols) exported.add(target(symbol));
  }

  const unexported: UnexportedReference[] = [];
  const seen = new Set<string>();
  for (const [entry, symbols] of exportsOf) {
    for (const symbol of symbols) {
      const visit = (node: ts.Node): void => {
        const name = ts.isTypeReferenceNode(node)
          ? node.typeName
          : ts.isExpressionWithTypeArguments(node)
            ? node.expression
            : ts.isTypeQueryNode(node) && !ts.isTypeReferenceNode(node.parent)
              ? node.exprName
              : undefined;
        const referred = name === undefined ? undefined : checker.getSymbolAtLocation(name);
        if (referred !== undefined) {
          const type = target(referred);
          const declarations = type.declarations ?? [];
          if (!(type.flags & ts.SymbolFlags.TypeParameter) && declarations.some(ours) && !exported.has(type)) {
            const source = node.getSourceFile();
            const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
            const reference = { entry, exported: symbol.name, type: type.name, at: `${source.fileName}:${line}` };
            const key = `${reference.exported} ${reference.type}`;
            if (!seen.has(key)) {
              seen.add(key);
              unexported.push(reference);
            }
          }
        }
        ts.forEachChild(node, visit);
      };
      for (const declaration of target(symbol).declarations ?? []) if (ours(declaration)) visit(declaration);
    }
  }
  const names = new Map([...exportsOf].map(([file, symbols]) => [file, symbols.map((s) => s.name).sort()] as const));
  return { exports: names, unexported };
}

function main(entries: readonly string[]): void {
  const { exports, unexported } = checkPublicTypes(entries);
  for (const [file, names] of exports) console.log(`${file}: ${names.length} exported names`);
  if (unexported.length === 0) {
    console.log("public types ok: every type a public declaration names is exported");
    return;
  }
  console.error("public declarations name types that no entry exports (export them, or keep them out of the public signature):");
  for (const r of unexported) console.error(`  ${r.exported} refers to ${r.type} (${r.at})`);
  process.exitCode = 1;
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
