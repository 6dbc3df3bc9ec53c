/**
 * The parameter names of a function, read from its source text (`Function.prototype.toString`).
 * Used to catch a resource function ported from Latch with the task's parameters in another order
 * (Latch passes them by name, taskfit by position), and to show a spec as "function of (files, n)".
 * Names cannot be read from native or bound functions; minified code has names, but not the
 * author's.
 */

/** One entry per parameter: its name, or undefined for a destructured one; undefined when unreadable. */
export function parameterNames(fn: (...args: never[]) => unknown): (string | undefined)[] | undefined {
  let source: string;
  try {
    source = Function.prototype.toString.call(fn);
  } catch {
    return undefined;
  }
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) return undefined;
  const text = skipSpaceAndComments(source, 0);
  const head = source.slice(text).replace(/^async\b\s*/, "");
  // `x => ...` (no parentheses)
  const bare = /^([A-Za-z_$][\w$]*)\s*=>/.exec(head);
  if (bare !== null) return [bare[1]];
  const open = source.indexOf("(", text);
  if (open < 0) return undefined;
  const list = parameterList(source, open);
  if (list === undefined) return undefined;
  if (list.trim() === "") return [];
  return splitTopLevel(list).map(nameOf);
}

function skipSpaceAndComments(text: string, from: number): number {
  let i = from;
  for (;;) {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    if (text.startsWith("//", i)) i = text.indexOf("\n", i) < 0 ? text.length : text.indexOf("\n", i);
    else if (text.startsWith("/*", i)) i = text.indexOf("*/", i + 2) < 0 ? text.length : text.indexOf("*/", i + 2) + 2;
    else return i;
  }
}

/** The text between the parenthesis at `open` and its match, with comments blanked; undefined if unbalanced. */
function parameterList(text: string, open: number): string | undefined {
  let depth = 0;
  let out = "";
  for (let i = open; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"' || c === "'" || c === "`") {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end - 1;
      continue;
    }
    if (text.startsWith("//", i) || text.startsWith("/*", i)) {
      const end = skipSpaceAndComments(text, i);
      out += " ";
      i = end - 1;
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    if (c === ")" || c === "]" || c === "}") depth--;
    if (depth === 0) return out.slice(1);
    out += c;
  }
  return undefined;
}

function stringEnd(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === quote) return i + 1;
  }
  return text.length;
}

function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i] as string;
    if (c === '"' || c === "'" || c === "`") {
      i = stringEnd(list, i) - 1;
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === "," && depth === 0) {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  const last = list.slice(start);
  if (last.trim() !== "") parts.push(last);
  return parts;
}

function nameOf(parameter: string): string | undefined {
  const match = /^\s*(?:\.\.\.\s*)?([A-Za-z_$][\w$]*)/.exec(parameter);
  return match?.[1];
}

/**
 * A resource function whose parameter names are the task's parameter names at other positions:
 * `(threads, n)` for a task `(nSamples, threads)` would get `nSamples` as `threads`. Returns the
 * first such parameter, or undefined when the names agree or cannot be read.
 */
export function misplacedParameter(
  task: readonly (string | undefined)[] | undefined,
  resource: readonly (string | undefined)[] | undefined,
): { name: string; at: number; taskAt: number } | undefined {
  if (task === undefined || resource === undefined) return undefined;
  for (const [at, name] of resource.entries()) {
    if (name === undefined || task[at] === name) continue;
    const taskAt = task.indexOf(name);
    if (taskAt >= 0) return { name, at, taskAt };
  }
  return undefined;
}
