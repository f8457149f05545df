// The tracer's log where ptrace was unavailable (--unavailable-ok): its only line says why, and
// the command did not run.

/** Why the commands of these logs could not be traced, if one could not: "call: error: reason". */
export function unavailableReason(logs: string[]): string | undefined {
  for (const text of logs) {
    const first = text.split("\n", 1)[0];
    if (!first) continue;
    const event = JSON.parse(first) as { type: string; call: string; error: string; reason: string };
    if (event.type === "unavailable") return `${event.call}: ${event.error}: ${event.reason}`;
  }
  return undefined;
}
