/**
 * How arguments and results cross to another process: JSON, with TaskFile revived on the other
 * side. Anything JSON would drop or change silently (a function, a symbol, a bigint, undefined in
 * an array, NaN or Infinity) is refused with the path where it sits.
 */
import { SerializationError } from "../errors.js";
import { reviveTaskFiles } from "../task/file.js";

function check(value: unknown, path: string, fail: (path: string, value: unknown) => never, seen: Set<object>): void {
  switch (typeof value) {
    case "function":
    case "symbol":
    case "bigint":
      fail(path, value);
      break;
    case "number":
      if (!Number.isFinite(value)) fail(path, value);
      break;
    case "object": {
      if (value === null) return;
      if (seen.has(value)) fail(path, "[circular]");
      if (typeof (value as { toJSON?: unknown }).toJSON === "function") return;
      seen.add(value);
      if (Array.isArray(value)) {
        value.forEach((item, i) => {
          if (item === undefined) fail(`${path}[${i}]`, item);
          check(item, `${path}[${i}]`, fail, seen);
        });
      } else {
        for (const [key, item] of Object.entries(value)) check(item, `${path}.${key}`, fail, seen);
      }
      seen.delete(value);
      break;
    }
    default:
  }
}

/** JSON text of `value`, or a SerializationError naming where JSON would lose something. */
export function toWire(value: unknown, task: string, what: "argument" | "result" | "field of `this`", root: string): string {
  check(value, root, (path, bad) => {
    throw new SerializationError({ task, what, path, value: bad });
  }, new Set());
  return JSON.stringify(value === undefined ? { undefined: true } : { value });
}

export function fromWire(text: string): unknown {
  const parsed = JSON.parse(text, reviveTaskFiles) as { value?: unknown; undefined?: true };
  return parsed.undefined === true ? undefined : parsed.value;
}
