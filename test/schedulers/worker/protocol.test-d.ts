import { expectTypeOf, test } from "vitest";
import type { MeasuredUsage as ContractUsage } from "../../../src/contract/scheduler.js";
import type { ResolvedResources } from "../../../src/resources/spec.js";
import type { AttemptOutcome } from "../../../src/schedulers/worker/decode.js";
import { MeasuredUsage, WorkerReport, WorkerRequest } from "../../../src/schedulers/worker/protocol.js";

test("the protocol's schemas parse into the contract's types", () => {
  expectTypeOf(MeasuredUsage.parse({})).toEqualTypeOf<ContractUsage>();
  expectTypeOf(WorkerRequest.parse({}).resources).toEqualTypeOf<ResolvedResources>();
  expectTypeOf(WorkerReport.parse({}).usage).toEqualTypeOf<ContractUsage | undefined>();
});

test("a decoded outcome has a value only when ok, an error only when not", () => {
  const outcome = {} as AttemptOutcome<number>;
  if (outcome.ok) {
    expectTypeOf(outcome.value).toEqualTypeOf<number>();
    // @ts-expect-error no error on a success
    void outcome.error;
  } else {
    expectTypeOf(outcome.error).toEqualTypeOf<Error>();
    // @ts-expect-error no value on a failure
    void outcome.value;
  }
  expectTypeOf(outcome.usage).toEqualTypeOf<ContractUsage | undefined>();
});
