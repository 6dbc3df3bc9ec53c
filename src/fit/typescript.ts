/**
 * A fitted function printed as TypeScript to paste into a spec:
 * `(files: readonly TaskFile[]) => 0.52 + 1.84 * totalGiB(files)`. It takes the task's parameters
 * up to the one it uses, under the task's own names, so it passes the spec's type check.
 */
import type { ArgumentKind } from "./history-line.js";

export interface FeatureTerm {
  /** The expression of the parameter(s) that gives the feature: `totalGiB(files)`, `sample.reads.length`, `threads`. */
  readonly expression: string;
  /** The function's parameter list: `(_reference: unknown, files: readonly TaskFile[])`. */
  readonly parameters: string;
  /** Whether the feature is bytes, fitted per GiB. */
  readonly perGiB: boolean;
}

const TYPE_OF_KIND: Readonly<Record<ArgumentKind, string>> = {
  number: "number",
  string: "string",
  boolean: "boolean",
  TaskFile: "TaskFile",
  "TaskFile[]": "readonly TaskFile[]",
  array: "readonly unknown[]",
  object: "object",
  other: "unknown",
};

/** `.reads` or `["a b"]`, from the rest of a feature name. */
function segments(rest: string): string[] {
  const found = rest.match(/\.[A-Za-z_$][\w$]*|\["(?:[^"\\]|\\.)*"\]/g) ?? [];
  if (found.join("") !== rest) throw new Error(`not a feature name: args[..]${rest}`);
  return found;
}

const keyOf = (segment: string) => (segment.startsWith(".") ? segment.slice(1) : (JSON.parse(segment.slice(1, -1)) as string));
const propertyName = (key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key));

export function featureTerm(feature: string, parameters: readonly (string | null)[] | null, kinds: Readonly<Record<string, ArgumentKind>>): FeatureTerm {
  const match = /^args\[(\d+)\](.*)$/.exec(feature);
  if (match === null) throw new Error(`not a feature name: ${feature}`);
  const index = Number(match[1]);
  let rest = segments(match[2] as string);
  // `args[0].count` is a key named count when the history says what that key held.
  let suffix: string | undefined;
  if (kinds[feature] === undefined && rest.length > 0) {
    suffix = keyOf(rest.at(-1) as string);
    rest = rest.slice(0, -1);
  }
  const nameAt = (i: number) => parameters?.[i] ?? `arg${i}`;
  const name = nameAt(index);
  const basePath = `args[${index}]${rest.join("")}`;
  const base = name + rest.join("");
  const kind = kinds[basePath] ?? "other";
  let expression: string;
  if (suffix === "totalBytes") expression = `totalGiB(${base})`;
  else if (suffix === "count" || suffix === "length") expression = `${base}.length`;
  else if (suffix === undefined) expression = base;
  else throw new Error(`not a feature name: ${feature}`);
  let type = TYPE_OF_KIND[kind];
  // One level into an object: the parameter's type names only that key, so the task's wider type fits it.
  if (rest.length === 1) type = `{ ${propertyName(keyOf(rest[0] as string))}: ${type} }`;
  const unused = Array.from({ length: index }, (_, i) => `_${nameAt(i)}: unknown`);
  return { expression, parameters: `(${[...unused, `${name}: ${type}`].join(", ")})`, perGiB: suffix === "totalBytes" };
}

const show = (n: number) => String(n);

/** `(files: readonly TaskFile[]) => 0.52 + 1.84 * totalGiB(files)`, or with `Math.max(floor, ...)` when the line can go below it. */
export function linearFunction(term: FeatureTerm, intercept: number, slope: number, floor: number | undefined): string {
  const product = `${show(slope)} * ${term.expression}`;
  const sum = intercept === 0 ? product : intercept > 0 ? `${show(intercept)} + ${product}` : `${product} - ${show(-intercept)}`;
  return `${term.parameters} => ${floor === undefined ? sum : `Math.max(${show(floor)}, ${sum})`}`;
}
