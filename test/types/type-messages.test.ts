/**
 * The compile-time messages a user reads, pinned by their text, under TC39 decorators and under
 * experimentalDecorators: `@ts-expect-error` proves that something fails, this proves what it says.
 */
import { dirname, join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const FILE = join(process.cwd(), "test/types/messages.virtual.ts");
const SOURCE = `
import { customTask, smallTask, TaskFile } from "../../src/index.js";
customTask({ cpu: 2, memory: 4, storag: 5 });
customTask({ cpu: (files: string[]) => files.length, memory: 8 })((files: TaskFile[], count: number) => count);
customTask({ cpu: (files: TaskFile[], nope: string) => nope.length, memory: 8 })((files: TaskFile[]) => files.length);
export class Models {
  @customTask({ cpu: (files: TaskFile[], nope: string) => nope.length, memory: 4 })
  async extra(files: TaskFile[]) {
    return files.length;
  }
  @smallTask
  sync(n: number) {
    return n;
  }
}
`;

/** line (1-based) -> the flattened messages reported there. */
function diagnostics(experimentalDecorators: boolean): Map<number, string> {
  const config = ts.getParsedCommandLineOfConfigFile(join(process.cwd(), "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  const options: ts.CompilerOptions = { ...config?.options, experimentalDecorators, noEmit: true, paths: {} };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => (name === FILE ? ts.createSourceFile(name, SOURCE, language) : getSourceFile(name, language, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === FILE || fileExists(name);
  const program = ts.createProgram({ rootNames: [FILE], options, host });
  const found = new Map<number, string>();
  for (const d of ts.getPreEmitDiagnostics(program, program.getSourceFile(FILE))) {
    if (d.file?.fileName !== FILE || d.start === undefined) continue;
    const line = d.file.getLineAndCharacterOfPosition(d.start).line + 1;
    found.set(line, `${found.get(line) ?? ""}${ts.flattenDiagnosticMessageText(d.messageText, "\n")}\n`);
  }
  return found;
}

describe.each([
  ["TC39 decorators", false],
  ["experimentalDecorators", true],
] as const)("compile-time messages under %s", (_, legacy) => {
  const found = diagnostics(legacy);
  expect(dirname(FILE)).toContain("test");

  it("an unknown key names the valid keys", () => {
    expect(found.get(3)).toContain(
      'Type \'number\' is not assignable to type \'{ readonly "taskfit: not a key of this spec; the keys are cpu, memory, storage, storage_gib, storageGib, gpu, gpuType, name, timeout, retries, overLimit": never; }\'',
    );
  });

  it("a parameter of the wrong type names the key, the position, and both types", () => {
    expect(found.get(4)).toContain(
      '"taskfit: a resource function\'s parameter type differs from the task\'s argument at that position": { readonly cpu: { readonly parameter: 1; readonly expects: string[]; readonly taskPasses: TaskFile[]; }; }',
    );
    expect(found.get(4)).not.toContain("parameters the task does not have");
  });

  it("a parameter the task does not have names the key", () => {
    expect(found.get(5)).toContain('"taskfit: these resource functions take parameters the task does not have": "cpu"');
  });

  it("a method's error opens with the method form of the decorator, not the wrapper form", () => {
    const method = found.get(7) ?? "";
    const firstOverload = method.split("\n").find((line) => line.includes("Overload 1 of")) ?? "";
    expect(firstOverload).toMatch(legacy ? /Overload 1 of 3, '\(target: object, propertyKey: string \| symbol, descriptor/ : /Overload 1 of 3, '\(method: /);
    expect(firstOverload).toContain("taskfit: these resource functions take parameters the task does not have");
    const sync = found.get(11) ?? "";
    expect(sync.split("\n").find((line) => line.includes("Overload 1 of"))).toContain("taskfit: a task method must be async (return a Promise), since a task call always does");
  });
});
