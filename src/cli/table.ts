/** cli-table3 tables for the command line: coloured on a terminal, plain text in a pipe or a log. */
import Table from "cli-table3";

export function table(head: string[], stream: NodeJS.WriteStream = process.stdout): InstanceType<typeof Table> {
  return new Table({ head, ...(stream.isTTY ? {} : { style: { head: [], border: [] } }) });
}
